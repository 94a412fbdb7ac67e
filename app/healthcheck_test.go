package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func runHC(t *testing.T, args []string, env map[string]string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"healthcheck"}, args...), env, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestHealthcheckExitCodes(t *testing.T) {
	block := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusNoContent)
		case "/slow":
			select {
			case <-block:
			case <-r.Context().Done():
			}
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ts.Close()
	defer close(block)

	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	cases := []struct {
		name string
		args []string
		want int
	}{
		{"2xx", []string{"--url", ts.URL + "/ok"}, 0},
		{"single dash flag", []string{"-url=" + ts.URL + "/ok"}, 0},
		{"503", []string{"--url", ts.URL + "/readyz"}, 1},
		{"connection refused", []string{"--url", closedURL + "/readyz"}, 1},
		{"timeout", []string{"--url", ts.URL + "/slow", "--timeout", "100ms"}, 1},
		{"bad url", []string{"--url", "://nope"}, 1},
		{"unknown flag", []string{"--nope"}, 1},
		{"extra args", []string{"--url", ts.URL + "/ok", "extra"}, 1},
		{"zero timeout", []string{"--url", ts.URL + "/ok", "--timeout", "0s"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			code, stdout, stderr := runHC(t, c.args, nil)
			if code != c.want {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", code, c.want, stdout, stderr)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("healthcheck took %v", time.Since(start))
			}
		})
	}
}

func TestHealthcheckDefaultURL(t *testing.T) {
	if got := defaultHealthcheckURL(nil); got != "http://127.0.0.1:8080/readyz" {
		t.Errorf("default = %q", got)
	}
	if got := defaultHealthcheckURL(map[string]string{"PORT": "9000"}); got != "http://127.0.0.1:9000/readyz" {
		t.Errorf("PORT env = %q", got)
	}
	cfgFile := writeFile(t, t.TempDir(), "c.env", "PORT=7070\n")
	if got := defaultHealthcheckURL(map[string]string{"CONFIG_FILE": cfgFile}); got != "http://127.0.0.1:7070/readyz" {
		t.Errorf("config file PORT = %q", got)
	}
	if got := defaultHealthcheckURL(map[string]string{"CONFIG_FILE": cfgFile, "PORT": "9000"}); got != "http://127.0.0.1:9000/readyz" {
		t.Errorf("env must beat file: %q", got)
	}
}

// TestHealthcheckAgainstServer uses the default URL (derived from PORT)
// against the real handler, before and after draining starts.
func TestHealthcheckAgainstServer(t *testing.T) {
	s, _ := newTestServer(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.Handler()}}
	ts.Start()
	defer ts.Close()
	env := map[string]string{"PORT": strings.TrimPrefix(ts.URL, "http://127.0.0.1:")}

	if code, _, stderr := runHC(t, nil, env); code != 0 {
		t.Fatalf("ready server: exit %d (%s)", code, stderr)
	}
	s.StartDraining()
	if code, _, stderr := runHC(t, nil, env); code != 1 || !strings.Contains(stderr, "503") {
		t.Fatalf("draining server: exit %d (%s)", code, stderr)
	}
}
