package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Defaults for the known settings.
const (
	defaultPort            = 8080
	defaultEnv             = "dev"
	defaultLogLevel        = "info"
	defaultGreeting        = "Hello, world!"
	defaultDrainDelay      = 5 * time.Second
	defaultShutdownTimeout = 4 * time.Second

	// extraPrefix selects the additional environment variables that are
	// treated as (non-secret) application configuration and reported by /config.
	extraPrefix = "APP_"

	redacted = "[redacted]"
)

// Names of the settings understood by the application.
const (
	keyPort            = "PORT"
	keyEnv             = "APP_ENV"
	keyLogLevel        = "LOG_LEVEL"
	keyGreeting        = "GREETING"
	keyDrainSeconds    = "SHUTDOWN_DRAIN_SECONDS"
	keyShutdownTimeout = "SHUTDOWN_TIMEOUT_SECONDS"
	keySecretsDir      = "SECRETS_DIR"
	keySecretNames     = "SECRET_NAMES"
	keyConfigFile      = "CONFIG_FILE" // environment only
	// keyProtected and the MISBEHAVE_* keys are in misbehave.go (environment only).
)

var knownKeys = map[string]bool{
	keyPort: true, keyEnv: true, keyLogLevel: true, keyGreeting: true,
	keyDrainSeconds: true, keyShutdownTimeout: true,
	keySecretsDir: true, keySecretNames: true, keyConfigFile: true,
	keyProtected: true, keyMisbehaveReadyz: true, keyMisbehaveLivez: true,
	keyMisbehaveErrorPct: true, keyMisbehaveSlowPct: true, keyMisbehaveSlowMs: true,
}

// environmentOnly keys are read from the environment, never from CONFIG_FILE: what the deployment sets.
var environmentOnly = map[string]bool{
	keyConfigFile: true, keyProtected: true, keyMisbehaveReadyz: true, keyMisbehaveLivez: true,
	keyMisbehaveErrorPct: true, keyMisbehaveSlowPct: true, keyMisbehaveSlowMs: true,
}

// Config is the effective configuration. Secret values are only reachable
// through Secrets.Get and are never part of any JSON or log output.
type Config struct {
	Port            int
	Env             string
	LogLevel        slog.Level
	Greeting        string
	DrainDelay      time.Duration
	ShutdownTimeout time.Duration
	ConfigFile      string
	SecretsDir      string
	// Protected is set by the deployment of a protected environment (APP_PROTECTED=true): no misbehaviour.
	Protected bool
	// Misbehave is what the app does wrong on purpose (MISBEHAVE_*); none by default.
	Misbehave Misbehaviour
	// Extra holds additional non-secret settings: APP_* environment variables
	// and unknown keys from the config file. Values of keys that look
	// sensitive are redacted.
	Extra   map[string]string
	Secrets *Secrets
	// Warnings are non-fatal problems found while loading; logged at startup.
	Warnings []string
}

// envMap converts os.Environ()-style entries into a map.
func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// LoadConfig builds the configuration. Precedence (lowest to highest):
// built-in defaults < CONFIG_FILE entries < environment variables.
func LoadConfig(env map[string]string) (*Config, error) {
	cfg := &Config{Extra: map[string]string{}}
	settings := map[string]string{}

	if path := env[keyConfigFile]; path != "" {
		cfg.ConfigFile = path
		fileSettings, err := readConfigFile(path)
		if err != nil {
			return nil, err
		}
		for k, v := range fileSettings {
			if environmentOnly[k] {
				cfg.Warnings = append(cfg.Warnings, k+" inside the config file is ignored (environment only)")
				continue
			}
			settings[k] = v
		}
	}
	for k, v := range env {
		if v == "" {
			continue // an empty variable means "not set"
		}
		if (knownKeys[k] && !environmentOnly[k]) || strings.HasPrefix(k, extraPrefix) {
			settings[k] = v
		}
	}

	var errs []error
	get := func(k, def string) string {
		if v := strings.TrimSpace(settings[k]); v != "" {
			return v
		}
		return def
	}

	port, err := strconv.Atoi(get(keyPort, strconv.Itoa(defaultPort)))
	if err != nil || port < 0 || port > 65535 {
		errs = append(errs, fmt.Errorf("%s: invalid port %q", keyPort, settings[keyPort]))
	}
	cfg.Port = port
	cfg.Env = get(keyEnv, defaultEnv)
	cfg.Greeting = get(keyGreeting, defaultGreeting)
	if err := cfg.LogLevel.UnmarshalText([]byte(get(keyLogLevel, defaultLogLevel))); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w (want debug, info, warn or error)", keyLogLevel, err))
	}
	if cfg.DrainDelay, err = parseSeconds(get(keyDrainSeconds, ""), defaultDrainDelay); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", keyDrainSeconds, err))
	}
	if cfg.ShutdownTimeout, err = parseSeconds(get(keyShutdownTimeout, ""), defaultShutdownTimeout); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", keyShutdownTimeout, err))
	}
	if cfg.Protected, err = parseProtected(env[keyProtected]); err != nil {
		errs = append(errs, err)
	} else if cfg.Misbehave, err = loadMisbehaviour(env, cfg.Protected); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	cfg.SecretsDir = get(keySecretsDir, "")
	var warnings []string
	cfg.Secrets, warnings = loadSecrets(cfg.SecretsDir, splitNames(get(keySecretNames, "")), env)
	cfg.Warnings = append(cfg.Warnings, warnings...)

	for k, v := range settings {
		if knownKeys[k] || cfg.Secrets.Has(k) {
			continue // known settings are reported separately; secrets never
		}
		cfg.Extra[k] = sanitizeValue(k, v)
	}
	return cfg, nil
}

