package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/b2b-orders/platform/internal/web"
)

// Exit codes of healthcheck. Docker reads 0 as healthy and 1 as unhealthy,
// and reserves 2, so a bad command line is unhealthy too rather than run's
// usual 2: a typo in a HEALTHCHECK must show up as an unhealthy container.
const (
	healthyExit   = 0
	unhealthyExit = 1
)

// defaultProbeTimeout is healthcheck's --timeout: below the 5 s HEALTHCHECK
// timeout of the Dockerfile and docker-compose.yml, so that a hung role is
// reported by the probe, with its address, rather than killed by Docker.
const defaultProbeTimeout = 3 * time.Second

// healthBodyExcerpt bounds how much of an unhealthy answer is printed:
// Docker keeps only the first 4 KiB of a probe's output in `docker inspect`.
const healthBodyExcerpt = 512

// healthcheck is `b2b healthcheck`: it GETs http://HOST:PORT/PATH and exits
// 0 on 200 and 1 on anything else. It exists so that the container image
// needs neither a shell nor curl for its HEALTHCHECK, and so that compose
// probes each role with the binary it already runs.
//
// It reads no configuration from the environment: a probe must not fail
// because of a variable that only the server cares about.
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("healthcheck")
	host := fs.String("host", "127.0.0.1", "host to probe (the container itself by default)")
	port := fs.Int("port", 3001, "port of the role to probe: customers 3001, orders 3002, orchestrator 3003, graph 4000")
	path := fs.String("path", "/health", "path to GET")
	timeout := fs.Duration("timeout", defaultProbeTimeout, "give up after this long (keep it below the HEALTHCHECK's --timeout)")
	if err := parseFlags(fs, args, stderr); err != nil {
		// -h prints the flags and is not a probe either: Docker must not
		// read it as healthy.
		fmt.Fprintf(stderr, "b2b healthcheck: %v\n", err)
		return unhealthyExit
	}
	switch {
	case *port < 1 || *port > 65535:
		fmt.Fprintf(stderr, "b2b healthcheck: --port must be between 1 and 65535, got %d\n", *port)
		return unhealthyExit
	case !strings.HasPrefix(*path, "/"):
		fmt.Fprintf(stderr, "b2b healthcheck: --path must start with /, got %q\n", *path)
		return unhealthyExit
	case *timeout <= 0:
		fmt.Fprintf(stderr, "b2b healthcheck: --timeout must be positive, got %s\n", *timeout)
		return unhealthyExit
	case strings.TrimSpace(*host) == "":
		fmt.Fprintln(stderr, "b2b healthcheck: --host is empty")
		return unhealthyExit
	}

	target := (&url.URL{Scheme: "http", Host: net.JoinHostPort(*host, strconv.Itoa(*port)), Path: *path}).String()
	status, excerpt, err := web.Probe(ctx, target, *timeout, healthBodyExcerpt)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "unhealthy: GET %s: %v\n", target, err)
		return unhealthyExit
	case status != http.StatusOK:
		fmt.Fprintf(stderr, "unhealthy: GET %s: %d %s %s\n", target, status, http.StatusText(status), excerpt)
		return unhealthyExit
	}
	fmt.Fprintf(stdout, "healthy: GET %s: 200 OK\n", target)
	return healthyExit
}
