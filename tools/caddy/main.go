// Caddy with its standard modules, as cmd/caddy builds it, plus a `healthcheck` command: the proxy
// image is FROM scratch, so Docker's health check needs an HTTP client inside the binary itself.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	_ "time/tzdata"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	"github.com/spf13/cobra"
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

func main() {
	caddycmd.Main()
}
