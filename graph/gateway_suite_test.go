package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/internal/servetest"
	"github.com/b2b-orders/platform/services"
)

// suiteOp is one operation of the gateway suite.
type suiteOp struct {
	name, auth, query string
	vars              map[string]any
	operationName     string
}

// costly costs 2 + $n × 303: 20,000 for n = 66, the limit.
const costly = `query($n: Int) { __typename customers(first: $n) { edges { node { orders(first: 100) { edges { node { id } } } } } } }`

// endpointsPage costs 1 + 100 × (edges 12 + pageInfo 2) = 1,401.
const endpointsPage = `e%d: webhookEndpoints(first: 100) { edges { cursor node { id url eventTypes enabled disabledAt disabledReason failingSince createdAt updatedAt } } pageInfo { hasNextPage } } `

// deliveriesPage costs 1 + $n × (edges 12) = 1,201 for n = 100; the log,
// exempt from the table, counts as one attempt.
const deliveriesPage = `d%d: webhookDeliveries(endpointId: "1", first: $n) { edges { cursor node { id eventId eventType state attempts createdAt log { attempt statusCode } } } } `

// TestGatewaySuite sends every operation of a broad suite to the combined
// graph of a real `b2b serve`, and to Hive Gateway (the version compose
// pins, with deploy/gateway.config.mjs) and Apollo Gateway over the
// subgraphs of two other real `b2b serve` processes, each on a store of
// its own seeded alike, so that mutations land the same everywhere. It
// compares the HTTP status, data, and each error's code and path; it
// prints "N passed, N failed". graph/federation/check.sh runs it with
// B2B_GATEWAY_CHECK=1 once `npm ci` has installed both gateways.
func TestGatewaySuite(t *testing.T) {
	if os.Getenv("B2B_GATEWAY_CHECK") != "1" {
		t.Skip("the gateway suite runs from graph/federation/check.sh (B2B_GATEWAY_CHECK=1)")
	}
	supergraph, err := filepath.Abs(filepath.Join("federation", "supergraph.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	combined, admin := startBinary(t)
	forApollo, _ := startBinary(t)
	forHive, _ := startBinary(t)
	targets := map[string]string{
		"apollo": startGateway(t, supergraph,
			"customers="+forApollo.URL("customers", "/graphql"), "orders="+forApollo.URL("orders", "/graphql")),
		"hive": startHive(t, supergraph, forHive),
	}
	ops := gatewaySuite(t, admin)
	if len(ops) < 60 {
		t.Fatalf("the suite has %d operations, want at least 60", len(ops))
	}
	passed, failed := 0, 0
	for _, op := range ops {
		want := suiteAnswer(t, combined.URL("graph", "/graphql"), op)
		// B2B_SUITE_DEBUG=1 logs every answer of the combined graph: the
		// ids a new operation may name (orders, members) are read there.
		if os.Getenv("B2B_SUITE_DEBUG") != "" {
			t.Logf("%s: %s", op.name, want)
		}
		for _, gw := range []string{"hive", "apollo"} {
			if got := suiteAnswer(t, targets[gw], op); got != want {
				failed++
				t.Errorf("%s, %s:\ncombined %s\n %8s %s", gw, op.name, want, gw, got)
				continue
			}
			passed++
		}
	}
	// The one difference allowed: a gateway does not expose the fields
	// the subgraphs serve it.
	for _, q := range []string{`{ _service { sdl } }`, `{ _entities(representations: [{ __typename: "Customer", id: "1" }]) { __typename } }`} {
		op := suiteOp{name: q, auth: "Bearer " + admin, query: q}
		if got := suiteAnswer(t, combined.URL("graph", "/graphql"), op); !strings.HasPrefix(got, "HTTP 200 data={") {
			t.Errorf("combined graph, %s: %s, want it answered", q, got)
		}
		for _, gw := range []string{"hive", "apollo"} {
			if got, want := suiteAnswer(t, targets[gw], op), "HTTP 400 data=absent errors=[GRAPHQL_VALIDATION_FAILED@[]]"; got != want {
				failed++
				t.Errorf("%s, %s: %s, want %s", gw, q, got, want)
				continue
			}
			passed++
		}
	}
	fmt.Printf("gateway suite: %d operations, %d answers compared\n", len(ops), passed+failed)
	fmt.Printf("%d passed, %d failed\n", passed, failed)
}

// suiteAnswer sends op and returns what the suite compares: the status,
// the data (absent is not null) and each error's code and path, sorted.
func suiteAnswer(t *testing.T, url string, op suiteOp) string {
	t.Helper()
	payload := map[string]any{"query": op.query}
	if op.vars != nil {
		payload["variables"] = op.vars
	}
	if op.operationName != "" {
		payload["operationName"] = op.operationName
	}
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json;q=0.9")
	if op.auth != "" {
		req.Header.Set("Authorization", op.auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Path       []any          `json:"path"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return fmt.Sprintf("HTTP %d, not JSON: %.200s", resp.StatusCode, raw)
	}
	data := "absent"
	if len(answer.Data) > 0 {
		var v any
		if err := json.Unmarshal(answer.Data, &v); err != nil {
			t.Fatal(err)
		}
		canonical, _ := json.Marshal(v)
		data = string(canonical)
	}
	var errs []string
	for _, e := range answer.Errors {
		errs = append(errs, fmt.Sprintf("%v@%v", e.Extensions["code"], e.Path))
	}
	slices.Sort(errs)
	return fmt.Sprintf("HTTP %d data=%s errors=%v", resp.StatusCode, data, errs)
}

// startHive runs Hive Gateway from the federation check's npm packages
// over the subgraphs of p, with the repository's deploy/gateway.config.mjs
// and the modules it imports, and returns its URL once it serves. Like the
// compose image, which has them mounted in /gateway beside its own
// node_modules, it runs them from a directory beside the check's
// node_modules, where their `import 'graphql'` finds the gateway's.
func startHive(t *testing.T, supergraph string, p *servetest.Process) string {
	t.Helper()
	dir, err := os.MkdirTemp("federation", ".hive-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, name := range []string{"gateway.config.mjs", "limits.mjs"} {
		b, err := os.ReadFile(filepath.Join("..", "deploy", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin, err := filepath.Abs(filepath.Join("federation", "node_modules", ".bin", "hive-gateway"))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "supergraph", supergraph, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_ENV=production", "HIVE_ROUTER_RUNTIME=true",
		"SUBGRAPH_URL_CUSTOMERS="+p.URL("customers", "/graphql"), "SUBGRAPH_URL_ORDERS="+p.URL("orders", "/graphql"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start Hive Gateway: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/graphql"
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/readiness")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("Hive Gateway did not become ready:\n%s", logs.String())
	return ""
}

// gatewaySuite is the operation suite, in the order it runs: reads of the
// seed first, then mutations, then reads of what they changed.
func gatewaySuite(t *testing.T, admin string) []suiteOp {
	t.Helper()
	issue := func(p services.Principal, now time.Time) string {
		tok, err := (&auth.Tokens{Secret: []byte(binaryJWTSecret), Now: func() time.Time { return now }}).Issue(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	now := time.Now()
	bearer := "Bearer " + admin
	staff := issue(services.Principal{Role: services.RoleStaff, Subject: "desk"}, now)
	customer1 := issue(services.Principal{Role: services.RoleCustomer, CustomerID: 1, Subject: "c1"}, now)
	customer999 := issue(services.Principal{Role: services.RoleCustomer, CustomerID: 999, Subject: "c999"}, now)
	expired := issue(services.Principal{Role: services.RoleAdmin, Subject: "ops"}, now.Add(-2*time.Hour))
	service := "Bearer graph-binary-test-service-token"
	// Members of the seed's accounts (db/seed/accounts.sql): customer 1's
	// admin, its buyer limited to location 2 and its viewer; customer 2's
	// admin.
	member := func(customerID, memberID int) string {
		return issue(services.Principal{Role: services.RoleCustomer, CustomerID: customerID, MemberID: memberID, Subject: "m"}, now)
	}
	admin1, buyer2, viewer3, admin4 := member(1, 1), member(1, 2), member(1, 3), member(2, 4)
	// The approver the suite invites into customer 2, and the order it
	// places there for approval.
	approver, govOrder := member(2, 6), "10"

	const (
		priceListSuite = `id name currency status scope validFrom validTo priority customerIds entries { product { id sku } minQuantity unitPriceCents } rules { product { sku } min max increment }`
		pricesSuite    = `product { id sku } currency breaks { minQuantity unitPriceCents priceListId } quantityRule { min max increment }`
		pricedSuite    = `id status currency totalCents items { product { id } quantity unitPriceCents subtotalCents priceListId priceMinQuantity }`
	)
	const orderFull = `id status totalCents createdAt customer { id name email phone createdAt } items { id quantity unitPriceCents subtotalCents product { id sku name priceCents stock } }`
	ops := []suiteOp{
		// Reads across both subgraphs, both directions.
		{name: "order → customer, items → product", auth: bearer, query: `{ order(id: "1") { ` + orderFull + ` } }`},
		{name: "customer → orders → items → product", auth: bearer, query: `{ customer(id: "1") { name orders(first: 5) { edges { cursor node { id status items { quantity product { sku stock } } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`},
		{name: "the README's orders query", auth: bearer, query: `{ orders(first: 5) { edges { node { id status customer { name } items { product { sku } quantity } } } } }`},
		{name: "customers → orders → customer", auth: bearer, query: `{ customers(first: 5) { edges { node { id orders(first: 2) { edges { node { id customer { email } } } } } } } }`},
		{name: "every product", auth: bearer, query: `{ products(first: 100) { edges { cursor node { id sku name priceCents stock createdAt } } pageInfo { hasNextPage endCursor } } }`},
		{name: "product by id", auth: bearer, query: `{ product(id: "7") { id sku name priceCents stock } }`},
		{name: "customer by id", auth: bearer, query: `{ customer(id: "2") { id name email phone createdAt } }`},
		// Pagination with cursors.
		{name: "customers, page 1", auth: bearer, query: `{ customers(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`},
		{name: "customers, page 2 by cursor", auth: bearer, query: `query($after: String) { customers(first: 2, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }`, vars: map[string]any{"after": "Y3VzdG9tZXI6Mg"}},
		{name: "orders, page 2 by cursor", auth: bearer, query: `{ orders(first: 2, after: "b3JkZXI6Mg") { edges { cursor node { id customer { id } } } pageInfo { hasNextPage } } }`},
		{name: "products, a cursor past the end", auth: bearer, query: `{ products(first: 5, after: "cHJvZHVjdDoxMA") { edges { node { id } } pageInfo { hasNextPage endCursor } } }`},
		{name: "a cursor of another list", auth: bearer, query: `{ orders(after: "Y3VzdG9tZXI6MQ") { edges { cursor } } }`},
		{name: "first: 0", auth: bearer, query: `{ products(first: 0) { edges { cursor } } }`},
		// Filters.
		{name: "customers search", auth: bearer, query: `{ customers(search: "acme") { edges { node { id name } } } }`},
		{name: "products search", auth: bearer, query: `{ products(search: "USB") { edges { node { sku } } } }`},
		{name: "orders by status", auth: bearer, query: `{ orders(status: CONFIRMED) { edges { node { id status } } } }`},
		{name: "orders by date range", auth: bearer, query: `{ orders(from: "2024-01-01T15:00:00Z", to: "2024-01-01T15:40:00Z") { edges { node { id createdAt } } } }`},
		{name: "orders by customer", auth: bearer, query: `{ orders(customerId: "1") { edges { node { id customer { name } } } } }`},
		{name: "orders, every filter", auth: bearer, query: `{ orders(first: 3, status: CANCELED, from: "2024-01-01T00:00:00Z", customerId: "1") { edges { node { id status } } } }`},
		{name: "a bad date", auth: bearer, query: `{ orders(from: "yesterday") { edges { cursor } } }`},
		// Fragments, variables, aliases, directives.
		{name: "named fragments across subgraphs", auth: bearer, query: `query { order(id: "3") { ...O } } fragment O on Order { id customer { ...C } items { product { ...P } } } fragment C on Customer { name } fragment P on Product { sku }`},
		{name: "inline fragments", auth: bearer, query: `{ order(id: "1") { ... on Order { id customer { ... on Customer { id } } } } }`},
		{name: "variables of every kind", auth: bearer, query: `query($id: ID!, $first: Int, $status: OrderStatus) { order(id: $id) { id } orders(first: $first, status: $status) { edges { node { id } } } }`, vars: map[string]any{"id": "2", "first": 2, "status": "CREATED"}},
		{name: "aliases across subgraphs", auth: bearer, query: `{ a: order(id: "1") { who: customer { n: name } } b: order(id: "2") { who: customer { n: name } } c: customer(id: "3") { n: name } }`},
		{name: "@include and @skip", auth: bearer, query: `query($yes: Boolean!, $no: Boolean!) { order(id: "1") { id @include(if: $yes) status @skip(if: $yes) customer @include(if: $no) { name } items @skip(if: $no) { quantity } } }`, vars: map[string]any{"yes": true, "no": false}},
		{name: "__typename everywhere", auth: bearer, query: `{ __typename order(id: "1") { __typename customer { __typename } items { __typename product { __typename } } } }`},
		{name: "a named operation among two", auth: bearer, query: `query A { order(id: "1") { id } } query B { product(id: "1") { sku } }`, operationName: "B"},
		// Errors of the README's list.
		{name: "NOT_FOUND: no such order", auth: bearer, query: `{ order(id: "999") { id } }`},
		{name: "NOT_FOUND: no such customer", auth: bearer, query: `{ customer(id: "999") { id } }`},
		{name: "BAD_USER_INPUT: a bad id", auth: bearer, query: `{ order(id: "abc") { id } }`},
		{name: "BAD_USER_INPUT: first over 100", auth: bearer, query: `{ customers(first: 101) { edges { cursor } } }`},
		{name: "GRAPHQL_VALIDATION_FAILED", auth: bearer, query: `{ order(id: "1") { nope } }`},
		{name: "GRAPHQL_PARSE_FAILED", auth: bearer, query: `{ order(id: "1") { id `},
		{name: "a variable of the wrong type", auth: bearer, query: `query($id: ID!) { order(id: $id) { id } }`, vars: map[string]any{"id": map[string]any{"x": 1}}},
		{name: "a missing variable", auth: bearer, query: `query($id: ID!) { order(id: $id) { id } }`},
		{name: "an unknown operationName", auth: bearer, query: `query A { order(id: "1") { id } }`, operationName: "Nope"},
		{name: "two operations, no operationName", auth: bearer, query: `query A { order(id: "1") { id } } query B { order(id: "2") { id } }`},
		// Every kind of token.
		{name: "no token", query: `{ order(id: "1") { id customer { name } } }`},
		{name: "no token, a list", query: `{ customers { edges { cursor } } }`},
		{name: "no token, __typename only", query: `{ __typename }`},
		{name: "a garbage token", auth: "Bearer garbage", query: `{ order(id: "1") { id } }`},
		{name: "an expired token", auth: expired, query: `{ order(id: "1") { id } }`},
		{name: "Basic credentials", auth: "Basic dXNlcjpwYXNz", query: `{ product(id: "1") { id } }`},
		{name: "staff", auth: staff, query: `{ orders(first: 2) { edges { node { id customer { name } } } } }`},
		{name: "the service token", auth: service, query: `{ customer(id: "2") { name orders { edges { node { id } } } } }`},
		{name: "a customer, its own order", auth: customer1, query: `{ order(id: "1") { id customer { name } } }`},
		{name: "a customer, another's order", auth: customer1, query: `{ order(id: "2") { id customer { name } } }`},
		{name: "a customer, another customer", auth: customer1, query: `{ customer(id: "2") { id name orders { edges { node { id } } } } }`},
		{name: "a customer, the lists", auth: customer1, query: `{ orders { edges { node { id customer { id } } } } customers { edges { node { id } } } }`},
		{name: "a customer that does not exist", auth: customer999, query: `{ orders { edges { node { id } } } customer(id: "999") { id } }`},
		// Company accounts: who the caller is, members, locations, keys,
		// and what another customer's member reaches of them (nothing).
		{name: "me, an admin", auth: bearer, query: `{ me { role subject customer { id } access locations { id } member { id } apiKey { id } } }`},
		{name: "me, a customer token", auth: customer1, query: `{ me { role access customer { name } locations { id } member { id } } }`},
		{name: "me, a member limited to a location", auth: buyer2, query: `{ me { role subject access customer { id name } locations { id name city } member { id name email role locations { name } } apiKey { id } } }`},
		{name: "a customer's members, locations and keys", auth: admin1, query: `{ customer(id: "1") { name members(first: 2) { edges { cursor node { id email name role subject createdAt customer { name } locations { id name } } } pageInfo { hasNextPage endCursor } } locations { edges { node { id name addressLine1 addressLine2 city postalCode country taxId createdAt } } } apiKeys { edges { node { id } } } } }`},
		{name: "members, page 2 by cursor", auth: admin1, query: `{ customer(id: "1") { members(first: 2, after: "bWVtYmVyOjI") { edges { node { id name } } pageInfo { hasNextPage } } } }`},
		{name: "a member across subgraphs", auth: admin1, query: `{ member(id: "2") { id name role locations { id name } customer { name } orders { edges { node { id status location { name } } } } } }`},
		{name: "a location by id", auth: viewer3, query: `{ location(id: "1") { id name addressLine2 taxId } }`},
		{name: "a limited buyer, another location", auth: buyer2, query: `{ location(id: "1") { id } }`},
		{name: "a limited buyer's locations", auth: buyer2, query: `{ customer(id: "1") { locations { edges { node { id name } } } } }`},
		{name: "another customer's member", auth: admin4, query: `{ member(id: "1") { id name } }`},
		{name: "another customer's members", auth: admin4, query: `{ customer(id: "1") { members { edges { node { id } } } } }`},
		{name: "another customer's location", auth: admin4, query: `{ location(id: "2") { id } }`},
		{name: "the seed's orders, without location or actors", auth: bearer, query: `{ order(id: "1") { id location { name } shipTo { city } placedBy { type member { name } } confirmedBy { type } canceledBy { type } } }`},
		{name: "a bad placedBy", auth: bearer, query: `{ orders(placedBy: "nobody") { edges { cursor } } }`},
		{name: "a limited buyer's orders", auth: buyer2, query: `{ orders { edges { node { id } } } customer(id: "1") { orders { edges { node { id } } } } }`},
		// Limits.
		{name: "depth 16", auth: bearer, query: `{ orders(first: 1) { edges { node { ` + strings.Repeat("customer { orders(first: 1) { edges { node { ", 3) + "id" + strings.Repeat(" } } } }", 3) + ` } } } }`},
		{name: "complexity over 20,000", auth: bearer, query: `{ customers(first: 100) { edges { node { orders(first: 20) { edges { node { items { product { sku } } } } } } } } }`},
		{name: "101 aliases", auth: bearer, query: "{ " + copies(101, `a%d: product(id: "1") { id }`) + "}"},
		{name: "11 root mutation fields", auth: bearer, query: "mutation { " + copies(11, `c%d: cancelOrder(id: "999") { id }`) + "}"},
		// Each limit from both sides: what the combined graph admits at
		// the limit, the gateways admit too.
		{name: "depth 15", auth: bearer, query: `{ orders(first: 1) { edges { node { ` + strings.Repeat("customer { orders(first: 1) { edges { node { ", 2) + "customer { orders(first: 1) { edges { cursor } } }" + strings.Repeat(" } } } }", 2) + ` } } } }`},
		{name: "complexity 20,000 exactly", auth: bearer, query: costly, vars: map[string]any{"n": 66}},
		{name: "complexity 20,001", auth: bearer, query: strings.Replace(costly, "{ __typename", "{ __typename t: __typename", 1), vars: map[string]any{"n": 66}},
		{name: "complexity over 20,000 by a variable", auth: bearer, query: costly, vars: map[string]any{"n": 67}},
		// Every paged list is priced by its page on every side, from the
		// one table (graph/model's listCosts, generated into deploy/limits.mjs):
		// the webhook lists were once priced by the graphs only.
		{name: "webhookEndpoints, 15 pages of 100: complexity 21,016", auth: bearer, query: "{ __typename " + copies(15, endpointsPage) + "}"},
		{name: "webhookEndpoints, 14 pages of 100: complexity 19,615", auth: bearer, query: "{ __typename " + copies(14, endpointsPage) + "}"},
		{name: "webhookDeliveries, 17 pages of 100: complexity 20,417", auth: bearer, query: "query($n: Int) { " + copies(17, deliveriesPage) + "}", vars: map[string]any{"n": 100}},
		{name: "webhookDeliveries, 16 pages of 100: complexity 19,216", auth: bearer, query: "query($n: Int) { " + copies(16, deliveriesPage) + "}", vars: map[string]any{"n": 100}},
		{name: "webhookDeliveries, 17 pages of the default 20", auth: bearer, query: "query($n: Int) { " + copies(17, deliveriesPage) + "}"},
		{name: "introspection of a type", auth: bearer, query: `{ __type(name: "Order") { name kind fields { name args { name } type { name kind ofType { name kind } } } } }`},
		{name: "introspection over the complexity limit", auth: bearer, query: "{ " + copies(99, `s%d: __schema { types { name kind fields { name args { name type { name } } type { name kind ofType { name } } } } }`) + "}"},
		{name: "100 aliases", auth: bearer, query: "{ " + copies(100, `a%d: product(id: "1") { id }`) + "}"},
		{name: "10 root mutation fields", auth: bearer, query: "mutation { " + copies(10, `c%d: updateProduct(id: "1", input: { name: "Professional Laptop" }) { id name }`) + "}"},
		{name: "11 root mutation fields in a fragment", auth: bearer, query: "mutation { ...M } fragment M on Mutation { " + copies(11, `c%d: cancelOrder(id: "999") { id }`) + "}"},
		{name: "2,001 fields", auth: bearer, query: "{ " + copies(667, `p%d: products(first: 1) { pageInfo { hasNextPage } }`) + "}"},
		{name: "a fragment that doubles", auth: bearer, query: `{ ...M0 } ` + doubling(11, "Query", "__typename")},
		{name: "21 fields of one response name", auth: bearer, query: "{ " + strings.Repeat(`product(id: "1") { id } `, 21) + "}"},
		{name: "20 fields of one response name", auth: bearer, query: "{ " + strings.Repeat(`product(id: "1") { id } `, 20) + "}"},
		// Mutations, their replays and refusals.
		{name: "createCustomer", auth: bearer, query: `mutation { createCustomer(input: {name: "Suite Corp", email: "suite@example.com", phone: "+1-555-0199"}) { id name email phone } }`},
		{name: "createCustomer, a taken email", auth: bearer, query: `mutation { createCustomer(input: {name: "Again", email: "suite@example.com"}) { id } }`},
		{name: "updateCustomer", auth: bearer, query: `mutation { updateCustomer(id: "6", input: {name: "Suite Corporation"}) { id name } }`},
		{name: "updateCustomer, nothing to update", auth: bearer, query: `mutation { updateCustomer(id: "6", input: {}) { id } }`},
		{name: "createProduct at the largest price", auth: bearer, query: `mutation { createProduct(input: {sku: "DEAR-1", name: "Dear", priceCents: 2147483647, stock: 5}) { id sku priceCents stock } }`},
		{name: "createProduct, a taken sku", auth: bearer, query: `mutation { createProduct(input: {sku: "DEAR-1", name: "Again", priceCents: 1}) { id } }`},
		{name: "updateProduct", auth: bearer, query: `mutation { updateProduct(id: "10", input: {stock: 499, priceCents: 1099}) { id stock priceCents } }`},
		{name: "createOrder at the largest total", auth: bearer, query: `mutation { createOrder(input: {customerId: "1", items: [{productId: "11", quantity: 1}]}) { id status totalCents customer { name } items { quantity unitPriceCents subtotalCents product { sku stock } } } }`},
		{name: "createOrder past the largest total", auth: bearer, query: `mutation { createOrder(input: {customerId: "1", items: [{productId: "11", quantity: 2}]}) { id } }`},
		{name: "createOrder, insufficient stock", auth: bearer, query: `mutation { createOrder(input: {customerId: "1", items: [{productId: "4", quantity: 1000}]}) { id } }`},
		{name: "createOrder, unknown products", auth: bearer, query: `mutation { createOrder(input: {customerId: "1", items: [{productId: "999", quantity: 1}]}) { id } }`},
		{name: "createOrder for another customer", auth: customer1, query: `mutation { createOrder(input: {customerId: "2", items: [{productId: "1", quantity: 1}]}) { id } }`},
		{name: "confirmOrder", auth: bearer, query: `mutation { confirmOrder(id: "5", idempotencyKey: "suite-confirm-1") { id status totalCents } }`},
		{name: "confirmOrder, replayed", auth: bearer, query: `mutation { confirmOrder(id: "5", idempotencyKey: "suite-confirm-1") { id status } }`},
		{name: "confirmOrder, the key on another order", auth: bearer, query: `mutation { confirmOrder(id: "2", idempotencyKey: "suite-confirm-1") { id } }`},
		{name: "confirmOrder, a canceled order", auth: bearer, query: `mutation { confirmOrder(id: "4", idempotencyKey: "suite-confirm-2") { id } }`},
		{name: "cancelOrder", auth: bearer, query: `mutation { cancelOrder(id: "2") { id status items { product { stock } } } }`},
		{name: "cancelOrder, again", auth: bearer, query: `mutation { cancelOrder(id: "2") { id status } }`},
		{name: "createAndConfirmOrder", auth: service, query: `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { id status totalCents customer { id name } items { quantity product { sku } } } }`,
			vars: map[string]any{"in": map[string]any{"customerId": "2", "items": []any{map[string]any{"productId": "3", "quantity": 2}}, "idempotencyKey": "suite-cc-1", "correlationId": "c-1"}}},
		{name: "createAndConfirmOrder, replayed", auth: service, query: `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { id status totalCents } }`,
			vars: map[string]any{"in": map[string]any{"customerId": "2", "items": []any{map[string]any{"productId": "3", "quantity": 2}}, "idempotencyKey": "suite-cc-1"}}},
		{name: "createAndConfirmOrder, the key for another request", auth: service, query: `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { id } }`,
			vars: map[string]any{"in": map[string]any{"customerId": "2", "items": []any{map[string]any{"productId": "3", "quantity": 3}}, "idempotencyKey": "suite-cc-1"}}},
		{name: "two mutations in one operation", auth: bearer, query: `mutation { a: updateProduct(id: "9", input: {stock: 299}) { id stock } b: cancelOrder(id: "999") { id } }`},
		{name: "deleteCustomer", auth: bearer, query: `mutation { deleteCustomer(id: "3") }`},
		{name: "deleteCustomer, again", auth: bearer, query: `mutation { deleteCustomer(id: "3") }`},
		// Company accounts' mutations, and orders by members at locations.
		{name: "memberInvite", auth: admin1, query: `mutation { memberInvite(customerId: "1", input: {email: "Suite.Member@acme.com", name: "Suite Member", role: BUYER, locationIds: ["1"]}) { id email name role subject locations { id name } customer { name } } }`},
		{name: "memberInvite, a taken email", auth: admin1, query: `mutation { memberInvite(customerId: "1", input: {email: "suite.member@acme.com", name: "Again", role: VIEWER}) { id } }`},
		{name: "memberInvite by a buyer", auth: buyer2, query: `mutation { memberInvite(customerId: "1", input: {email: "x@acme.com", name: "X", role: VIEWER}) { id } }`},
		{name: "memberInvite for another customer", auth: admin4, query: `mutation { memberInvite(customerId: "1", input: {email: "spy@techstart.com", name: "Spy", role: ADMIN}) { id } }`},
		{name: "memberUpdate", auth: admin1, query: `mutation { memberUpdate(id: "5", input: {role: VIEWER, locationIds: []}) { id role locations { id } } }`},
		{name: "memberUpdate of another customer's member", auth: admin4, query: `mutation { memberUpdate(id: "2", input: {role: ADMIN}) { id } }`},
		{name: "locationCreate", auth: admin1, query: `mutation { locationCreate(customerId: "1", input: {name: "ACME West", addressLine1: "1 Sunset Blvd", city: "Los Angeles", postalCode: "90001", country: "us"}) { id name country addressLine2 taxId } }`},
		{name: "locationUpdate of another customer's location", auth: admin4, query: `mutation { locationUpdate(id: "1", input: {name: "Mine"}) { id } }`},
		{name: "apiKeyCreate", auth: admin1, query: `mutation { apiKeyCreate(customerId: "1", input: {name: "ERP", role: BUYER, locationIds: ["2"]}) { apiKey { id name role locations { name } createdBy { type id member { name } } member { id role } } } }`},
		{name: "apiKeyCreate above its creator", auth: buyer2, query: `mutation { apiKeyCreate(customerId: "1", input: {name: "Mine", role: ADMIN}) { apiKey { id } } }`},
		{name: "apiKeyRevoke of another customer's key", auth: admin4, query: `mutation { apiKeyRevoke(id: "1") }`},
		{name: "createOrder by a limited buyer", auth: buyer2, query: `mutation { createOrder(input: {customerId: "1", items: [{productId: "10", quantity: 2}]}) { id status location { id name } shipTo { name addressLine1 addressLine2 city postalCode country taxId } placedBy { type id member { id name locations { name } } } customer { name } } }`},
		{name: "createOrder by an admin at a location", auth: admin1, query: `mutation { createOrder(input: {customerId: "1", locationId: "1", items: [{productId: "9", quantity: 1}]}) { id location { name } shipTo { city } placedBy { type id member { name } } } }`},
		{name: "createOrder by a viewer", auth: viewer3, query: `mutation { createOrder(input: {customerId: "1", locationId: "1", items: [{productId: "9", quantity: 1}]}) { id } }`},
		{name: "createOrder at another customer's location", auth: admin4, query: `mutation { createOrder(input: {customerId: "2", locationId: "1", items: [{productId: "9", quantity: 1}]}) { id } }`},
		{name: "createOrder by a limited buyer at another location", auth: buyer2, query: `mutation { createOrder(input: {customerId: "1", locationId: "1", items: [{productId: "9", quantity: 1}]}) { id } }`},
		{name: "cancelOrder by its buyer", auth: buyer2, query: `mutation { cancelOrder(id: "7") { id status placedBy { member { name } } canceledBy { type id member { name role } } } }`},
		{name: "memberRemove", auth: admin1, query: `mutation { memberRemove(id: "5") }`},
		{name: "memberRemove, again", auth: admin1, query: `mutation { memberRemove(id: "5") }`},
		// Customer 2's settings, and its orders under them.
		{name: "customerSettingsUpdate by staff", auth: staff, query: `mutation { customerSettingsUpdate(customerId: "2", input: {poNumberRequired: true, poNumberUnique: true, paymentTerms: "NET_30"}) { poNumberRequired poNumberUnique paymentTerms } }`},
		{name: "customerSettingsUpdate, payment terms by the customer's admin", auth: admin4, query: `mutation { customerSettingsUpdate(customerId: "2", input: {paymentTerms: "NET_60"}) { paymentTerms } }`},
		{name: "createOrder with a PO number", auth: admin4, query: `mutation { createOrder(input: {customerId: "2", items: [{productId: "9", quantity: 1}], poNumber: " PO-9 "}) { id status poNumber paymentTerms dueAt customer { name settings { poNumberRequired } } } }`},
		{name: "createOrder, a taken PO number", auth: admin4, query: `mutation { createOrder(input: {customerId: "2", items: [{productId: "9", quantity: 1}], poNumber: "PO-9"}) { id } }`},
		{name: "settings and orders by PO number; another customer's settings", auth: admin4, query: `{ customer(id: "2") { settings { poNumberRequired poNumberUnique paymentTerms } } orders(poNumber: "PO-9") { edges { node { id poNumber paymentTerms dueAt customer { id } } } } other: customer(id: "1") { settings { poNumberRequired } } }`},
		// Customer 2's governance: an approval rule and an approver, an
		// order placed for approval and approved, its payment, a spending
		// limit, and what they left.
		{name: "memberInvite an approver", auth: admin4, query: `mutation { memberInvite(customerId: "2", input: {email: "ann@techstart.com", name: "Ann Approver", role: APPROVER}) { id role } }`},
		{name: "approvalRuleCreate", auth: admin4, query: `mutation { approvalRuleCreate(customerId: "2", input: {name: "Large orders", minTotalCents: 5000, approverRoles: [APPROVER]}) { id name minTotalCents placedByRoles overSpendingLimit approverRoles } }`},
		{name: "createAndConfirmOrder, placed for approval", auth: admin4, query: `mutation { createAndConfirmOrder(input: {customerId: "2", items: [{productId: "10", quantity: 10}], poNumber: "PO-10", idempotencyKey: "suite-gov-1"}) { id status totalCents confirmedAt approval { levels approved confirmOnApproval } decisions { level } placedBy { member { name } } } }`},
		{name: "approveOrder by its buyer", auth: admin4, query: `mutation { approveOrder(input: {id: "` + govOrder + `", idempotencyKey: "suite-approve-0"}) { id } }`},
		{name: "approveOrder of another customer's order", auth: admin1, query: `mutation { approveOrder(input: {id: "` + govOrder + `", idempotencyKey: "suite-approve-0"}) { id } }`},
		{name: "approveOrder by the approver", auth: approver, query: `mutation { approveOrder(input: {id: "` + govOrder + `", idempotencyKey: "suite-approve-1", reason: "within budget"}) { id status confirmedBy { type member { name role } } approval { approved } decisions { level approved reason actor { type member { name role customer { name } } } } customer { name } } }`},
		{name: "markOrderPaid by the customer's admin", auth: admin4, query: `mutation { markOrderPaid(input: {id: "` + govOrder + `", idempotencyKey: "suite-paid-1"}) { id } }`},
		{name: "markOrderPaid by staff", auth: staff, query: `mutation { markOrderPaid(input: {id: "` + govOrder + `", idempotencyKey: "suite-paid-1"}) { id status paidBy { type id member { name } } customer { credit { limitCents exposureCents availableCents } } } }`},
		{name: "spendingLimitSet", auth: admin4, query: `mutation { spendingLimitSet(customerId: "2", input: {memberId: "4", period: MONTH, amountCents: 1}) { id role period amountCents member { name role } } }`},
		{name: "createOrder over the spending limit", auth: admin4, query: `mutation { createOrder(input: {customerId: "2", items: [{productId: "10", quantity: 1}], poNumber: "PO-11"}) { id } }`},
		{name: "a customer's governance, and orders pending approval", auth: staff, query: `{ customer(id: "2") { settings { timeZone creditLimitCents } credit { limitCents exposureCents availableCents } spendingLimits { role period amountCents member { name } } approvalRules { name minTotalCents approverRoles } } orders(status: PENDING_APPROVAL) { edges { node { id } } } decided: order(id: "` + govOrder + `") { status approval { levels approved } decisions { level approved reason actor { type member { name } } } } }`},
		{name: "a viewer's read of the credit and the rules", auth: viewer3, query: `{ customer(id: "1") { name credit { exposureCents } } rules: customer(id: "1") { approvalRules { name } } }`},
		// Prices: a contract for customer 1 and a list for every
		// customer, what each customer sees of them, orders at the
		// contract's prices before and after it is replaced, the quantity
		// rules, and the refusals.
		{name: "createPriceList by a customer's admin", auth: admin1, query: `mutation { createPriceList(input: {name: "Mine", currency: "USD", entries: [{productId: "10", minQuantity: 1, unitPriceCents: 1}]}) { id } }`},
		{name: "createPriceList, a currency not the store's", auth: staff, query: `mutation { createPriceList(input: {name: "Euro", currency: "EUR", entries: [{productId: "10", minQuantity: 1, unitPriceCents: 1}]}) { id } }`},
		{name: "createPriceList, a contract", auth: staff, query: `mutation($in: PriceListInput!) { createPriceList(input: $in) { ` + priceListSuite + ` } }`,
			vars: map[string]any{"in": map[string]any{"name": "ACME contract", "currency": "USD", "priority": 10, "customerIds": []any{"1"},
				"entries": []any{
					map[string]any{"productId": "10", "minQuantity": 1, "unitPriceCents": 900},
					map[string]any{"productId": "10", "minQuantity": 10, "unitPriceCents": 800},
					map[string]any{"productId": "9", "minQuantity": 12, "unitPriceCents": 1500},
				},
				"rules": []any{map[string]any{"productId": "9", "increment": 12}}}}},
		{name: "createPriceList for every customer", auth: staff, query: `mutation { createPriceList(input: {name: "Base", currency: "USD", validFrom: "2024-01-01T00:00:00Z", entries: [{productId: "10", minQuantity: 1, unitPriceCents: 950}, {productId: "10", minQuantity: 100, unitPriceCents: 850}]}) { ` + priceListSuite + ` } }`},
		{name: "priceLists and priceList by staff", auth: staff, query: `{ priceLists { id name scope status customerIds entries { minQuantity product { sku } } } priceList(id: "1") { name rules { product { id sku } increment } } }`},
		{name: "priceLists by a customer's admin", auth: admin1, query: `{ priceLists { id } }`},
		{name: "priceList by a customer token", auth: customer1, query: `{ priceList(id: "1") { id name } }`},
		{name: "priceList, no such list", auth: staff, query: `{ priceList(id: "999") { id } }`},
		{name: "prices, a customer's own", auth: buyer2, query: `{ prices(productIds: ["10", "9", "1"]) { ` + pricesSuite + ` } }`},
		{name: "prices of customer 2, by its admin", auth: admin4, query: `{ prices(productIds: ["10"]) { ` + pricesSuite + ` } }`},
		{name: "prices of another customer", auth: admin4, query: `{ prices(customerId: "1", productIds: ["10"]) { currency } }`},
		{name: "prices, staff naming no customer", auth: staff, query: `{ prices(productIds: ["10"]) { currency } }`},
		{name: "prices, a product that does not exist", auth: staff, query: `{ prices(customerId: "1", productIds: ["10", "999"]) { currency } }`},
		{name: "Product.price, within and against the quantity rule", auth: admin1, query: `{ a: product(id: "10") { id price(quantity: 12) { unitPriceCents currency priceListId minQuantity } } b: product(id: "9") { id price(quantity: 13) { unitPriceCents } } }`},
		{name: "updateProduct, a quantity rule", auth: staff, query: `mutation { updateProduct(id: "8", input: {quantityRule: {min: 2, max: 10}}) { id quantityRule { min max increment } } }`},
		{name: "updateProduct, a quantity rule of max below min", auth: staff, query: `mutation { updateProduct(id: "8", input: {quantityRule: {min: 5, max: 2}}) { id } }`},
		// Product 8's rule refuses 24: the error is at its place in the page.
		{name: "products → price", auth: admin1, query: `{ products(first: 10) { edges { node { id quantityRule { min max increment } price(quantity: 24) { unitPriceCents priceListId minQuantity } } } } }`},
		{name: "Product.price for a customer staff name", auth: staff, query: `{ product(id: "10") { price(quantity: 150, customerId: "2") { unitPriceCents priceListId minQuantity } } }`},
		{name: "createAndConfirmOrder at the contract's prices", auth: admin1, query: `mutation { createAndConfirmOrder(input: {customerId: "1", items: [{productId: "10", quantity: 12}, {productId: "9", quantity: 24}], poNumber: "PO-PRICE-1", idempotencyKey: "suite-price-1"}) { ` + pricedSuite + ` } }`},
		{name: "createAndConfirmOrder against the quantity rule", auth: admin1, query: `mutation { createAndConfirmOrder(input: {customerId: "1", items: [{productId: "9", quantity: 13}], idempotencyKey: "suite-price-0"}) { id } }`},
		{name: "replacePriceList by a customer's admin", auth: admin1, query: `mutation { replacePriceList(id: "1", input: {name: "Mine", currency: "USD", entries: [{productId: "10", minQuantity: 1, unitPriceCents: 1}]}) { id } }`},
		{name: "replacePriceList, no such list", auth: staff, query: `mutation { replacePriceList(id: "999", input: {name: "None", currency: "USD", entries: [{productId: "10", minQuantity: 1, unitPriceCents: 1}]}) { id } }`},
		{name: "replacePriceList", auth: staff, query: `mutation { replacePriceList(id: "1", input: {name: "ACME contract 2", currency: "USD", priority: 10, customerIds: ["1"], entries: [{productId: "10", minQuantity: 1, unitPriceCents: 700}]}) { ` + priceListSuite + ` } }`},
		{name: "createAndConfirmOrder at the replaced price", auth: admin1, query: `mutation { createAndConfirmOrder(input: {customerId: "1", items: [{productId: "10", quantity: 12}, {productId: "9", quantity: 13}], poNumber: "PO-PRICE-2", idempotencyKey: "suite-price-2"}) { ` + pricedSuite + ` } }`},
		{name: "the first priced order keeps its prices", auth: admin1, query: `{ orders(poNumber: "PO-PRICE-1") { edges { node { ` + pricedSuite + ` } } } }`},
		{name: "deletePriceList", auth: staff, query: `mutation { deletePriceList(id: "2") }`},
		{name: "deletePriceList, again", auth: staff, query: `mutation { deletePriceList(id: "2") }`},
		{name: "the seed's orders: the store's currency, their own prices", auth: bearer, query: `{ order(id: "1") { currency items { unitPriceCents priceListId priceMinQuantity } } }`},
		{name: "prices of 101 products", auth: admin1, query: `{ prices(productIds: [` + strings.TrimSuffix(strings.Repeat(`"10", `, 101), ", ") + `]) { currency } }`},
		// The lists' costs, from the one table on every side: 20 lists of
		// 100 entries, each 6, cost 12,021; twice is over the limit.
		{name: "priceLists with their entries: complexity 12,021", auth: staff, query: `{ priceLists { entries { product { id sku name priceCents stock } } } }`},
		{name: "priceLists with their entries, twice: complexity 24,042", auth: staff, query: `{ a: priceLists { entries { product { id sku name priceCents stock } } } b: priceLists { entries { product { id sku name priceCents stock } } } }`},
		// What the mutations left.
		{name: "an order whose customer was deleted", auth: bearer, query: `{ order(id: "3") { id customer { id name } items { product { sku } } } }`},
		{name: "lists with a deleted customer's order", auth: bearer, query: `{ orders(first: 10) { edges { node { id status totalCents customer { name } } } } }`},
		{name: "the large total, read back", auth: bearer, query: `{ order(id: "5") { totalCents items { subtotalCents product { priceCents stock } } } }`},
		{name: "the orders of a customer after the mutations", auth: bearer, query: `{ customer(id: "1") { orders(first: 10) { edges { node { id status } } } } }`},
		{name: "orders by placer, with location and placedBy.member", auth: bearer, query: `{ orders(placedBy: "member:2") { edges { node { id location { id name city } shipTo { city } placedBy { type id member { name role } } canceledBy { type member { name } } } } } }`},
		{name: "orders at a location", auth: admin1, query: `{ orders(locationId: "1") { edges { node { id placedBy { member { email } } } } } }`},
		{name: "members → orders → location", auth: admin1, query: `{ customer(id: "1") { members { edges { node { name orders { edges { node { id status location { name } placedBy { member { name } } } } } } } } } }`},
		{name: "the limited buyer's orders after the mutations", auth: buyer2, query: `{ orders(first: 20) { edges { node { id location { name } placedBy { type member { name } } } } } }`},
		{name: "another customer's orders by placer and location", auth: admin4, query: `{ a: orders(placedBy: "member:2") { edges { node { id } } } b: orders(locationId: "2") { edges { node { id } } } }`},
		{name: "the keys and members after the mutations", auth: admin1, query: `{ customer(id: "1") { members { edges { node { id name } } } locations { edges { node { id name } } } apiKeys { edges { node { name role createdBy { member { name } } } } } } }`},
	}
	return ops
}
