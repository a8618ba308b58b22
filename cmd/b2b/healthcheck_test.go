package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// hostPort splits an httptest server's address into healthcheck's flags.
func hostPort(t *testing.T, srv *httptest.Server) (host, port string) {
	t.Helper()
	host, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return host, port
}

// noEnv fails the test if the command reads the environment: a probe must
// not depend on the server's configuration.
func noEnv(t *testing.T) func(string) string {
	return func(name string) string {
		t.Errorf("healthcheck read %s from the environment", name)
		return ""
	}
}

func TestHealthcheck(t *testing.T) {
	type seen struct{ method, path, userAgent string }
	requests := make(chan seen, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		select {
		case requests <- seen{r.Method, r.URL.Path, r.UserAgent()}:
		default:
		}
		switch r.URL.Path {
		case "/health", "/readyz":
			w.Write([]byte(`{"status":"healthy"}`))
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"unhealthy","database":"disconnected"}` + "\n"))
		case "/moved":
			http.Redirect(w, r, "/health", http.StatusFound)
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		default:
			http.NotFound(w, r)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host, port := hostPort(t, srv)

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantPath   string // "" when no request may be made
		wantOut    string
		wantErrOut string
	}{
		{"200 is healthy", []string{"--port", port, "--host", host}, 0, "/health", "healthy: GET http://" + host + ":" + port + "/health: 200 OK", ""},
		{"another path", []string{"--port", port, "--host", host, "--path", "/readyz"}, 0, "/readyz", "200 OK", ""},
		{"503 is unhealthy and says why", []string{"--port", port, "--host", host, "--path", "/down"}, 1, "/down", "",
			`503 Service Unavailable {"status":"unhealthy","database":"disconnected"}`},
		{"a redirect is not followed", []string{"--port", port, "--host", host, "--path", "/moved"}, 1, "/moved", "", "302 Found"},
		{"any other status is unhealthy", []string{"--port", port, "--host", host, "--path", "/teapot"}, 1, "/teapot", "", "418"},
		{"404 is unhealthy", []string{"--port", port, "--host", host, "--path", "/nope"}, 1, "/nope", "", "404"},
		{"bad port", []string{"--port", "0"}, 1, "", "", "--port must be between 1 and 65535"},
		{"port too large", []string{"--port", "65536"}, 1, "", "", "--port must be between 1 and 65535"},
		{"relative path", []string{"--port", port, "--path", "health"}, 1, "", "", "--path must start with /"},
		{"zero timeout", []string{"--port", port, "--timeout", "0s"}, 1, "", "", "--timeout must be positive"},
		{"empty host", []string{"--port", port, "--host", " "}, 1, "", "", "--host is empty"},
		// Docker reserves exit 2: usage errors must be 1 as well.
		{"unknown flag", []string{"--bogus"}, 1, "", "", "flag provided but not defined: -bogus"},
		{"positional argument", []string{"now"}, 1, "", "", `unexpected argument "now"`},
		{"-h is no probe", []string{"-h"}, 1, "", "", "-path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"healthcheck"}, tt.args...), noEnv(t), &out, &errOut)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(errOut.String(), tt.wantErrOut) {
				t.Errorf("stdout %q, stderr %q; want %q and %q", out.String(), errOut.String(), tt.wantOut, tt.wantErrOut)
			}
			var got seen
			select {
			case got = <-requests:
			default:
			}
			if got.path != tt.wantPath {
				t.Fatalf("server saw path %q, want %q", got.path, tt.wantPath)
			}
			if tt.wantPath != "" && (got.method != http.MethodGet || got.userAgent != "b2b-healthcheck") {
				t.Errorf("request %+v, want a GET from b2b-healthcheck", got)
			}
		})
	}
}

// TestHealthcheckNobodyListening: a role that is down is unhealthy, and the
// answer names the address so that `docker inspect` says what failed.
func TestHealthcheckNobodyListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"healthcheck", "--port", port}, noEnv(t), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "unhealthy: GET http://127.0.0.1:"+port+"/health") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// TestHealthcheckTimeout: a role that accepts the connection but never
// answers is unhealthy once --timeout has passed. The handler waits for the
// client to give up, so nothing here depends on how long that takes.
func TestHealthcheckTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	host, port := hostPort(t, srv)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"healthcheck", "--host", host, "--port", port, "--timeout", "20ms"}, noEnv(t), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "Client.Timeout exceeded") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// TestHealthcheckCanceled: a stopped probe (SIGTERM to `b2b healthcheck`)
// is unhealthy, never healthy.
func TestHealthcheckCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	host, port := hostPort(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"healthcheck", "--host", host, "--port", port}, noEnv(t), &out, &errOut); code != 1 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
