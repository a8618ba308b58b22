package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
)

const (
	obsSecret       = "observe-test-secret-0123456789abcdef0123"
	obsServiceToken = "observe-test-service-token-0123456789"
)

// fullApp is the App serve builds with every role in one process, over a
// fresh migrated store, logging at debug level into logs.
func fullApp(t *testing.T, logs io.Writer, cfg config.Config) *App {
	t.Helper()
	cfg.JWTSecret, cfg.ServiceToken, cfg.AuthRequired = obsSecret, obsServiceToken, true
	return New(Options{Config: cfg, Store: dbtest.Open(t), Roles: Roles(),
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
}

// role returns the role of the table with that name.
func role(t *testing.T, name string) Role {
	t.Helper()
	rs, err := RolesNamed(name)
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

// bearer signs a token for p.
func bearer(t *testing.T, p services.Principal) string {
	t.Helper()
	tk, err := (&auth.Tokens{Secret: []byte(obsSecret)}).Issue(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tk
}

// send runs one request through h and returns the recorder.
func send(t *testing.T, h http.Handler, method, path, body string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// accessLine is an access log line as observe writes it.
type accessLine struct {
	Level         string  `json:"level"`
	Msg           string  `json:"msg"`
	Role          string  `json:"role"`
	Method        string  `json:"method"`
	Route         string  `json:"route"`
	Status        int     `json:"status"`
	DurationMS    float64 `json:"duration_ms"`
	Bytes         int     `json:"bytes"`
	RequestID     string  `json:"request_id"`
	CorrelationID string  `json:"correlation_id"`
	Operation     *string `json:"operation"`
	GraphQLErrors int     `json:"graphql_errors"`
}

// linesOf returns the log lines of one request id, whatever their message.
func linesOf(t *testing.T, logs *bytes.Buffer, requestID string) []accessLine {
	t.Helper()
	var out []accessLine
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	for sc.Scan() {
		var l accessLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if l.RequestID == requestID {
			out = append(out, l)
		}
	}
	return out
}

// oneAccessLine asserts that a request left exactly one line, the access
// line, and returns it.
func oneAccessLine(t *testing.T, logs *bytes.Buffer, requestID string) accessLine {
	t.Helper()
	ls := linesOf(t, logs, requestID)
	if len(ls) != 1 || ls[0].Msg != "request" {
		t.Fatalf("request %s left %d lines, want one access line: %+v\n%s", requestID, len(ls), ls, logs)
	}
	return ls[0]
}

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	a := fullApp(t, &logs, config.Config{})
	h := a.Handler(role(t, "orders"))
	admin := bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "ops"})

	rec := send(t, h, http.MethodPost, "/api/v1/products", `{"sku":"A-1","name":"A","price_cents":100,"stock":5}`,
		http.Header{"Authorization": {admin}, "X-Request-Id": {"req-create"}, "X-Correlation-Id": {"flow-1"}})
	if rec.Code != http.StatusCreated || rec.Header().Get(web.CorrelationIDHeader) != "flow-1" {
		t.Fatalf("create: %d %s, correlation %q", rec.Code, rec.Body, rec.Header().Get(web.CorrelationIDHeader))
	}
	l := oneAccessLine(t, &logs, "req-create")
	if l.Level != "INFO" || l.Role != "orders" || l.Method != "POST" || l.Route != "/api/v1/products" || l.Status != 201 ||
		l.Bytes != rec.Body.Len() || l.CorrelationID != "flow-1" || l.Operation != nil || l.DurationMS <= 0 {
		t.Errorf("create: %+v", l)
	}

	// The route is the pattern, not the path; an insane correlation id is
	// neither kept nor echoed.
	rec = send(t, h, http.MethodGet, "/api/v1/products/999", "",
		http.Header{"Authorization": {admin}, "X-Request-Id": {"req-404"}, "X-Correlation-Id": {"has\ttab"}})
	if rec.Code != http.StatusNotFound || rec.Header().Get(web.CorrelationIDHeader) != "" {
		t.Fatalf("get: %d, correlation %q", rec.Code, rec.Header().Get(web.CorrelationIDHeader))
	}
	if l := oneAccessLine(t, &logs, "req-404"); l.Route != "/api/v1/products/{id}" || l.Status != 404 || l.CorrelationID != "" {
		t.Errorf("get: %+v", l)
	}
	send(t, h, http.MethodGet, "/no/such/path", "", http.Header{"X-Request-Id": {"req-unmatched"}})
	if l := oneAccessLine(t, &logs, "req-unmatched"); l.Route != web.UnmatchedRoute || l.Status != 404 {
		t.Errorf("unmatched: %+v", l)
	}

	// GraphQL: one line for the request, carrying the operation; the
	// graph's own operation line is not written as well.
	rec = send(t, h, http.MethodPost, "/graphql", `{"query":"query ListProducts { products(first: 1) { edges { node { sku } } } }"}`,
		http.Header{"Authorization": {admin}, "X-Request-Id": {"req-gql"}, "X-Correlation-Id": {"flow-2"}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"sku":"A-1"`) {
		t.Fatalf("graphql: %d %s", rec.Code, rec.Body)
	}
	if l := oneAccessLine(t, &logs, "req-gql"); l.Route != "/graphql" || l.Operation == nil || *l.Operation != "ListProducts" ||
		l.GraphQLErrors != 0 || l.CorrelationID != "flow-2" {
		t.Errorf("graphql: %+v", l)
	}
	send(t, h, http.MethodPost, "/graphql", `{"query":"query NoToken { products(first: 1) { edges { node { sku } } } }"}`,
		http.Header{"X-Request-Id": {"req-gql-unauth"}})
	if l := oneAccessLine(t, &logs, "req-gql-unauth"); l.Operation == nil || *l.Operation != "NoToken" || l.GraphQLErrors != 1 {
		t.Errorf("graphql without a token: %+v", l)
	}
	if strings.Contains(logs.String(), "graphql: operation") {
		t.Errorf("the graph logged its own operation line too:\n%s", &logs)
	}

	// Probes are logged at debug level, so that they do not drown the rest.
	for _, p := range []string{"/health", "/livez", "/readyz", "/metrics"} {
		send(t, h, http.MethodGet, p, "", http.Header{"X-Request-Id": {"req-probe" + p}})
		if l := oneAccessLine(t, &logs, "req-probe"+p); l.Level != "DEBUG" || l.Route != p || l.Status != 200 {
			t.Errorf("%s: %+v", p, l)
		}
	}

	// A panic's 500 is logged (by the recoverer) and has its access line.
	a2 := fullApp(t, &logs, config.Config{})
	boom := a2.Handler(Role{Name: "test", routes: func(r chi.Router, _ *App, _ chargeFunc) {
		r.Get("/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	}})
	send(t, boom, http.MethodGet, "/boom", "", http.Header{"X-Request-Id": {"req-boom"}})
	ls := linesOf(t, &logs, "req-boom")
	if len(ls) != 2 || ls[0].Msg != "panic" || ls[1].Msg != "request" || ls[1].Status != 500 || ls[1].Level != "WARN" || ls[1].Route != "/boom" {
		t.Errorf("panic: %+v", ls)
	}
}

// scrape returns the /metrics page of h.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := send(t, h, http.MethodGet, "/metrics", "", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// hasMetric reports whether page has the sample line exactly.
func hasMetric(page, line string) bool {
	for l := range strings.SplitSeq(page, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func TestMetrics(t *testing.T) {
	a := fullApp(t, io.Discard, config.Config{})
	h := a.Handler(role(t, "orders"))
	admin := http.Header{"Authorization": {bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "ops"})}}
	ctx := services.WithPrincipal(context.Background(), services.Principal{Role: services.RoleAdmin, Subject: "test"})
	c, err := a.services.Customers.Create(ctx, customers.CreateInput{Name: "C", Email: "c@example.com"})
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/api/v1/products", `{"sku":"M-1","name":"M","price_cents":100,"stock":5}`, 201},
		{"POST", "/api/v1/orders", `{"customer_id":` + strconv.Itoa(c.ID) + `,"items":[{"product_id":1,"qty":2}]}`, 201},
		{"POST", "/api/v1/orders/1/confirm", `{"idempotency_key":"k-1"}`, 200},
		{"POST", "/api/v1/orders/1/confirm", `{"idempotency_key":"k-1"}`, 200}, // replay
		{"POST", "/api/v1/orders", `{"customer_id":` + strconv.Itoa(c.ID) + `,"items":[{"product_id":1,"qty":4}]}`, 400},
		{"POST", "/api/v1/orders/1/cancel", ``, 200},
		{"POST", "/graphql", `{"query":"query Stock { product(id: \"1\") { stock } }"}`, 200},
	}
	for _, s := range steps {
		if rec := send(t, h, s.method, s.path, s.body, admin); rec.Code != s.status {
			t.Fatalf("%s %s: %d %s, want %d", s.method, s.path, rec.Code, rec.Body, s.status)
		}
	}
	page := scrape(t, h)
	for _, want := range []string{
		`b2b_orders_created_total 1`,
		`b2b_orders_confirmed_total 1`,
		`b2b_orders_canceled_total 1`,
		`b2b_orders_stock_rejections_total 1`,
		`b2b_idempotent_replays_total 1`,
		`b2b_http_requests_total{method="POST",role="orders",route="/api/v1/orders/{id}/confirm",status="200"} 2`,
		`b2b_http_requests_total{method="POST",role="orders",route="/api/v1/orders",status="400"} 1`,
		`b2b_http_request_duration_seconds_count{method="POST",role="orders",route="/api/v1/products",status="201"} 1`,
		`b2b_graphql_operations_total{operation="Stock",outcome="ok",role="orders"} 1`,
		`go_sql_max_open_connections{db_name="b2b"} ` + strconv.Itoa(a.store.SQL.Stats().MaxOpenConnections),
	} {
		if !hasMetric(page, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, want := range []string{"b2b_build_info{", "go_goroutines ", "process_open_fds "} {
		if !strings.Contains(page, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestProbes(t *testing.T) {
	// A store nobody migrated: alive, not ready, and it says why.
	a := testApp(t, io.Discard)
	h := a.Handler(Role{Name: "orders"})
	if rec := send(t, h, http.MethodGet, "/livez", "", nil); rec.Code != 200 || rec.Body.String() != `{"status":"alive"}`+"\n" {
		t.Errorf("livez: %d %s", rec.Code, rec.Body)
	}
	rec := send(t, h, http.MethodGet, "/readyz", "", nil)
	var body readyBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 503 ||
		body.Status != "not ready" || body.Migrations != "pending" || body.Pending == nil || *body.Pending < 1 {
		t.Errorf("readyz before migrating: %d %s", rec.Code, rec.Body)
	}
	if _, err := a.store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rec := send(t, h, http.MethodGet, "/readyz", "", nil); rec.Code != 200 ||
		rec.Body.String() != `{"status":"ready","database":"connected","migrations":"current","pending":0}`+"\n" {
		t.Errorf("readyz: %d %s", rec.Code, rec.Body)
	}
	// No database: not ready, still alive.
	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	if rec := send(t, h, http.MethodGet, "/readyz", "", nil); rec.Code != 503 ||
		rec.Body.String() != `{"status":"not ready","database":"disconnected","migrations":"unknown"}`+"\n" {
		t.Errorf("readyz without a database: %d %s", rec.Code, rec.Body)
	}
	if rec := send(t, h, http.MethodGet, "/livez", "", nil); rec.Code != 200 {
		t.Errorf("livez without a database: %d", rec.Code)
	}
}
