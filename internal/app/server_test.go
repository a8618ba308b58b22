package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
)

// testApp is an App over a new embedded store, logging into logs.
func testApp(t *testing.T, logs io.Writer) *App {
	t.Helper()
	d, err := db.Open(context.Background(), db.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cfg := config.Config{JWTSecret: "test-secret", ServiceToken: "svc", AuthRequired: true}
	return New(Options{Config: cfg, Store: d, Roles: Roles(), Log: slog.New(slog.NewJSONHandler(logs, nil))})
}

func do(t *testing.T, h http.Handler, method, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkHealth asserts the contract's health answer, keys in order.
func checkHealth(t *testing.T, rec *httptest.ResponseRecorder, status int, state, database string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	timestampPattern := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	var body healthBody
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("body %s: %v", rec.Body, err)
	}
	if body.Status != state || body.Database != database || !timestampPattern.MatchString(body.Timestamp) {
		t.Fatalf("body = %s", rec.Body)
	}
	wantPrefix := `{"status":"` + state + `","timestamp":"`
	if !strings.HasPrefix(rec.Body.String(), wantPrefix) {
		t.Errorf("body %s does not start with %s", rec.Body, wantPrefix)
	}
}

func TestRoleHandlers(t *testing.T) {
	for _, rl := range Roles() {
		t.Run(rl.Name, func(t *testing.T) {
			a := testApp(t, io.Discard)
			h := a.Handler(rl)

			rec := do(t, h, http.MethodGet, "/health", nil)
			checkHealth(t, rec, http.StatusOK, "healthy", "connected")

			for _, probe := range []struct{ method, path string }{
				{http.MethodGet, "/nope"},
				{http.MethodGet, "/api/v1/nothing-here"},
				{http.MethodPost, "/health"}, // unknown method
			} {
				rec := do(t, h, probe.method, probe.path, nil)
				if rec.Code != http.StatusNotFound || rec.Body.String() != `{"success":false,"error":"Endpoint not found"}`+"\n" {
					t.Errorf("%s %s = %d %s", probe.method, probe.path, rec.Code, rec.Body)
				}
			}

			// An invalid credential does not break routes that need none.
			rec = do(t, h, http.MethodGet, "/health", http.Header{"Authorization": {"Bearer bogus"}})
			checkHealth(t, rec, http.StatusOK, "healthy", "connected")

			if err := a.store.Close(); err != nil {
				t.Fatal(err)
			}
			rec = do(t, h, http.MethodGet, "/health", nil)
			checkHealth(t, rec, http.StatusServiceUnavailable, "unhealthy", "disconnected")
		})
	}
}

func TestRequestID(t *testing.T) {
	a := testApp(t, io.Discard)
	var seen string
	rl := Role{Name: "test", routes: func(r chi.Router, _ *App, _ chargeFunc) {
		r.Get("/id", func(w http.ResponseWriter, r *http.Request) { seen = middleware.GetReqID(r.Context()) })
	}}
	h := a.Handler(rl)

	rec := do(t, h, http.MethodGet, "/id", http.Header{"X-Request-Id": {"abc-123"}})
	if got := rec.Header().Get("X-Request-ID"); got != "abc-123" || seen != "abc-123" {
		t.Errorf("given id: echoed %q, handler saw %q", got, seen)
	}
	for _, bad := range []string{"", "has space", strings.Repeat("x", 129), "line\nbreak"} {
		rec := do(t, h, http.MethodGet, "/id", http.Header{"X-Request-Id": {bad}})
		got := rec.Header().Get("X-Request-ID")
		if got == bad || len(got) != 24 || got != seen {
			t.Errorf("id %q: echoed %q, handler saw %q; want a new 24-hex id", bad, got, seen)
		}
	}
}

func TestRecovererAnswersWithoutLeaking(t *testing.T) {
	var logs bytes.Buffer
	a := testApp(t, &logs)
	rl := Role{Name: "test", routes: func(r chi.Router, _ *App, _ chargeFunc) {
		r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("secret detail") })
	}}
	rec := do(t, a.Handler(rl), http.MethodGet, "/boom", http.Header{"X-Request-Id": {"req-1"}})
	if rec.Code != http.StatusInternalServerError || rec.Body.String() != `{"success":false,"error":"Internal server error"}`+"\n" {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "secret detail") || !strings.Contains(logs.String(), `"request_id":"req-1"`) {
		t.Errorf("panic not logged with its request id: %s", logs.String())
	}
}

func TestBodyLimitAndAuthentication(t *testing.T) {
	a := testApp(t, io.Discard)
	var readErr error
	var principal services.Principal
	var authErr error
	rl := Role{Name: "test", routes: func(r chi.Router, _ *App, _ chargeFunc) {
		r.Post("/echo", func(w http.ResponseWriter, r *http.Request) {
			_, readErr = io.ReadAll(r.Body)
			principal, authErr = auth.FromContext(r.Context())
		})
	}}
	h := a.Handler(rl)

	req := httptest.NewRequest(http.MethodPost, "/echo", strings.NewReader(strings.Repeat("x", web.MaxBodyBytes+1)))
	req.Header.Set("Authorization", "Bearer svc")
	h.ServeHTTP(httptest.NewRecorder(), req)
	var tooBig *http.MaxBytesError
	if !errors.As(readErr, &tooBig) {
		t.Errorf("reading past the limit: %v, want *http.MaxBytesError", readErr)
	}
	if authErr != nil || !reflect.DeepEqual(principal, services.ServicePrincipal) {
		t.Errorf("principal = %+v, %v; want the service", principal, authErr)
	}

	req = httptest.NewRequest(http.MethodPost, "/echo", strings.NewReader(strings.Repeat("x", web.MaxBodyBytes)))
	h.ServeHTTP(httptest.NewRecorder(), req)
	if readErr != nil {
		t.Errorf("reading exactly the limit: %v", readErr)
	}
	if services.KindOf(authErr) != services.Unauthenticated {
		t.Errorf("no credential with AUTH_REQUIRED: %v, want Unauthenticated", authErr)
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	a := testApp(t, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	ports := map[string]int{}
	for _, rl := range Roles() {
		ports[rl.Name] = 0
	}
	lns, err := Listen(ctx, "127.0.0.1", ports, Roles())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, lns) }()

	for _, l := range lns {
		resp, err := http.Get("http://" + l.Addr().String() + "/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", l.Role.Name, resp.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestListenRefusesATakenPort(t *testing.T) {
	ctx := context.Background()
	taken, err := Listen(ctx, "127.0.0.1", map[string]int{"customers": 0}, Roles()[:1])
	if err != nil {
		t.Fatal(err)
	}
	defer taken[0].Close()
	n := taken[0].Addr().(*net.TCPAddr).Port
	_, err = Listen(ctx, "127.0.0.1", map[string]int{"customers": 0, "orders": n}, Roles()[:2])
	if err == nil || !strings.Contains(err.Error(), "role orders") {
		t.Fatalf("err = %v, want the orders role's bind error", err)
	}
}

func TestRunJob(t *testing.T) {
	a := testApp(t, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	runs := 0
	j := job{name: "test", every: time.Millisecond, run: func(context.Context) error {
		runs++
		if runs == 3 {
			close(ran)
		}
		if runs == 1 {
			return io.ErrUnexpectedEOF // a failed run does not stop the job
		}
		return nil
	}}
	done := make(chan struct{})
	go func() { a.runJob(ctx, j); close(done) }()
	select {
	case <-ran:
	case <-time.After(30 * time.Second):
		t.Fatal("job did not run three times")
	}
	cancel()
	<-done
}
