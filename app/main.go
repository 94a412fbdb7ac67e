// Command envapi is a small HTTP API used to exercise per-environment
// deployments. See README.md for endpoints and configuration.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], envMap(os.Environ()), os.Stdout, os.Stderr))
}

const usage = `Usage:
  app                 serve HTTP (default)
  app serve           serve HTTP
  app healthcheck [--url URL] [--timeout DURATION]
                      GET URL (default http://127.0.0.1:$PORT/readyz); exit 0 on 2xx, else 1
  app version         print build information as JSON
`

// run dispatches the subcommands and returns the process exit code.
func run(ctx context.Context, args []string, env map[string]string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		if len(args) > 0 {
			fmt.Fprintf(stderr, "serve: unexpected arguments %q\n%s", args, usage)
			return 2
		}
		return serve(ctx, env, stdout, nil)
	case "healthcheck":
		return runHealthcheck(ctx, args, env, stdout, stderr)
	case "version", "-version", "--version":
		b, _ := json.Marshal(readBuildInfo())
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n%s", cmd, usage)
		return 2
	}
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})).
		With("service", appName)
}

// serve runs the HTTP server until ctx is cancelled or SIGTERM/SIGINT is
// received, then drains and shuts down gracefully. onListen, if non-nil, is
// called with the bound address once the server accepts connections.
func serve(ctx context.Context, env map[string]string, stdout io.Writer, onListen func(net.Addr)) int {
	cfg, err := LoadConfig(env)
	if err != nil {
		newLogger(stdout, slog.LevelInfo).Error("invalid configuration", "error", err.Error())
		return 1
	}
	build := readBuildInfo()
	logger := newLogger(stdout, cfg.LogLevel).With("environment", cfg.Env)
	for _, w := range cfg.Warnings {
		logger.Warn("configuration warning", "detail", w)
	}
	if v := cfg.Misbehave.view(); v != nil {
		logger.Warn("misbehaving on purpose", "readyz", v.Readyz, "livez", v.Livez,
			"error_percent", v.ErrorPercent, "slow_percent", v.SlowPercent, "slow_ms", v.SlowMilliseconds)
	}

	srv := NewServer(cfg, logger, build, time.Now())
	httpServer := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	// Register for signals before accepting traffic.
	sigCtx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()

	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		logger.Error("listen failed", "error", err.Error())
		return 1
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	srv.SetReady(true)
	logger.Info("server started",
		"addr", ln.Addr().String(), "version", build.Version, "commit", build.Commit,
		"go_version", build.GoVersion, "log_level", levelName(cfg.LogLevel),
		"secrets", cfg.Secrets) // presence only (Secrets implements slog.LogValuer)
	if onListen != nil {
		onListen(ln.Addr())
	}

	select {
	case err := <-serveErr:
		logger.Error("server failed", "error", err.Error())
		return 1
	case <-sigCtx.Done():
	}
	// Restore default signal behaviour: a second SIGTERM/SIGINT kills immediately.
	stop()

	srv.StartDraining()
	httpServer.SetKeepAlivesEnabled(false)
	logger.Info("shutdown requested; draining", "drain_seconds", cfg.DrainDelay.Seconds(),
		"reason", context.Cause(sigCtx).Error())
	if cfg.DrainDelay > 0 {
		t := time.NewTimer(cfg.DrainDelay)
		select {
		case <-t.C:
		case err := <-serveErr:
			t.Stop()
			logger.Error("server failed while draining", "error", err.Error())
			return 1
		}
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		logger.Error("graceful shutdown incomplete; closing connections", "error", err.Error())
		_ = httpServer.Close()
		return 1
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("server error", "error", err.Error())
		return 1
	}
	logger.Info("server stopped")
	return 0
}
