package graph_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGatewayEquality is the end-to-end federation check: the two
// subgraphs and the combined graph on loopback, Apollo's gateway over the
// composed supergraph (graph/federation/gateway.mjs), and a fixed set of
// cross-domain operations whose answers through the gateway must equal the
// combined graph's byte for byte. It needs node and graph/federation's
// packages: graph/federation/check.sh installs them, composes the
// supergraph and runs it with B2B_GATEWAY_CHECK=1.
func TestGatewayEquality(t *testing.T) {
	if os.Getenv("B2B_GATEWAY_CHECK") != "1" {
		t.Skip("the gateway check runs from graph/federation/check.sh (B2B_GATEWAY_CHECK=1)")
	}
	supergraph, err := filepath.Abs(filepath.Join("federation", "supergraph.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	g := e.graphs()
	servers := map[string]*httptest.Server{}
	for name, h := range g {
		mux := http.NewServeMux()
		mux.Handle("/graphql", h)
		servers[name] = httptest.NewServer(mux)
		t.Cleanup(servers[name].Close)
	}
	gateway := startGateway(t, supergraph,
		"customers="+servers["customers"].URL+"/graphql", "orders="+servers["orders"].URL+"/graphql")
	combined := servers["combined"].URL + "/graphql"

	admin, service, customer1 := e.admin(), "Bearer "+testServiceToken, e.customer(1)
	type check struct {
		name, auth, query string
		vars              map[string]any
		// against, when set, is the graph the combined graph is compared
		// with instead of the gateway (for _entities, which a gateway
		// does not serve).
		against string
	}
	checks := []check{
		{name: "order → customer and items → product", auth: admin,
			query: `{ order(id: "1") { id status totalCents createdAt customer { id name email phone createdAt } items { id quantity unitPriceCents subtotalCents product { id sku name priceCents } } } }`},
		{name: "customer → orders → items → product", auth: admin,
			query: `{ customer(id: "1") { name orders(first: 5) { edges { cursor node { id status items { quantity product { sku stock } } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`},
		{name: "orders with customers (the README's query)", auth: admin,
			query: `{ orders(first: 5) { edges { node { id status customer { name } items { product { sku } quantity } } } } }`},
		{name: "customers → orders, two pages", auth: admin,
			query: `query($after: String) { customers(first: 2, after: $after) { edges { cursor node { id name orders(first: 1) { edges { node { id totalCents customer { email } } } pageInfo { hasNextPage } } } } pageInfo { hasNextPage endCursor } } }`,
			vars:  map[string]any{"after": nil}},
		{name: "products search and filters", auth: admin,
			query: `{ products(first: 3, search: "USB") { edges { node { sku name priceCents stock } } } orders(status: CONFIRMED, from: "2024-01-01T00:00:00Z") { edges { node { id customer { id } } } } }`},
		{name: "customer token sees only its own, nested", auth: customer1,
			query: `{ orders(first: 10) { edges { node { id customer { name orders { edges { node { id } } } } } } } customers { edges { node { id } } } }`},
		{name: "_entities: customers from the combined graph and the customers subgraph", auth: admin, against: "customers",
			query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Customer { id name email } } }`,
			vars:  map[string]any{"r": []any{map[string]any{"__typename": "Customer", "id": "3"}, map[string]any{"__typename": "Customer", "id": "1"}}}},
		{name: "_entities: orders and products from the combined graph and the orders subgraph", auth: admin, against: "orders",
			query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Order { id status items { quantity product { sku } } } ... on Product { id name } } }`,
			vars:  map[string]any{"r": []any{map[string]any{"__typename": "Order", "id": "3"}, map[string]any{"__typename": "Product", "id": "7"}}}},
		{name: "createAndConfirmOrder through the gateway, replayed on the combined graph", auth: service,
			query: `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { id status totalCents customer { id name } items { quantity product { sku } } } }`,
			vars:  map[string]any{"in": map[string]any{"customerId": "2", "items": []any{map[string]any{"productId": "3", "quantity": 2}}, "idempotencyKey": "gateway-check-1", "correlationId": "c-1"}}},
	}
	passed, failed := 0, 0
	for _, c := range checks {
		other := gateway
		if c.against != "" {
			other = servers[c.against].URL + "/graphql"
		}
		// The gateway goes first: for the mutation it places the order
		// and the combined graph replays it under the same key.
		want := httpPost(t, other, c.auth, c.query, c.vars)
		got := httpPost(t, combined, c.auth, c.query, c.vars)
		switch {
		case bytes.Contains(got, []byte(`"errors"`)):
			failed++
			t.Errorf("%s: the combined graph answered errors: %s", c.name, got)
		case !bytes.Equal(got, want):
			failed++
			t.Errorf("%s:\ncombined %s\n gateway %s", c.name, got, want)
		default:
			passed++
		}
	}
	fmt.Printf("gateway: %d passed, %d failed\n", passed, failed)
}

// startGateway runs gateway.mjs and returns its URL once it serves; the
// process is killed when the test ends.
func startGateway(t *testing.T, supergraph string, overrides ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", append([]string{"gateway.mjs", supergraph}, overrides...)...)
	cmd.Dir = "federation"
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the gateway: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if url, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return url
		}
	}
	t.Fatalf("the gateway exited before serving: %v", lines.Err())
	return ""
}

func httpPost(t *testing.T, url, authorization, query string, variables map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(out)
}
