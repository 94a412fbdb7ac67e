package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMisbehaviourOffByDefault(t *testing.T) {
	// GIVEN no MISBEHAVE_* variable  WHEN loaded and served  THEN nothing misbehaves and /config shows none
	s, _ := newTestServer(t, map[string]string{})
	if s.cfg.Misbehave.Active() {
		t.Fatalf("misbehaviour on by default: %+v", s.cfg.Misbehave)
	}
	for _, path := range []string{"/readyz", "/livez", "/", "/version"} {
		if rec := do(t, s.Handler(), http.MethodGet, path); rec.Code != http.StatusOK {
			t.Errorf("%s = %d, want 200", path, rec.Code)
		}
	}
	m := decodeJSON(t, do(t, s.Handler(), http.MethodGet, "/config"))
	if _, ok := m["misbehave"]; ok {
		t.Errorf("/config shows misbehave when off: %v", m["misbehave"])
	}
	if m["protected"] != false {
		t.Errorf("protected = %v, want false", m["protected"])
	}
}

func TestMisbehaviourFailsProbes(t *testing.T) {
	// GIVEN readyz and livez switched to fail  THEN both answer 503, ordinary requests still 200
	s, _ := newTestServer(t, map[string]string{keyMisbehaveReadyz: "fail", keyMisbehaveLivez: "fail"})
	for _, path := range []string{"/readyz", "/livez"} {
		rec := do(t, s.Handler(), http.MethodGet, path)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "on purpose") {
			t.Errorf("%s = %d %s, want 503 failing on purpose", path, rec.Code, rec.Body.String())
		}
	}
	if rec := do(t, s.Handler(), http.MethodGet, "/version"); rec.Code != http.StatusOK {
		t.Errorf("/version = %d, want 200", rec.Code)
	}
	m := decodeJSON(t, do(t, s.Handler(), http.MethodGet, "/config"))
	view, _ := m["misbehave"].(map[string]any)
	if view["readyz"] != "fail" || view["livez"] != "fail" {
		t.Errorf("/config misbehave = %v", m["misbehave"])
	}
}

func TestMisbehaviourErrorShareIsExact(t *testing.T) {
	// GIVEN 30% errors  WHEN 200 ordinary requests and 50 probes and scrapes are served
	s, _ := newTestServer(t, map[string]string{keyMisbehaveErrorPct: "30"})
	failed := 0
	for i := 0; i < 200; i++ {
		if do(t, s.Handler(), http.MethodGet, "/version").Code == http.StatusInternalServerError {
			failed++
		}
		if i < 50 {
			for _, path := range []string{"/readyz", "/livez", "/metrics"} {
				if rec := do(t, s.Handler(), http.MethodGet, path); rec.Code != http.StatusOK {
					t.Fatalf("%s = %d: probes and scrapes must pass through", path, rec.Code)
				}
			}
		}
	}
	// THEN exactly 30% of the ordinary requests failed, and /metrics counts them as 500s
	if failed != 60 {
		t.Errorf("failed %d of 200, want exactly 60", failed)
	}
	metrics := do(t, s.Handler(), http.MethodGet, "/metrics").Body.String()
	if !strings.Contains(metrics, `http_requests_total{path="/version",method="GET",code="500"} 60`) {
		t.Errorf("metrics do not count the 60 failures:\n%s", metrics)
	}
}

func TestMisbehaviourSlowShare(t *testing.T) {
	// GIVEN half the requests slowed by 40 ms  WHEN 4 requests are served  THEN 2 took at least 40 ms
	s, _ := newTestServer(t, map[string]string{keyMisbehaveSlowPct: "50", keyMisbehaveSlowMs: "40"})
	slow := 0
	for i := 0; i < 4; i++ {
		start := time.Now()
		if rec := do(t, s.Handler(), http.MethodGet, "/"); rec.Code != http.StatusOK {
			t.Fatalf("/ = %d", rec.Code)
		}
		if time.Since(start) >= 40*time.Millisecond {
			slow++
		}
	}
	if slow != 2 {
		t.Errorf("%d of 4 slow, want 2", slow)
	}
	start := time.Now()
	do(t, s.Handler(), http.MethodGet, "/readyz")
	if time.Since(start) >= 40*time.Millisecond {
		t.Error("/readyz was slowed")
	}
}

