package main

// Misbehaviour on purpose, for probe tests and a bad canary: fail /readyz, fail /livez, answer a share of
// requests with 500 or slowly. It is read once at start from environment variables the deployment sets from
// the service's settings, never from the config file and never over HTTP, and a protected environment
// (APP_PROTECTED=true) refuses to start with any of it.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Names of the misbehaviour variables and of the protection flag.
const (
	keyProtected         = "APP_PROTECTED"
	keyMisbehaveReadyz   = "MISBEHAVE_READYZ"
	keyMisbehaveLivez    = "MISBEHAVE_LIVEZ"
	keyMisbehaveErrorPct = "MISBEHAVE_ERROR_PERCENT"
	keyMisbehaveSlowPct  = "MISBEHAVE_SLOW_PERCENT"
	keyMisbehaveSlowMs   = "MISBEHAVE_SLOW_MS"
	defaultSlowness      = time.Second
	maxSlowness          = 60 * time.Second
	misbehaveFailValue   = "fail"
)

// Misbehaviour is what the app does wrong on purpose; the zero value is none.
type Misbehaviour struct {
	FailReadiness bool
	FailLiveness  bool
	ErrorPercent  int           // share of ordinary requests answered 500
	SlowPercent   int           // share of ordinary requests delayed by Slowness
	Slowness      time.Duration // delay of a slow request
}

// Active reports whether anything is switched on.
func (m Misbehaviour) Active() bool {
	return m.FailReadiness || m.FailLiveness || m.ErrorPercent > 0 || m.SlowPercent > 0
}

// misbehaviourView is how /config shows it (omitted when nothing is on).
type misbehaviourView struct {
	Readyz           string `json:"readyz,omitempty"`
	Livez            string `json:"livez,omitempty"`
	ErrorPercent     int    `json:"error_percent,omitempty"`
	SlowPercent      int    `json:"slow_percent,omitempty"`
	SlowMilliseconds int64  `json:"slow_ms,omitempty"`
}

func (m Misbehaviour) view() *misbehaviourView {
	if !m.Active() {
		return nil
	}
	v := &misbehaviourView{ErrorPercent: m.ErrorPercent, SlowPercent: m.SlowPercent}
	if m.FailReadiness {
		v.Readyz = misbehaveFailValue
	}
	if m.FailLiveness {
		v.Livez = misbehaveFailValue
	}
	if m.SlowPercent > 0 {
		v.SlowMilliseconds = m.Slowness.Milliseconds()
	}
	return v
}

// loadMisbehaviour reads the MISBEHAVE_* variables of the environment (not the config file) and refuses them
// in a protected environment or with a value it does not know.
func loadMisbehaviour(env map[string]string, protected bool) (Misbehaviour, error) {
	var m Misbehaviour
	var errs []string
	failSwitch := func(key string) bool {
		switch v := strings.TrimSpace(env[key]); v {
		case "", "off":
			return false
		case misbehaveFailValue:
			return true
		default:
			errs = append(errs, fmt.Sprintf("%s: %q is not %q or %q", key, v, misbehaveFailValue, "off"))
			return false
		}
	}
	percent := func(key string) int {
		v := strings.TrimSpace(env[key])
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			errs = append(errs, fmt.Sprintf("%s: %q is not a whole percentage from 0 to 100", key, v))
			return 0
		}
		return n
	}
	m.FailReadiness = failSwitch(keyMisbehaveReadyz)
	m.FailLiveness = failSwitch(keyMisbehaveLivez)
	m.ErrorPercent = percent(keyMisbehaveErrorPct)
	m.SlowPercent = percent(keyMisbehaveSlowPct)
	m.Slowness = defaultSlowness
	if v := strings.TrimSpace(env[keyMisbehaveSlowMs]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || time.Duration(n)*time.Millisecond > maxSlowness {
			errs = append(errs, fmt.Sprintf("%s: %q is not a whole number of milliseconds from 1 to %d", keyMisbehaveSlowMs, v, maxSlowness.Milliseconds()))
		} else {
			m.Slowness = time.Duration(n) * time.Millisecond
		}
	}
	if len(errs) > 0 {
		return Misbehaviour{}, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	if protected && m.Active() {
		var set []string
		for _, key := range []string{keyMisbehaveReadyz, keyMisbehaveLivez, keyMisbehaveErrorPct, keyMisbehaveSlowPct} {
			if v := strings.TrimSpace(env[key]); v != "" && v != "off" && v != "0" {
				set = append(set, key+"="+v)
			}
		}
		return Misbehaviour{}, fmt.Errorf("misbehaviour (%s) is refused in a protected environment (%s=true)", strings.Join(set, ", "), keyProtected)
	}
	return m, nil
}

// parseProtected reads APP_PROTECTED: "true" or "false" (unset is false).
func parseProtected(v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("%s: %q is not \"true\" or \"false\"", keyProtected, v)
}

// probePaths are never slowed or failed by ErrorPercent/SlowPercent: the orchestrator and the release's scraper
// must keep seeing the truth (readiness and liveness fail only through their own switches).
var probePaths = map[string]bool{"/livez": true, "/readyz": true, "/healthz": true, "/metrics": true}

// shareCounter picks exactly `percent` of every 100 consecutive requests, spread evenly, so a test can count.
type shareCounter struct{ n atomic.Uint64 }

func (c *shareCounter) next(percent int) bool {
	if percent <= 0 {
		return false
	}
	n := c.n.Add(1)
	return (n*uint64(percent))/100 != ((n-1)*uint64(percent))/100
}

// misbehave wraps h with the error and slowness shares of m; probes and /metrics pass through.
func misbehave(m Misbehaviour, h http.Handler) http.Handler {
	if m.ErrorPercent == 0 && m.SlowPercent == 0 {
		return h
	}
	var errors, slow shareCounter
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if probePaths[r.URL.Path] {
			h.ServeHTTP(w, r)
			return
		}
		if slow.next(m.SlowPercent) {
			t := time.NewTimer(m.Slowness)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
			}
		}
		if errors.next(m.ErrorPercent) {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "misbehaving on purpose (" + keyMisbehaveErrorPct + ")"})
			return
		}
		h.ServeHTTP(w, r)
	})
}
