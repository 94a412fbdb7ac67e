// Caddy with its standard modules, as cmd/caddy builds it, plus a `healthcheck` command: the proxy
// image is FROM scratch, so Docker's health check needs an HTTP client inside the binary itself.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	_ "time/tzdata"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "healthcheck",
		Usage: "[--url <url>] [--timeout <duration>]",
		Short: "GETs a URL; exits 0 on a 2xx answer, else 1",
		CobraFunc: func(cmd *cobra.Command) {
			cmd.Flags().String("url", "http://127.0.0.1:2020/healthz", "URL to GET")
			cmd.Flags().Duration("timeout", 3*time.Second, "overall request timeout")
			cmd.RunE = func(cmd *cobra.Command, _ []string) error {
				url, _ := cmd.Flags().GetString("url")
				timeout, _ := cmd.Flags().GetDuration("timeout")
				if err := get(url, timeout); err != nil {
					fmt.Fprintf(os.Stderr, "unhealthy: %v\n", err)
					os.Exit(1)
				}
				return nil
			}
		},
	})
}

func get(url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s returned %s", url, resp.Status)
	}
	return nil
}

// listenerFD is where the proxy's listening socket lives when ENVAPI_LISTEN is set: the Caddyfile binds "fd/100".
// Caddy on Unix otherwise opens a new SO_REUSEPORT socket for each config it loads and closes the old one on a
// reload; the kernel resets every connection still queued on the old socket (measured: 1 of 1535 fresh
// connections reset across 15 reloads). With one socket opened here, every config's listener is a duplicate of
// it (Caddy's "fd" network), and a reload closes only a duplicate: the queue stays.
const listenerFD = 100

// openListener opens ENVAPI_LISTEN (a TCP address such as ":8080") at listenerFD, before Caddy starts; only for
// `caddy run`: the container's other commands (the health check) see the same environment and must not listen.
func openListener() error {
	address := os.Getenv("ENVAPI_LISTEN")
	if address == "" || len(os.Args) < 2 || os.Args[1] != "run" {
		return nil
	}
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return err
	}
	file, err := ln.(*net.TCPListener).File()
	if err != nil {
		return err
	}
	// Dup3 with no flags: the copy at listenerFD lives until the process ends; the originals can go.
	if err := unix.Dup3(int(file.Fd()), listenerFD, 0); err != nil {
		return fmt.Errorf("placing the listener at fd %d: %w", listenerFD, err)
	}
	_ = file.Close()
	return ln.Close()
}

func main() {
	if err := openListener(); err != nil {
		fmt.Fprintf(os.Stderr, "ENVAPI_LISTEN=%q: %v\n", os.Getenv("ENVAPI_LISTEN"), err)
		os.Exit(1)
	}
	caddycmd.Main()
}
