package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"
)

const appName = "envapi"

// Build information, stamped at link time:
//
//	go build -ldflags "-X main.version=1.2.3 -X main.commit=abc123 -X main.buildDate=2024-01-01T00:00:00Z"
var (
	version   = "dev"
	commit    = "unknown"
	buildDate = "unknown"
)

// BuildInfo is served by /version and exported as the build info metric.
type BuildInfo struct {
	Version     string `json:"version"`
	Commit      string `json:"commit"`
	BuildDate   string `json:"build_date"`
	GoVersion   string `json:"go_version"`
	Module      string `json:"module,omitempty"`
	VCSRevision string `json:"vcs_revision,omitempty"`
	VCSTime     string `json:"vcs_time,omitempty"`
	VCSModified string `json:"vcs_modified,omitempty"`
}

func readBuildInfo() BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, BuildDate: buildDate, GoVersion: "unknown"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		b.GoVersion = bi.GoVersion
		b.Module = bi.Main.Path
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.VCSRevision = s.Value
			case "vcs.time":
				b.VCSTime = s.Value
			case "vcs.modified":
				b.VCSModified = s.Value
			}
		}
	}
	if b.Commit == "unknown" && b.VCSRevision != "" {
		b.Commit = b.VCSRevision
	}
	return b
}

// Server holds the HTTP handlers and the lifecycle state.
type Server struct {
	cfg      *Config
	logger   *slog.Logger
	build    BuildInfo
	started  time.Time
	instance string // the host name: the pod's name on Kubernetes, the container's on Docker
	metrics  *Metrics
	ready    atomic.Bool // set once the listener is up
	draining atomic.Bool // set on SIGTERM/SIGINT
	handler  http.Handler
}

// versionHeader carries the serving build's version on every response (the deploy's check reads it).
const versionHeader = "Envapi-Version"

// routes lists the served paths; anything else is labelled "other" in metrics.
var routes = map[string]bool{
	"/": true, "/livez": true, "/readyz": true, "/healthz": true,
	"/version": true, "/config": true, "/metrics": true,
}

func NewServer(cfg *Config, logger *slog.Logger, build BuildInfo, started time.Time) *Server {
	s := &Server{cfg: cfg, logger: logger, build: build, started: started}
	if name, err := os.Hostname(); err == nil {
		s.instance = name
	}
	s.metrics = NewMetrics(started, build, s.IsReady)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleRoot)
	mux.HandleFunc("GET /livez", s.handleLivez)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /version", s.handleVersion)
	mux.HandleFunc("GET /config", s.handleConfig)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	s.handler = s.instrument(misbehave(cfg.Misbehave, mux))
	return s
}

func (s *Server) Handler() http.Handler { return s.handler }

// SetReady marks the server as able (or not) to receive traffic.
func (s *Server) SetReady(v bool) { s.ready.Store(v) }

// StartDraining makes /readyz fail so load balancers stop sending traffic.
func (s *Server) StartDraining() { s.draining.Store(true) }

func (s *Server) IsReady() bool { return s.ready.Load() && !s.draining.Load() }

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"message":     s.cfg.Greeting,
		"environment": s.cfg.Env,
		"service":     appName,
		"version":     s.build.Version,
		"instance":    s.instance,
	})
}

func (s *Server) handleLivez(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Misbehave.FailLiveness {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "failing on purpose (" + keyMisbehaveLivez + ")"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.draining.Load():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	case !s.ready.Load():
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
	case s.cfg.Misbehave.FailReadiness:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "failing on purpose (" + keyMisbehaveReadyz + ")"})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

type check struct {
	Status  string   `json:"status"`
	Missing []string `json:"missing,omitempty"`
}

// handleHealthz reports overall health: 200 with status "ok", otherwise 503
// with status "draining" (shutting down) or "fail" (a check failed, e.g. a
// secret declared in SECRET_NAMES has no value).
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	checks := map[string]check{"config": {Status: "ok"}}
	status, code := "ok", http.StatusOK
	if missing := s.cfg.Secrets.Missing(); len(missing) > 0 {
		checks["secrets"] = check{Status: "fail", Missing: missing}
		status, code = "fail", http.StatusServiceUnavailable
	} else {
		checks["secrets"] = check{Status: "ok"}
	}
	if s.draining.Load() {
		status, code = "draining", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{
		"status":         status,
		"ready":          s.IsReady(),
		"draining":       s.draining.Load(),
		"environment":    s.cfg.Env,
		"version":        s.build.Version,
		"uptime_seconds": time.Since(s.started).Round(time.Millisecond).Seconds(),
		"checks":         checks,
	})
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.build)
}

// configView is the public, non-secret view of the configuration.
type configView struct {
	Port                   int               `json:"port"`
	Environment            string            `json:"environment"`
	LogLevel               string            `json:"log_level"`
	Greeting               string            `json:"greeting"`
	ShutdownDrainSeconds   float64           `json:"shutdown_drain_seconds"`
	ShutdownTimeoutSeconds float64           `json:"shutdown_timeout_seconds"`
	ConfigFile             string            `json:"config_file"`
	SecretsDir             string            `json:"secrets_dir"`
	Extra                  map[string]string `json:"extra"`
	Secrets                map[string]string `json:"secrets"` // name -> "set" | "missing"; never values
	Protected              bool              `json:"protected"`
	Misbehave              *misbehaviourView `json:"misbehave,omitempty"`
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	c := s.cfg
	writeJSON(w, http.StatusOK, configView{
		Port:                   c.Port,
		Environment:            c.Env,
		LogLevel:               levelName(c.LogLevel),
		Greeting:               c.Greeting,
		ShutdownDrainSeconds:   c.DrainDelay.Seconds(),
		ShutdownTimeoutSeconds: c.ShutdownTimeout.Seconds(),
		ConfigFile:             c.ConfigFile,
		SecretsDir:             c.SecretsDir,
		Extra:                  c.Extra,
		Secrets:                c.Secrets.Status(),
		Protected:              c.Protected,
		Misbehave:              c.Misbehave.view(),
	})
}

func levelName(l slog.Level) string {
	switch l {
	case slog.LevelDebug:
		return "debug"
	case slog.LevelInfo:
		return "info"
	case slog.LevelWarn:
		return "warn"
	case slog.LevelError:
		return "error"
	}
	return l.String()
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := s.metrics.WriteTo(w); err != nil {
		s.logger.Debug("writing metrics failed", "error", err)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// statusRecorder captures the status code and body size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument wraps h with panic recovery, metrics and one JSON log line per request.
func (s *Server) instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inFlight.Add(1)
		// Every answer names the version that served it, whatever the path, so a deploy can tell through the
		// traffic entry that what answers is what the settings asked for.
		w.Header().Set(versionHeader, s.build.Version)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			p := recover()
			if p != nil && !errors.Is(asError(p), http.ErrAbortHandler) {
				s.logger.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					http.Error(rec, "internal server error", http.StatusInternalServerError)
				}
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.inFlight.Add(-1)
			path := r.URL.Path
			if !routes[path] {
				path = "other"
			}
			s.metrics.Observe(path, methodLabel(r.Method), rec.status, d)
			s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.status),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.Int("bytes", rec.bytes),
				slog.String("remote", r.RemoteAddr),
				slog.String("user_agent", r.UserAgent()),
			)
			if p != nil && errors.Is(asError(p), http.ErrAbortHandler) {
				panic(p)
			}
		}()
		h.ServeHTTP(rec, r)
	})
}

func asError(p any) error {
	if err, ok := p.(error); ok {
		return err
	}
	return nil
}
