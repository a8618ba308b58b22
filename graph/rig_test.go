package graph_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/services"
)

// rig is the combined graph over a fresh, seeded store, behind the
// authentication middleware, answering raw HTTP requests, with its logs
// kept. Unlike env it works for fuzz targets (testing.TB) and lets tests
// send what gqlgen's client never would.
type rig struct {
	db     *db.DB
	svc    loaders.Services
	tokens *auth.Tokens
	h      http.Handler
	logs   *logBuffer
	now    time.Time
}

func newRig(t testing.TB) *rig {
	t.Helper()
	d := dbtest.Open(t)
	if _, err := d.Seed(t.Context()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	built := app.New(app.Options{Store: d, Roles: graphRole(t), Now: clock}).Services()
	svc := loaders.Services{Customers: built.Customers, Orders: built.Orders, Accounts: built.Accounts}
	tokens := &auth.Tokens{Secret: []byte(testSecret), Now: clock}
	authn := &auth.Authenticator{Tokens: tokens, ServiceToken: testServiceToken, Required: true,
		Identities: &auth.Identities{Resolve: built.Accounts, Now: clock}}
	// Warnings and errors only: a fuzz target runs many operations.
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := authn.Middleware(graph.NewHandler(server.Options{Services: svc, Logger: log, Webhooks: built.Webhooks}))
	return &rig{db: d, svc: svc, tokens: tokens, h: h, logs: logs, now: now}
}

func (g *rig) bearer(t testing.TB, p services.Principal) string {
	t.Helper()
	tok, err := g.tokens.Issue(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

func (g *rig) admin(t testing.TB) string {
	return g.bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "rig-admin"})
}

func (g *rig) customer(t testing.TB, id int) string {
	return g.bearer(t, services.Principal{Role: services.RoleCustomer, CustomerID: id, Subject: "rig-customer"})
}

// gqlResponse is a decoded GraphQL answer and its HTTP status.
type gqlResponse struct {
	status int
	raw    []byte
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// send makes one HTTP request of the graph and checks the invariants every
// answer must keep, whatever was asked: no 5xx, a JSON body that is a
// GraphQL response, every error with an extensions.code, no internal
// error, and nothing logged at level ERROR.
func (g *rig) send(t testing.TB, method, contentType, authorization, body string) gqlResponse {
	t.Helper()
	req := httptest.NewRequest(method, "/graphql", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return g.do(t, req, authorization)
}

// do sends req with the Authorization header (none when "") and checks
// the answer as send does.
func (g *rig) do(t testing.TB, req *http.Request, authorization string) gqlResponse {
	t.Helper()
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	g.h.ServeHTTP(rec, req)
	r := gqlResponse{status: rec.Code, raw: rec.Body.Bytes()}
	checkGraphAnswer(t, &r, g.logs)
	return r
}

// post sends a JSON body of {query, variables}.
func (g *rig) post(t testing.TB, authorization, query string, variables map[string]any) gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		t.Fatal(err)
	}
	return g.send(t, http.MethodPost, "application/json", authorization, string(body))
}

func checkGraphAnswer(t testing.TB, r *gqlResponse, logs *logBuffer) {
	t.Helper()
	if r.status >= 500 {
		t.Fatalf("HTTP %d: %s", r.status, r.raw)
	}
	dec := json.NewDecoder(bytes.NewReader(r.raw))
	dec.DisallowUnknownFields()
	var shape struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			gqlError
			Locations []struct{ Line, Column int } `json:"locations"`
		} `json:"errors"`
		Extensions json.RawMessage `json:"extensions"`
	}
	if err := dec.Decode(&shape); err != nil {
		t.Fatalf("HTTP %d: not a GraphQL response (%v): %s", r.status, err, r.raw)
	}
	r.Data = shape.Data
	for _, e := range shape.Errors {
		r.Errors = append(r.Errors, e.gqlError)
	}
	if len(r.Errors) == 0 && (len(r.Data) == 0 || string(r.Data) == "null") {
		t.Fatalf("HTTP %d: neither data nor errors: %s", r.status, r.raw)
	}
	if r.status != http.StatusOK && len(r.Errors) == 0 {
		t.Fatalf("HTTP %d without errors: %s", r.status, r.raw)
	}
	for _, e := range r.Errors {
		switch e.code() {
		case "":
			t.Fatalf("an error without extensions.code: %s", r.raw)
		case gqlcode.Internal:
			t.Fatalf("internal error: %s\nlogs:\n%s", r.raw, logs.String())
		}
		if e.Message == "" {
			t.Fatalf("an error without a message: %s", r.raw)
		}
	}
	if l := logs.errors(); l != "" {
		t.Fatalf("logged at level ERROR:\n%s\nfor the answer %s", l, r.raw)
	}
}

// logBuffer keeps JSON log lines (warnings and errors), safe for
// concurrent use.
type logBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // bytes errors has looked at
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// errors returns the lines logged at level ERROR since the last call, so
// that one finding does not fail every later input of a fuzz target.
func (b *logBuffer) errors() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range strings.Split(b.buf.String()[b.seen:], "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	b.seen = b.buf.Len()
	return strings.Join(out, "\n")
}
