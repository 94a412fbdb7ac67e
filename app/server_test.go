package main

import (
	"encoding/json"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestRoot(t *testing.T) {
	s, _ := newTestServer(t, map[string]string{"APP_ENV": "staging", "GREETING": "Howdy"})
	rec := do(t, s.Handler(), http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	m := decodeJSON(t, rec)
	if m["environment"] != "staging" || m["message"] != "Howdy" || m["version"] != "1.2.3" {
		t.Fatalf("body = %v", m)
	}
	// Which instance answered: what tells pods and containers of one service apart.
	if host, _ := os.Hostname(); m["instance"] != host {
		t.Fatalf("instance = %v, want the host name %q", m["instance"], host)
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	s, _ := newTestServer(t, nil)
	if rec := do(t, s.Handler(), http.MethodGet, "/nope"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", rec.Code)
	}
	rec := do(t, s.Handler(), http.MethodPost, "/livez")
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /livez = %d, want 405", rec.Code)
	}
	if rec := do(t, s.Handler(), http.MethodHead, "/livez"); rec.Code != http.StatusOK {
		t.Errorf("HEAD /livez = %d, want 200", rec.Code)
	}
}

func TestLivez(t *testing.T) {
	s, _ := newTestServer(t, nil)
	s.StartDraining() // liveness is unaffected by draining
	rec := do(t, s.Handler(), http.MethodGet, "/livez")
	if rec.Code != http.StatusOK || decodeJSON(t, rec)["status"] != "ok" {
		t.Fatalf("livez = %d %s", rec.Code, rec.Body)
	}
}

func TestReadyzLifecycle(t *testing.T) {
	s, _ := newTestServer(t, nil)
	check := func(wantCode int, wantStatus string) {
		t.Helper()
		rec := do(t, s.Handler(), http.MethodGet, "/readyz")
		if rec.Code != wantCode || decodeJSON(t, rec)["status"] != wantStatus {
			t.Fatalf("readyz = %d %s, want %d %s", rec.Code, rec.Body, wantCode, wantStatus)
		}
	}
	s.SetReady(false)
	check(http.StatusServiceUnavailable, "starting")
	s.SetReady(true)
	check(http.StatusOK, "ready")
	s.StartDraining()
	check(http.StatusServiceUnavailable, "draining")
}

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t, map[string]string{"APP_ENV": "prod"})
	rec := do(t, s.Handler(), http.MethodGet, "/healthz")
	m := decodeJSON(t, rec)
	if rec.Code != http.StatusOK || m["status"] != "ok" || m["ready"] != true || m["environment"] != "prod" {
		t.Fatalf("healthz = %d %v", rec.Code, m)
	}
	if _, ok := m["uptime_seconds"].(float64); !ok {
		t.Errorf("uptime_seconds missing: %v", m)
	}

	s.StartDraining()
	rec = do(t, s.Handler(), http.MethodGet, "/healthz")
	m = decodeJSON(t, rec)
	if rec.Code != http.StatusServiceUnavailable || m["status"] != "draining" || m["ready"] != false {
		t.Fatalf("draining healthz = %d %v", rec.Code, m)
	}
}

func TestHealthzMissingSecret(t *testing.T) {
	s, _ := newTestServer(t, map[string]string{"SECRET_NAMES": "DB_PASSWORD"})
	rec := do(t, s.Handler(), http.MethodGet, "/healthz")
	m := decodeJSON(t, rec)
	if rec.Code != http.StatusServiceUnavailable || m["status"] != "fail" {
		t.Fatalf("healthz = %d %v", rec.Code, m)
	}
	if !strings.Contains(rec.Body.String(), `"missing":["DB_PASSWORD"]`) {
		t.Errorf("missing secret name not reported: %s", rec.Body)
	}
	// Readiness only tracks the lifecycle.
	if rec := do(t, s.Handler(), http.MethodGet, "/readyz"); rec.Code != http.StatusOK {
		t.Errorf("readyz = %d", rec.Code)
	}
}

func TestVersion(t *testing.T) {
	s, _ := newTestServer(t, nil)
	rec := do(t, s.Handler(), http.MethodGet, "/version")
	m := decodeJSON(t, rec)
	want := map[string]string{"version": "1.2.3", "commit": "abc123", "build_date": "2024-01-02T03:04:05Z", "go_version": "go1.test"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %s", k, m[k], v)
		}
	}
}

