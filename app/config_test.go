package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigDefaults(t *testing.T) {
	cfg := mustLoad(t, map[string]string{"PATH": "/usr/bin", "HOME": "/root"})
	if cfg.Port != 8080 || cfg.Env != "dev" || cfg.LogLevel != slog.LevelInfo || cfg.Greeting != defaultGreeting {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.DrainDelay != 5*time.Second || cfg.ShutdownTimeout != 4*time.Second {
		t.Fatalf("unexpected shutdown defaults: %v %v", cfg.DrainDelay, cfg.ShutdownTimeout)
	}
	if len(cfg.Extra) != 0 {
		t.Fatalf("non-APP_ env vars must not be reported: %v", cfg.Extra)
	}
	if len(cfg.Secrets.Status()) != 0 {
		t.Fatalf("no secrets expected: %v", cfg.Secrets.Status())
	}
}

func TestLoadConfigEnv(t *testing.T) {
	cfg := mustLoad(t, map[string]string{
		"PORT": "9090", "APP_ENV": "prod", "LOG_LEVEL": "DEBUG", "GREETING": "hi",
		"SHUTDOWN_DRAIN_SECONDS": "0", "SHUTDOWN_TIMEOUT_SECONDS": "1.5",
		"APP_FEATURE_X": "on", "APP_EMPTY": "", "OTHER_VAR": "x",
	})
	if cfg.Port != 9090 || cfg.Env != "prod" || cfg.LogLevel != slog.LevelDebug || cfg.Greeting != "hi" {
		t.Fatalf("env not applied: %+v", cfg)
	}
	if cfg.DrainDelay != 0 || cfg.ShutdownTimeout != 1500*time.Millisecond {
		t.Fatalf("durations: %v %v", cfg.DrainDelay, cfg.ShutdownTimeout)
	}
	want := map[string]string{"APP_FEATURE_X": "on"}
	if len(cfg.Extra) != 1 || cfg.Extra["APP_FEATURE_X"] != "on" {
		t.Fatalf("Extra = %v, want %v", cfg.Extra, want)
	}
}

func TestLoadConfigFileMerge(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "app.env", strings.Join([]string{
		"\ufeff# comment line",
		"",
		"PORT=7000",
		"GREETING = \"Hello from file\"",
		"export LOG_LEVEL=warn",
		"APP_ENV=staging",
		"APP_COLOR='blue'",
		"FEATURE_FLAGS=a,b=c",
		"CONFIG_FILE=/ignored",
		"APP_COLOR=green # later duplicate wins",
	}, "\n"))
	cfg := mustLoad(t, map[string]string{
		"CONFIG_FILE": path,
		"APP_ENV":     "prod", // environment beats the file
		"APP_REGION":  "eu",
	})
	if cfg.Port != 7000 || cfg.Greeting != "Hello from file" || cfg.LogLevel != slog.LevelWarn {
		t.Fatalf("file values not merged over defaults: %+v", cfg)
	}
	if cfg.Env != "prod" {
		t.Fatalf("env should override file: Env = %q", cfg.Env)
	}
	if cfg.ConfigFile != path {
		t.Fatalf("ConfigFile = %q", cfg.ConfigFile)
	}
	wantExtra := map[string]string{
		"APP_COLOR":     "green # later duplicate wins",
		"FEATURE_FLAGS": "a,b=c",
		"APP_REGION":    "eu",
	}
	if len(cfg.Extra) != len(wantExtra) {
		t.Fatalf("Extra = %v, want %v", cfg.Extra, wantExtra)
	}
	for k, v := range wantExtra {
		if cfg.Extra[k] != v {
			t.Errorf("Extra[%s] = %q, want %q", k, cfg.Extra[k], v)
		}
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "CONFIG_FILE") {
		t.Errorf("Warnings = %v", cfg.Warnings)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.env", "PORT=1\nthis line has no equals\n")
	badKey := writeFile(t, dir, "badkey.env", "1PORT=1\n")
	cases := map[string]map[string]string{
		"missing file":    {"CONFIG_FILE": filepath.Join(dir, "nope.env")},
		"bad line":        {"CONFIG_FILE": bad},
		"bad key":         {"CONFIG_FILE": badKey},
		"port not number": {"PORT": "http"},
		"port too big":    {"PORT": "70000"},
		"log level":       {"LOG_LEVEL": "chatty"},
		"drain negative":  {"SHUTDOWN_DRAIN_SECONDS": "-1"},
		"timeout garbage": {"SHUTDOWN_TIMEOUT_SECONDS": "soon"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := LoadConfig(env); err == nil {
				t.Fatalf("expected error for %v", env)
			}
		})
	}
	_, err := LoadConfig(map[string]string{"CONFIG_FILE": bad})
	if err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Fatalf("error should name the line: %v", err)
	}
}