func TestMisbehaviourRefusedWhenProtected(t *testing.T) {
	// GIVEN a protected environment with a misbehaviour  WHEN loaded  THEN a startup error names both
	_, err := LoadConfig(map[string]string{keyProtected: "true", keyMisbehaveErrorPct: "50"})
	if err == nil || !strings.Contains(err.Error(), "MISBEHAVE_ERROR_PERCENT=50") || !strings.Contains(err.Error(), "protected environment") {
		t.Fatalf("err = %v, want a refusal naming MISBEHAVE_ERROR_PERCENT=50 and the protected environment", err)
	}
	// AND a protected environment without one starts, reporting protected in /config
	s, _ := newTestServer(t, map[string]string{keyProtected: "true", keyMisbehaveReadyz: "off"})
	if m := decodeJSON(t, do(t, s.Handler(), http.MethodGet, "/config")); m["protected"] != true {
		t.Errorf("protected = %v, want true", m["protected"])
	}
	// AND serve exits 1 before listening
	var out syncBuffer
	if code := serve(context.Background(), map[string]string{keyProtected: "true", keyMisbehaveReadyz: "fail", keyPort: "0"}, &out, nil); code != 1 {
		t.Errorf("serve = %d, want 1; log %s", code, out.String())
	}
}

func TestMisbehaviourValues(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{keyMisbehaveReadyz: "yes"}, `MISBEHAVE_READYZ: "yes" is not "fail" or "off"`},
		{map[string]string{keyMisbehaveErrorPct: "101"}, `MISBEHAVE_ERROR_PERCENT: "101" is not a whole percentage`},
		{map[string]string{keyMisbehaveSlowMs: "0"}, `MISBEHAVE_SLOW_MS: "0" is not a whole number of milliseconds`},
		{map[string]string{keyProtected: "yes"}, `APP_PROTECTED: "yes" is not "true" or "false"`},
	} {
		if _, err := LoadConfig(tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadConfig(%v) = %v, want %q", tc.env, err, tc.want)
		}
	}
}

func TestMisbehaviourNotFromConfigFile(t *testing.T) {
	// GIVEN a config file that tries to switch misbehaviour on and protection off  THEN both are ignored, with warnings
	path := writeFile(t, t.TempDir(), "app.env", "MISBEHAVE_READYZ=fail\nAPP_PROTECTED=false\n")
	cfg := mustLoad(t, map[string]string{keyConfigFile: path, keyProtected: "true"})
	if cfg.Misbehave.Active() || !cfg.Protected {
		t.Errorf("config file changed misbehaviour %+v or protection %v", cfg.Misbehave, cfg.Protected)
	}
	if len(cfg.Warnings) != 2 || !strings.Contains(strings.Join(cfg.Warnings, "|"), "MISBEHAVE_READYZ inside the config file is ignored") {
		t.Errorf("warnings = %q", cfg.Warnings)
	}
	if _, ok := cfg.Extra[keyProtected]; ok {
		t.Errorf("APP_PROTECTED listed in extra: %v", cfg.Extra)
	}
}

func TestMisbehaviourNotSwitchableOverHTTP(t *testing.T) {
	// GIVEN a well-behaved server  WHEN a client sends the switch every way HTTP can  THEN nothing changes
	s, _ := newTestServer(t, map[string]string{})
	for _, target := range []string{"/config?MISBEHAVE_READYZ=fail", "/readyz?misbehave=fail", "/misbehave"} {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut} {
			do(t, s.Handler(), method, target)
		}
	}
	if s.cfg.Misbehave.Active() || do(t, s.Handler(), http.MethodGet, "/readyz").Code != http.StatusOK {
		t.Errorf("misbehaviour switched over HTTP: %+v", s.cfg.Misbehave)
	}
}
