package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunDispatch(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"version"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("version exit %d", code)
	}
	var b BuildInfo
	if err := json.Unmarshal(out.Bytes(), &b); err != nil || b.Version == "" || b.GoVersion == "" {
		t.Fatalf("version output %q: %v", out.String(), err)
	}
	if code := run(context.Background(), []string{"bogus"}, nil, &out, &errOut); code != 2 {
		t.Errorf("unknown command exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"serve", "extra"}, nil, &out, &errOut); code != 2 {
		t.Errorf("serve with args exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"--help"}, nil, &out, &errOut); code != 0 {
		t.Errorf("help exit %d", code)
	}
}

func TestServeInvalidConfig(t *testing.T) {
	var logs syncBuffer
	code := serve(context.Background(), map[string]string{"PORT": "nope"}, &logs, nil)
	if code != 1 || !strings.Contains(logs.String(), "invalid configuration") {
		t.Fatalf("exit %d, logs %s", code, logs.String())
	}
}

func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	var logs syncBuffer
	if code := serve(context.Background(), map[string]string{"PORT": port}, &logs, nil); code != 1 {
		t.Fatalf("exit %d, logs %s", code, logs.String())
	}
}

type running struct {
	base string
	done chan int
	logs *syncBuffer
}

// startServe runs serve() in the background on a random port.
func startServe(t *testing.T, ctx context.Context, env map[string]string) *running {
	t.Helper()
	env["PORT"] = "0"
	r := &running{done: make(chan int, 1), logs: &syncBuffer{}}
	addrCh := make(chan net.Addr, 1)
	go func() { r.done <- serve(ctx, env, r.logs, func(a net.Addr) { addrCh <- a }) }()
	select {
	case a := <-addrCh:
		r.base = "http://127.0.0.1:" + strconv.Itoa(a.(*net.TCPAddr).Port)
	case code := <-r.done:
		t.Fatalf("serve exited early with %d: %s", code, r.logs.String())
	case <-time.After(5 * time.Second):
		t.Fatal("server did not start")
	}
	return r
}

func get(t *testing.T, url string) (int, error) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (r *running) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		return code
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop")
		return -1
	}
}

// waitReadyz polls /readyz until it returns want.
func (r *running) waitReadyz(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		code, err := get(t, r.base+"/readyz")
		if err == nil && code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz never returned %d (last %d, %v)", want, code, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServeGracefulShutdownDrains(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := startServe(t, ctx, map[string]string{"SHUTDOWN_DRAIN_SECONDS": "0.5", "APP_ENV": "test"})

	r.waitReadyz(t, http.StatusOK)
	if code, err := get(t, r.base+"/livez"); err != nil || code != http.StatusOK {
		t.Fatalf("livez = %d, %v", code, err)
	}

	cancel() // same path as receiving SIGTERM
	r.waitReadyz(t, http.StatusServiceUnavailable)
	// Still serving during the drain delay: liveness stays OK.
	if code, err := get(t, r.base+"/livez"); err != nil || code != http.StatusOK {
		t.Fatalf("livez during drain = %d, %v", code, err)
	}
	if code := r.waitExit(t); code != 0 {
		t.Fatalf("exit code %d, logs:\n%s", code, r.logs.String())
	}
	if _, err := get(t, r.base+"/livez"); err == nil {
		t.Fatal("server still accepting connections after shutdown")
	}
	logs := r.logs.String()
	for _, want := range []string{`"msg":"server started"`, `"msg":"shutdown requested; draining"`, `"msg":"server stopped"`, `"environment":"test"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs missing %s:\n%s", want, logs)
		}
	}
}

func TestServeSIGTERM(t *testing.T) {
	r := startServe(t, context.Background(), map[string]string{"SHUTDOWN_DRAIN_SECONDS": "0.3"})
	r.waitReadyz(t, http.StatusOK)
	// serve() has registered its signal handler before onListen was called,
	// so this does not kill the test binary.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r.waitReadyz(t, http.StatusServiceUnavailable)
	if code := r.waitExit(t); code != 0 {
		t.Fatalf("exit code %d, logs:\n%s", code, r.logs.String())
	}
}

func TestServeNoDrainDelay(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := startServe(t, ctx, map[string]string{"SHUTDOWN_DRAIN_SECONDS": "0"})
	r.waitReadyz(t, http.StatusOK)
	start := time.Now()
	cancel()
	if code := r.waitExit(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("shutdown without drain took %v", d)
	}
}
