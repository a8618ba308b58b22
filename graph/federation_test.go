package graph_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/graph/customersgraph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/ordersgraph"
	"github.com/b2b-orders/platform/graph/server"
)

// graphs returns the two subgraphs and the combined graph over e's
// services, each behind the authentication middleware.
func (e *env) graphs() map[string]http.Handler {
	authn := &auth.Authenticator{Tokens: e.tokens, ServiceToken: testServiceToken, Required: true, Identities: e.identities}
	// Every graph reads members and locations, as b2b serve's do.
	opts := server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Services: loaders.Services{Accounts: e.svc.Accounts}}
	combined := opts
	combined.Services = e.svc
	return map[string]http.Handler{
		"customers": authn.Middleware(customersgraph.NewHandler(e.svc.Customers, opts)),
		"orders":    authn.Middleware(ordersgraph.NewHandler(e.svc.Orders, opts)),
		"combined":  authn.Middleware(graph.NewHandler(combined)),
	}
}

// post sends one operation to h and returns the raw response body.
func post(t *testing.T, h http.Handler, authorization, query string, variables map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// TestSubgraphSDL checks that each graph's _service { sdl } is its
// config's schema files, and writes the three SDLs to $B2B_SDL_DIR when it
// is set: graph/federation/check.sh composes them there.
func TestSubgraphSDL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	files := map[string][]string{
		"customers": {"link", "relay", "customers", "accounts", "actor"},
		"orders":    {"link", "relay", "orders", "customer_stub", "customer_orders", "actor", "accounts_stub", "member_orders"},
		"combined":  {"link", "relay", "customers", "accounts", "actor", "orders", "customer_orders", "member_orders"},
	}
	dir := os.Getenv("B2B_SDL_DIR")
	for name, h := range e.graphs() {
		var resp struct {
			Data struct {
				Service struct{ SDL string } `json:"_service"`
			}
		}
		if err := json.Unmarshal(post(t, h, "", `{ _service { sdl } }`, nil), &resp); err != nil {
			t.Fatal(err)
		}
		sdl := resp.Data.Service.SDL
		for _, f := range files[name] {
			src, err := os.ReadFile(filepath.Join("schema", f+".graphqls"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sdl, strings.TrimSpace(string(src))) {
				t.Errorf("%s: _service sdl lacks schema/%s.graphqls", name, f)
			}
		}
		if strings.Contains(sdl, "@goField") || strings.Contains(sdl, "@entityResolver") {
			t.Errorf("%s: gqlgen-only directives in the subgraph SDL", name)
		}
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name+".graphql"), []byte(sdl), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSubgraphEntities resolves the entities of each subgraph as a gateway
// would ask for them.
func TestSubgraphEntities(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.graphs()
	admin := e.admin()
	const customersQuery = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Customer { id name } } }`
	// The orders subgraph knows Customer by its key only.
	const ordersQuery = `query($r: [_Any!]!) { _entities(representations: $r) {
		__typename
		... on Customer { id }
		... on Product { id sku }
		... on Order { id status customer { id } items { quantity product { id } } } } }`
	reps := func(kv ...string) map[string]any {
		var out []any
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, map[string]any{"__typename": kv[i], "id": kv[i+1]})
		}
		return map[string]any{"r": out}
	}
	cases := []struct {
		graph, query, want string
		vars               map[string]any
	}{
		{"customers", customersQuery, `{"data":{"_entities":[{"__typename":"Customer","id":"2","name":"TechStart Inc"},null]}}`,
			reps("Customer", "2", "Customer", "99")},
		{"orders", ordersQuery, `{"data":{"_entities":[{"__typename":"Product","id":"3","sku":"KEYBOARD-001"},{"__typename":"Order","id":"2","status":"CREATED","customer":{"id":"2"},"items":[{"quantity":1,"product":{"id":"1"}},{"quantity":2,"product":{"id":"6"}},{"quantity":3,"product":{"id":"9"}}]},{"__typename":"Customer","id":"5"}]}}`,
			reps("Product", "3", "Order", "2", "Customer", "5")},
	}
	for _, tc := range cases {
		got := string(post(t, g[tc.graph], admin, tc.query, tc.vars))
		if got != tc.want {
			t.Errorf("%s _entities:\n got %s\nwant %s", tc.graph, got, tc.want)
		}
	}
	// The orders subgraph's Customer stub carries the customer's orders,
	// and only a customer's own.
	got := string(post(t, g["orders"], e.customer(1), `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id orders { edges { node { id } } } } } }`,
		reps("Customer", "1", "Customer", "2")))
	if want := `{"data":{"_entities":[{"id":"1","orders":{"edges":[{"node":{"id":"1"}},{"node":{"id":"4"}}]}},null]}}`; got != want {
		t.Errorf("orders subgraph Customer.orders as customer 1:\n got %s\nwant %s", got, want)
	}
}

// An order whose customer was deleted answers customer: null on the
// orders subgraph as on the combined graph, so that a gateway never asks
// the customers subgraph for an entity it would answer null.
func TestDeletedCustomerIsNullOnEveryGraph(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	g := e.graphs()
	e.ok(admin, `mutation { deleteCustomer(id: "2") }`, nil, nil)
	for _, name := range []string{"orders", "combined"} {
		got := string(post(t, g[name], admin, `{ o2: order(id: "2") { id customer { id } } o1: order(id: "1") { id customer { id } } }`, nil))
		if got != `{"data":{"o2":{"id":"2","customer":null},"o1":{"id":"1","customer":{"id":"1"}}}}` {
			t.Errorf("%s: %s", name, got)
		}
	}
}