func TestSecretsFromDirAndEnv(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "DB_PASSWORD", "file-secret-value\n")
	writeFile(t, dir, "EMPTY_SECRET", "\n")
	writeFile(t, dir, ".hidden", "hidden-value")
	// Kubernetes-style layout: ..data/<name> plus a symlink <name> -> ..data/<name>.
	if err := os.Mkdir(filepath.Join(dir, "..data"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "..data"), "API_TOKEN", "linked-secret-value")
	if err := os.Symlink(filepath.Join("..data", "API_TOKEN"), filepath.Join(dir, "API_TOKEN")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}

	cfg := mustLoad(t, map[string]string{
		"SECRETS_DIR":  dir,
		"SECRET_NAMES": " SESSION_KEY, DB_PASSWORD ,,MISSING_ONE",
		"SESSION_KEY":  "env-secret-value",
		"DB_PASSWORD":  "env-loses-to-file",
	})
	want := map[string]string{
		"DB_PASSWORD": "set", "API_TOKEN": "set", "SESSION_KEY": "set", "MISSING_ONE": "missing",
	}
	got := cfg.Secrets.Status()
	if len(got) != len(want) {
		t.Fatalf("Status = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Status[%s] = %q, want %q", k, got[k], v)
		}
	}
	if v, _ := cfg.Secrets.Get("DB_PASSWORD"); v != "file-secret-value" {
		t.Errorf("DB_PASSWORD = %q, want file value without trailing newline", v)
	}
	if v, _ := cfg.Secrets.Get("API_TOKEN"); v != "linked-secret-value" {
		t.Errorf("API_TOKEN via symlink = %q", v)
	}
	if v, _ := cfg.Secrets.Get("SESSION_KEY"); v != "env-secret-value" {
		t.Errorf("SESSION_KEY = %q", v)
	}
	if m := cfg.Secrets.Missing(); len(m) != 1 || m[0] != "MISSING_ONE" {
		t.Errorf("Missing = %v", m)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "EMPTY_SECRET") {
		t.Errorf("Warnings = %v", cfg.Warnings)
	}
}

func TestSecretsDirMissingIsWarning(t *testing.T) {
	cfg := mustLoad(t, map[string]string{"SECRETS_DIR": filepath.Join(t.TempDir(), "absent")})
	if len(cfg.Warnings) != 1 || len(cfg.Secrets.Status()) != 0 {
		t.Fatalf("Warnings = %v, Status = %v", cfg.Warnings, cfg.Secrets.Status())
	}
}

func TestExtraNeverContainsSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "APP_SIGNING_KEY", "dir-secret-s1")
	cfgFile := writeFile(t, t.TempDir(), "c.env", "APP_DB_PASS=file-secret-s2\nAPP_PLAIN=visible\n")
	cfg := mustLoad(t, map[string]string{
		"CONFIG_FILE":     cfgFile,
		"SECRETS_DIR":     dir,
		"SECRET_NAMES":    "APP_DB_PASS,APP_SIGNING_KEY",
		"APP_SIGNING_KEY": "env-secret-s3",
		"APP_API_TOKEN":   "heuristic-secret-s4",
		"APP_DB_URL":      "postgres://user:url-secret-s5@db:5432/app",
	})
	for k, v := range cfg.Extra {
		for _, s := range []string{"secret-s1", "secret-s2", "secret-s3", "secret-s4", "secret-s5"} {
			if strings.Contains(v, s) {
				t.Errorf("Extra[%s] leaks a secret: %q", k, v)
			}
		}
	}
	if _, ok := cfg.Extra["APP_DB_PASS"]; ok {
		t.Error("declared secret APP_DB_PASS must not appear in Extra")
	}
	if cfg.Extra["APP_API_TOKEN"] != redacted {
		t.Errorf("APP_API_TOKEN = %q, want redacted", cfg.Extra["APP_API_TOKEN"])
	}
	if got := cfg.Extra["APP_DB_URL"]; got != "postgres://user:xxxxx@db:5432/app" {
		t.Errorf("APP_DB_URL = %q", got)
	}
	if cfg.Extra["APP_PLAIN"] != "visible" {
		t.Errorf("APP_PLAIN = %q", cfg.Extra["APP_PLAIN"])
	}
	if s := cfg.Secrets.String(); strings.Contains(s, "secret-") {
		t.Errorf("Secrets.String leaks: %s", s)
	}
}

func TestEnvMap(t *testing.T) {
	m := envMap([]string{"A=1", "B=x=y", "C=", "=bad", "NOEQ"})
	if m["A"] != "1" || m["B"] != "x=y" || m["C"] != "" || len(m) != 3 {
		t.Fatalf("envMap = %v", m)
	}
}