func parseSeconds(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 3600 {
		return 0, fmt.Errorf("invalid number of seconds %q (want 0-3600)", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

func splitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// readConfigFile parses a KEY=VALUE file (dotenv style):
//   - blank lines and lines starting with '#' are ignored
//   - an optional leading "export " is allowed
//   - whitespace around key and value is trimmed
//   - a value wrapped in matching single or double quotes is unquoted
//     (no escape processing)
//   - a later duplicate key overrides an earlier one
func readConfigFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyConfigFile, err)
	}
	return parseKeyValue(data, path)
}

func parseKeyValue(data []byte, name string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // UTF-8 BOM
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !validKey(k) {
			return nil, fmt.Errorf("%s:%d: expected KEY=VALUE", name, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case (r >= '0' && r <= '9') || r == '.' || r == '-':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

var sensitiveMarkers = []string{
	"PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE",
	"API_KEY", "APIKEY", "ACCESS_KEY", "DSN",
}

// sanitizeValue redacts values that look sensitive even though they were
// not declared as secrets: keys with a sensitive-looking name, and
// passwords embedded in URLs.
func sanitizeValue(key, value string) string {
	upper := strings.ToUpper(key)
	for _, m := range sensitiveMarkers {
		if strings.Contains(upper, m) {
			return redacted
		}
	}
	if strings.Contains(value, "://") && strings.Contains(value, "@") {
		if u, err := url.Parse(value); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				return u.Redacted()
			}
		}
	}
	return value
}

// Secrets holds secret values loaded from SECRETS_DIR files and from the
// environment variables named in SECRET_NAMES. Only presence is ever exposed.
type Secrets struct {
	declared []string          // names from SECRET_NAMES
	values   map[string]string // name -> value (never exported)
}

func loadSecrets(dir string, declared []string, env map[string]string) (*Secrets, []string) {
	s := &Secrets{declared: declared, values: map[string]string{}}
	var warnings []string
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: cannot read directory: %v", keySecretsDir, err))
		}
		for _, e := range entries {
			name := e.Name()
			// Skip hidden entries, including Kubernetes' ..data / ..<timestamp> links.
			if strings.HasPrefix(name, ".") {
				continue
			}
			path := filepath.Join(dir, name)
			fi, err := os.Stat(path) // follows symlinks
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("secret %s: cannot read file", name))
				continue
			}
			v := strings.TrimRight(string(b), "\r\n")
			if v == "" {
				warnings = append(warnings, fmt.Sprintf("secret %s: file is empty, treated as not set", name))
				continue
			}
			s.values[name] = v
		}
	}
	for _, name := range declared {
		if _, ok := s.values[name]; ok {
			continue // a mounted file takes precedence over the environment
		}
		if v := env[name]; v != "" {
			s.values[name] = v
		}
	}
	return s, warnings
}

// Get returns a secret value for use by application code.
func (s *Secrets) Get(name string) (string, bool) {
	v, ok := s.values[name]
	return v, ok
}

// Has reports whether name is a known secret name (declared or present).
func (s *Secrets) Has(name string) bool {
	if _, ok := s.values[name]; ok {
		return true
	}
	for _, d := range s.declared {
		if d == name {
			return true
		}
	}
	return false
}

// Status maps every known secret name to "set" or "missing".
func (s *Secrets) Status() map[string]string {
	st := make(map[string]string, len(s.values)+len(s.declared))
	for _, d := range s.declared {
		st[d] = "missing"
	}
	for name := range s.values {
		st[name] = "set"
	}
	return st
}

// Missing lists declared secret names that have no value, sorted.
func (s *Secrets) Missing() []string {
	var m []string
	for _, d := range s.declared {
		if _, ok := s.values[d]; !ok {
			m = append(m, d)
		}
	}
	sort.Strings(m)
	return m
}

// MarshalJSON, String and LogValue make accidental serialisation safe.
func (s *Secrets) MarshalJSON() ([]byte, error) { return json.Marshal(s.Status()) }
func (s *Secrets) String() string               { return fmt.Sprint(s.Status()) }
func (s *Secrets) LogValue() slog.Value         { return slog.AnyValue(s.Status()) }
