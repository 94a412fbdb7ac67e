package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// defaultHealthcheckURL targets /readyz on the loopback interface, using the
// port from PORT (environment), then PORT from CONFIG_FILE, then 8080.
func defaultHealthcheckURL(env map[string]string) string {
	port := strconv.Itoa(defaultPort)
	if p := strings.TrimSpace(env[keyPort]); p != "" {
		port = p
	} else if path := env[keyConfigFile]; path != "" {
		if kv, err := readConfigFile(path); err == nil && strings.TrimSpace(kv[keyPort]) != "" {
			port = strings.TrimSpace(kv[keyPort])
		}
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port) + "/readyz"
}

// runHealthcheck performs one HTTP GET and returns 0 on a 2xx response and 1
// otherwise (including usage errors: Docker reserves exit code 2).
func runHealthcheck(ctx context.Context, args []string, env map[string]string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", defaultHealthcheckURL(env), "URL to GET")
	timeout := fs.Duration("timeout", 3*time.Second, "overall request timeout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "healthcheck: unexpected arguments %q\n", fs.Args())
		return 1
	}
	if *timeout <= 0 {
		fmt.Fprintln(stderr, "healthcheck: --timeout must be positive")
		return 1
	}

	client := &http.Client{
		Timeout:   *timeout,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "unhealthy: %v\n", err)
		return 1
	}
	req.Header.Set("User-Agent", appName+"-healthcheck")
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "unhealthy: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintf(stderr, "unhealthy: %s returned %s\n", *url, resp.Status)
		return 1
	}
	fmt.Fprintf(stdout, "healthy: %s returned %s\n", *url, resp.Status)
	return 0
}
