package main

import (
	"bufio"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	sampleRe = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)$`)
	labelRe  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"`)
	helpRe   = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$`)
	typeRe   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$`)
)

type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition validates the Prometheus text format strictly enough to
// catch formatting mistakes and returns the samples and metric types.
func parseExposition(t *testing.T, text string) ([]sample, map[string]string) {
	t.Helper()
	types := map[string]string{}
	helps := map[string]bool{}
	var samples []sample
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
			m := helpRe.FindStringSubmatch(line)
			if m == nil || helps[m[1]] {
				t.Fatalf("line %d: bad or duplicate HELP: %q", n, line)
			}
			helps[m[1]] = true
		case strings.HasPrefix(line, "# TYPE "):
			m := typeRe.FindStringSubmatch(line)
			if m == nil || types[m[1]] != "" {
				t.Fatalf("line %d: bad or duplicate TYPE: %q", n, line)
			}
			types[m[1]] = m[2]
		case line == "" || strings.HasPrefix(line, "#"):
			t.Fatalf("line %d: unexpected line %q", n, line)
		default:
			m := sampleRe.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("line %d: malformed sample %q", n, line)
			}
			v, err := strconv.ParseFloat(m[4], 64)
			if err != nil {
				t.Fatalf("line %d: bad value %q", n, m[4])
			}
			family := m[1]
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if base := strings.TrimSuffix(m[1], suf); base != m[1] && types[base] == "histogram" {
					family = base
				}
			}
			if types[family] == "" || !helps[family] {
				t.Fatalf("line %d: sample %q before its HELP/TYPE", n, m[1])
			}
			labels := map[string]string{}
			for _, lm := range labelRe.FindAllStringSubmatch(m[3], -1) {
				labels[lm[1]] = lm[2]
			}
			samples = append(samples, sample{m[1], labels, v})
		}
	}
	if !strings.HasSuffix(text, "\n") {
		t.Fatal("exposition must end with a newline")
	}
	return samples, types
}

func find(samples []sample, name string, labels map[string]string) (float64, bool) {
outer:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for k, v := range labels {
			if s.labels[k] != v {
				continue outer
			}
		}
		return s.value, true
	}
	return 0, false
}

func TestMetricsEndpoint(t *testing.T) {
	s, _ := newTestServer(t, nil)
	h := s.Handler()
	do(t, h, http.MethodGet, "/livez")
	do(t, h, http.MethodGet, "/livez")
	do(t, h, http.MethodGet, "/does-not-exist")
	do(t, h, "BREW", "/")
	s.StartDraining()
	do(t, h, http.MethodGet, "/readyz")

	rec := do(t, h, http.MethodGet, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("Content-Type = %q", ct)
	}
	samples, types := parseExposition(t, rec.Body.String())

	wantTypes := map[string]string{
		"http_requests_total":           "counter",
		"http_request_duration_seconds": "histogram",
		"http_requests_in_flight":       "gauge",
		"envapi_build_info":             "gauge",
		"envapi_ready":                  "gauge",
		"process_start_time_seconds":    "gauge",
	}
	for name, typ := range wantTypes {
		if types[name] != typ {
			t.Errorf("TYPE %s = %q, want %q", name, types[name], typ)
		}
	}

	counts := []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"path": "/livez", "method": "GET", "code": "200"}, 2},
		{map[string]string{"path": "other", "method": "GET", "code": "404"}, 1},
		{map[string]string{"path": "/", "method": "OTHER", "code": "405"}, 1},
		{map[string]string{"path": "/readyz", "method": "GET", "code": "503"}, 1},
	}
	for _, c := range counts {
		if v, ok := find(samples, "http_requests_total", c.labels); !ok || v != c.want {
			t.Errorf("http_requests_total%v = %v (found %v), want %v", c.labels, v, ok, c.want)
		}
	}

	// Histogram: cumulative buckets, +Inf bucket == _count.
	var prev float64
	for _, le := range append(append([]string{}, bucketLabels()...), "+Inf") {
		v, ok := find(samples, "http_request_duration_seconds_bucket", map[string]string{"path": "/livez", "le": le})
		if !ok || v < prev {
			t.Fatalf("bucket le=%s = %v (found %v), previous %v", le, v, ok, prev)
		}
		prev = v
	}
	if c, _ := find(samples, "http_request_duration_seconds_count", map[string]string{"path": "/livez"}); c != 2 || prev != 2 {
		t.Errorf("_count = %v, +Inf = %v, want 2", c, prev)
	}
	if _, ok := find(samples, "http_request_duration_seconds_sum", map[string]string{"path": "/livez"}); !ok {
		t.Error("missing _sum")
	}

	if v, ok := find(samples, "http_requests_in_flight", nil); !ok || v != 1 { // the /metrics request itself
		t.Errorf("in-flight = %v, want 1", v)
	}
	if v, ok := find(samples, "envapi_build_info", map[string]string{"version": "1.2.3", "commit": "abc123", "goversion": "go1.test"}); !ok || v != 1 {
		t.Errorf("build_info = %v (found %v)", v, ok)
	}
	if v, _ := find(samples, "envapi_ready", nil); v != 0 {
		t.Errorf("ready gauge = %v while draining, want 0", v)
	}
	start, _ := find(samples, "process_start_time_seconds", nil)
	if now := float64(time.Now().Unix()); start < now-60 || start > now+1 {
		t.Errorf("process_start_time_seconds = %v, now %v", start, now)
	}
}

func bucketLabels() []string {
	out := make([]string, len(durationBuckets))
	for i, b := range durationBuckets {
		out[i] = formatFloat(b)
	}
	return out
}

func TestHistogramBucketing(t *testing.T) {
	m := NewMetrics(time.Now(), BuildInfo{}, nil)
	m.Observe("/x", "GET", 200, 5*time.Millisecond)   // exactly on a bound: le="0.005"
	m.Observe("/x", "GET", 200, 300*time.Millisecond) // le="0.5"
	m.Observe("/x", "GET", 500, 20*time.Second)       // only +Inf
	var b strings.Builder
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	samples, _ := parseExposition(t, b.String())
	for le, want := range map[string]float64{"0.005": 1, "0.25": 1, "0.5": 2, "10": 2, "+Inf": 3} {
		if v, _ := find(samples, "http_request_duration_seconds_bucket", map[string]string{"path": "/x", "le": le}); v != want {
			t.Errorf("le=%s: %v, want %v", le, v, want)
		}
	}
	if v, _ := find(samples, "http_request_duration_seconds_sum", map[string]string{"path": "/x"}); v < 20.3 || v > 20.31 {
		t.Errorf("sum = %v", v)
	}
}

func TestQuoteLabel(t *testing.T) {
	if got := quoteLabel("a\\b\"c\nd"); got != `"a\\b\"c\nd"` {
		t.Fatalf("quoteLabel = %s", got)
	}
	m := NewMetrics(time.Now(), BuildInfo{Version: "v\"1\n", Commit: `c\`}, nil)
	var b strings.Builder
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	parseExposition(t, b.String()) // must still be valid
}
