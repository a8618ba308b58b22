package graph_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/clocktest"
	"github.com/b2b-orders/platform/services"
)

const (
	testSecret       = "graph-test-secret-graph-test-secret"
	testServiceToken = "graph-test-service-token"
)

// env is a combined graph over a fresh, seeded store, behind the shared
// authentication middleware, as `b2b serve` mounts it.
type env struct {
	t      *testing.T
	db     *db.DB
	svc    loaders.Services
	tokens *auth.Tokens
	// identities resolves member tokens and API keys, as b2b serve's
	// authenticator does.
	identities *auth.Identities
	c          *client.Client
	// h is the graph behind c, for a test that serves it over HTTP.
	h http.Handler
	// now is when the env starts; clock is the time of its services and
	// tokens, which stays there until a test advances it.
	now   time.Time
	clock *clocktest.Clock
}

type envOption func(*envConfig)

type envConfig struct {
	authOptional bool
	store        func(*db.DB) *db.DB
	opts         server.Options
}

func authOptional() envOption { return func(c *envConfig) { c.authOptional = true } }

func withOptions(o server.Options) envOption { return func(c *envConfig) { c.opts = o } }

// newEnv seeds the store with the original's data (customers 1-5,
// products 1-10, orders 1-4; customer 1 owns orders 1 and 4) and the
// accounts of db/seed/accounts.sql (customer 1: locations 1 and 2,
// members 1 admin, 2 buyer limited to location 2, 3 viewer; customer 2:
// location 3, member 4 admin).
func newEnv(t *testing.T, opt ...envOption) *env {
	t.Helper()
	var cfg envConfig
	for _, o := range opt {
		o(&cfg)
	}
	d := dbtest.Open(t)
	if _, err := d.Seed(t.Context()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if cfg.store != nil {
		d = cfg.store(d)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := clocktest.New(now)
	// The services as b2b serve builds them for the combined graph.
	built := app.New(app.Options{Store: d, Roles: graphRole(t), Now: clock.Now}).Services()
	svc := loaders.Services{Customers: built.Customers, Orders: built.Orders, Accounts: built.Accounts}
	tokens := &auth.Tokens{Secret: []byte(testSecret), Now: clock.Now}
	identities := &auth.Identities{Resolve: built.Accounts, Now: clock.Now}
	authn := &auth.Authenticator{Tokens: tokens, ServiceToken: testServiceToken, Required: !cfg.authOptional, Identities: identities}
	opts := cfg.opts
	if opts.Webhooks == nil {
		opts.Webhooks = built.Webhooks
	}
	svc.Wait = opts.Services.Wait
	opts.Services = svc
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := authn.Middleware(graph.NewHandler(opts))
	return &env{t: t, db: d, svc: svc, tokens: tokens, identities: identities, c: client.New(h), h: h, now: now, clock: clock}
}

// graphRole is the role table's graph role: what the combined graph's
// process runs.
func graphRole(t testing.TB) []app.Role {
	t.Helper()
	rs, err := app.RolesNamed("graph")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (e *env) token(role services.Role, customerID int) string {
	e.t.Helper()
	tok, err := e.tokens.Issue(services.Principal{Role: role, CustomerID: customerID, Subject: "test"}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return "Bearer " + tok
}

func (e *env) admin() string          { return e.token(services.RoleAdmin, 0) }
func (e *env) customer(id int) string { return e.token(services.RoleCustomer, id) }

// member returns a member token of the seed's customer and member: the
// member's role and locations come from the store, as for b2b serve.
func (e *env) member(customerID, memberID int) string {
	e.t.Helper()
	tok, err := e.tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: customerID, MemberID: memberID,
		Subject: "member"}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return "Bearer " + tok
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (g gqlError) code() string  { s, _ := g.Extensions["code"].(string); return s }
func (g gqlError) field() string { s, _ := g.Extensions["field"].(string); return s }

// result is a decoded response.
type result struct {
	Data   json.RawMessage
	Errors []gqlError
}

// do posts an operation through gqlgen's client. authorization "" sends no
// Authorization header. Protocol errors (HTTP 4xx from parsing,
// validation and the limits) come back as errors too.
func (e *env) do(authorization, query string, vars map[string]any) result {
	e.t.Helper()
	opts := []client.Option{}
	if authorization != "" {
		opts = append(opts, client.AddHeader("Authorization", authorization))
	}
	for k, v := range vars {
		opts = append(opts, client.Var(k, v))
	}
	resp, err := e.c.RawPost(query, opts...)
	if err != nil {
		// The client refuses HTTP 4xx; their bodies are GraphQL responses.
		msg := err.Error()
		if _, body, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "http 4") {
			var r result
			if jerr := json.Unmarshal([]byte(body), &r); jerr == nil {
				return r
			}
		}
		e.t.Fatalf("post: %v", err)
	}
	var r result
	if len(resp.Errors) > 0 {
		if err := json.Unmarshal(resp.Errors, &r.Errors); err != nil {
			e.t.Fatalf("decode errors %s: %v", resp.Errors, err)
		}
	}
	data, err := json.Marshal(resp.Data)
	if err != nil {
		e.t.Fatal(err)
	}
	r.Data = data
	return r
}

// ok runs an operation that must succeed and decodes its data into out.
func (e *env) ok(authorization, query string, vars map[string]any, out any) {
	e.t.Helper()
	r := e.do(authorization, query, vars)
	if len(r.Errors) > 0 {
		e.t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			e.t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}

// fails runs an operation that must fail with exactly one error of the
// given code, and returns it.
func (e *env) fails(authorization, query string, vars map[string]any, code string) gqlError {
	e.t.Helper()
	r := e.do(authorization, query, vars)
	if len(r.Errors) != 1 {
		e.t.Fatalf("errors = %+v, want one %s", r.Errors, code)
	}
	if got := r.Errors[0].code(); got != code {
		e.t.Fatalf("code = %q (%+v), want %s", got, r.Errors[0], code)
	}
	return r.Errors[0]
}

func vars(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func mustJSON(t *testing.T, data []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// servicesAdmin is r's context with an admin principal, for handlers
// called without the authentication middleware.
func servicesAdmin(r *http.Request) context.Context {
	return services.WithPrincipal(r.Context(), services.Principal{Role: services.RoleAdmin, Subject: "test"})
}