func TestReadBuildInfo(t *testing.T) {
	oldV, oldC, oldD := version, commit, buildDate
	t.Cleanup(func() { version, commit, buildDate = oldV, oldC, oldD })
	version, commit, buildDate = "9.9.9", "deadbeef", "2030-01-01"
	b := readBuildInfo()
	if b.Version != "9.9.9" || b.Commit != "deadbeef" || b.BuildDate != "2030-01-01" {
		t.Fatalf("ldflags vars not used: %+v", b)
	}
	if b.GoVersion != runtime.Version() {
		t.Errorf("GoVersion = %q, want %q", b.GoVersion, runtime.Version())
	}
}

func TestConfigEndpointNeverLeaksSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "DB_PASSWORD", "pw-from-file-SENTINEL1")
	cfgFile := writeFile(t, t.TempDir(), "c.env", "GREETING=from-file\nAPP_MODE=blue\nAPP_SECRET_SALT=salt-SENTINEL2\n")
	env := map[string]string{
		"APP_ENV":      "staging",
		"CONFIG_FILE":  cfgFile,
		"SECRETS_DIR":  dir,
		"SECRET_NAMES": "API_KEY,APP_WEBHOOK,NOT_PROVIDED",
		"API_KEY":      "api-key-SENTINEL3",
		"APP_WEBHOOK":  "webhook-SENTINEL4",
		"APP_LIMIT":    "10",
		"HOME":         "/root",
	}
	s, logs := newTestServer(t, env)
	rec := do(t, s.Handler(), http.MethodGet, "/config")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "SENTINEL") || strings.Contains(logs.String(), "SENTINEL") {
		t.Fatalf("secret value leaked:\nbody: %s\nlogs: %s", body, logs)
	}

	var got configView
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Environment != "staging" || got.Greeting != "from-file" || got.Port != 8080 || got.LogLevel != "info" || got.ConfigFile != cfgFile {
		t.Errorf("config = %+v", got)
	}
	wantSecrets := map[string]string{"DB_PASSWORD": "set", "API_KEY": "set", "APP_WEBHOOK": "set", "NOT_PROVIDED": "missing"}
	if len(got.Secrets) != len(wantSecrets) {
		t.Errorf("secrets = %v, want %v", got.Secrets, wantSecrets)
	}
	for k, v := range wantSecrets {
		if got.Secrets[k] != v {
			t.Errorf("secrets[%s] = %q, want %q", k, got.Secrets[k], v)
		}
	}
	wantExtra := map[string]string{"APP_MODE": "blue", "APP_LIMIT": "10", "APP_SECRET_SALT": redacted}
	if len(got.Extra) != len(wantExtra) {
		t.Errorf("extra = %v, want %v", got.Extra, wantExtra)
	}
	for k, v := range wantExtra {
		if got.Extra[k] != v {
			t.Errorf("extra[%s] = %q, want %q", k, got.Extra[k], v)
		}
	}
}

func TestRequestLogging(t *testing.T) {
	s, logs := newTestServer(t, nil)
	do(t, s.Handler(), http.MethodGet, "/livez")
	do(t, s.Handler(), http.MethodGet, "/missing")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one log line per request, got %d: %q", len(lines), lines)
	}
	for i, want := range []struct {
		path   string
		status float64
	}{{"/livez", 200}, {"/missing", 404}} {
		var entry map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &entry); err != nil {
			t.Fatalf("log line is not JSON: %q", lines[i])
		}
		if entry["msg"] != "request" || entry["method"] != "GET" || entry["path"] != want.path || entry["status"] != want.status {
			t.Errorf("log entry = %v", entry)
		}
		if _, ok := entry["duration_ms"].(float64); !ok {
			t.Errorf("duration_ms missing: %v", entry)
		}
	}
}

func TestLogLevelFiltersRequests(t *testing.T) {
	s, logs := newTestServer(t, map[string]string{"LOG_LEVEL": "warn"})
	do(t, s.Handler(), http.MethodGet, "/livez")
	if logs.String() != "" {
		t.Fatalf("info request log emitted at warn level: %s", logs)
	}
}

func TestPanicRecovery(t *testing.T) {
	s, logs := newTestServer(t, nil)
	h := s.instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := do(t, h, http.MethodGet, "/")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if !strings.Contains(logs.String(), "panic serving request") {
		t.Errorf("panic not logged: %s", logs)
	}
}

func TestEveryAnswerNamesItsVersion(t *testing.T) {
	s, _ := newTestServer(t, nil)
	s.SetReady(true)
	for _, path := range []string{"/", "/version", "/readyz", "/no-such-path"} {
		rec := do(t, s.Handler(), http.MethodGet, path)
		if got := rec.Header().Get("Envapi-Version"); got != s.build.Version || got == "" {
			t.Errorf("%s: Envapi-Version = %q, want %q", path, got, s.build.Version)
		}
	}
}
