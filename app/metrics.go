package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default Prometheus histogram buckets (seconds).
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type requestKey struct {
	path, method, code string
}

type histogram struct {
	counts []uint64 // per bucket, non-cumulative; len(durationBuckets)+1 (last = +Inf)
	sum    float64
	count  uint64
}

// Metrics is a small hand-written Prometheus registry.
type Metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]uint64
	durations map[string]*histogram // by path label
	inFlight  atomic.Int64

	startTime time.Time
	build     BuildInfo
	ready     func() bool
}

func NewMetrics(start time.Time, build BuildInfo, ready func() bool) *Metrics {
	return &Metrics{
		requests:  map[requestKey]uint64{},
		durations: map[string]*histogram{},
		startTime: start,
		build:     build,
		ready:     ready,
	}
}

func (m *Metrics) Observe(path, method string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{path, method, strconv.Itoa(code)}]++
	h := m.durations[path]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets)+1)}
		m.durations[path] = h
	}
	s := d.Seconds()
	i := sort.SearchFloat64s(durationBuckets, s) // first bucket with le >= s
	h.counts[i]++
	h.sum += s
	h.count++
}

// knownMethods bounds the cardinality of the method label.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "OTHER"
}

// WriteTo renders the Prometheus text exposition format (version 0.0.4).
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriter(w)}

	m.mu.Lock()
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.path != b.path {
			return a.path < b.path
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.code < b.code
	})
	fmt.Fprintln(cw, "# HELP http_requests_total Total HTTP requests by path, method and status code.")
	fmt.Fprintln(cw, "# TYPE http_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(cw, "http_requests_total{path=%s,method=%s,code=%s} %d\n",
			quoteLabel(k.path), quoteLabel(k.method), quoteLabel(k.code), m.requests[k])
	}

	paths := make([]string, 0, len(m.durations))
	for p := range m.durations {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	fmt.Fprintln(cw, "# HELP http_request_duration_seconds HTTP request latency by path.")
	fmt.Fprintln(cw, "# TYPE http_request_duration_seconds histogram")
	for _, p := range paths {
		h := m.durations[p]
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(cw, "http_request_duration_seconds_bucket{path=%s,le=\"%s\"} %d\n", quoteLabel(p), formatFloat(le), cum)
		}
		fmt.Fprintf(cw, "http_request_duration_seconds_bucket{path=%s,le=\"+Inf\"} %d\n", quoteLabel(p), h.count)
		fmt.Fprintf(cw, "http_request_duration_seconds_sum{path=%s} %s\n", quoteLabel(p), formatFloat(h.sum))
		fmt.Fprintf(cw, "http_request_duration_seconds_count{path=%s} %d\n", quoteLabel(p), h.count)
	}
	m.mu.Unlock()

	fmt.Fprintln(cw, "# HELP http_requests_in_flight HTTP requests currently being served.")
	fmt.Fprintln(cw, "# TYPE http_requests_in_flight gauge")
	fmt.Fprintf(cw, "http_requests_in_flight %d\n", m.inFlight.Load())

	fmt.Fprintln(cw, "# HELP "+appName+"_build_info Build information; the value is always 1.")
	fmt.Fprintln(cw, "# TYPE "+appName+"_build_info gauge")
	fmt.Fprintf(cw, appName+"_build_info{version=%s,commit=%s,build_date=%s,goversion=%s} 1\n",
		quoteLabel(m.build.Version), quoteLabel(m.build.Commit), quoteLabel(m.build.BuildDate), quoteLabel(m.build.GoVersion))

	ready := 0
	if m.ready != nil && m.ready() {
		ready = 1
	}
	fmt.Fprintln(cw, "# HELP "+appName+"_ready Whether the server is ready to receive traffic (1) or not (0).")
	fmt.Fprintln(cw, "# TYPE "+appName+"_ready gauge")
	fmt.Fprintf(cw, appName+"_ready %d\n", ready)

	fmt.Fprintln(cw, "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.")
	fmt.Fprintln(cw, "# TYPE process_start_time_seconds gauge")
	fmt.Fprintf(cw, "process_start_time_seconds %s\n", strconv.FormatFloat(float64(m.startTime.UnixNano())/1e9, 'f', 3, 64))

	fmt.Fprintln(cw, "# HELP go_goroutines Number of goroutines that currently exist.")
	fmt.Fprintln(cw, "# TYPE go_goroutines gauge")
	fmt.Fprintf(cw, "go_goroutines %d\n", runtime.NumGoroutine())

	if err := cw.w.Flush(); err != nil && cw.err == nil {
		cw.err = err
	}
	return cw.n, cw.err
}

// quoteLabel returns a quoted label value with the escaping required by the
// text format: backslash, double quote and line feed.
func quoteLabel(v string) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
