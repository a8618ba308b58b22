package graph_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/gqlcode"
)

// snapshot is what refused operations must leave as it was: the rows of
// every table, every product's stock and price and every order's status.
func snapshot(t testing.TB, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT COUNT(*) FROM customers", "SELECT COUNT(*) FROM products", "SELECT COUNT(*) FROM orders",
		"SELECT COUNT(*) FROM order_items", "SELECT COUNT(*) FROM idempotency_keys",
		"SELECT id, sku, name, price_cents, stock FROM products ORDER BY id",
		"SELECT id, customer_id, status, total_cents FROM orders ORDER BY id",
		"SELECT id, name, email, deleted_at IS NULL FROM customers ORDER BY id",
	} {
		rows, err := d.SQL.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteString("\n")
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// nest wraps inner in n levels of order → customer → orders.
func nest(n int) string {
	q := "id"
	for range n / 4 {
		q = "orders(first: 1) { edges { node { customer { " + q + " } } } }"
	}
	return "{ customer(id: \"1\") { " + q + " } }"
}

// aliases repeats field n times under distinct aliases.
func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	b.WriteString("}")
	return b.String()
}

// Hostile operations are refused with a 4xx or an error with a code, and
// the data is exactly as it was before any of them. Batches, bodies that
// are no GraphQL request and other content types are in
// TestMalformedRequests.
func TestHostileOperations(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	admin := g.admin(t)
	before := snapshot(t, g.db)
	// introspection nests a and b alternately n times under __type.
	introspection := func(n int, a, b string) string {
		return `{ __type(name: "Order") { ` + strings.Repeat(a+` { `+b+` { `, n) + `name` + strings.Repeat(` } }`, n) + ` } }`
	}
	cases := []struct {
		name, auth, body string
		status           int
		code             string
	}{
		{"50 levels deep", admin, q(nest(50)), 200, gqlcode.DepthLimit},
		{"200 levels deep", admin, q(nest(200)), 200, gqlcode.DepthLimit},
		{"50 levels of fragments", admin, q(`{ customer(id: "1") { ...F0 } } ` + fragments(50)), 200, gqlcode.DepthLimit},
		{"nesting past the parser's limit", admin, q(strings.Repeat("{ a ", 2000) + strings.Repeat("}", 2000)), 200, gqlcode.ParseFailed},
		{"100 aliases of a page of orders", admin, q(aliases(100, `orders(first: 100) { edges { node { items { product { sku } } } } }`)), 200, gqlcode.ComplexityLimit},
		{"100 aliases of the product list", admin, q(aliases(100, `products(first: 100) { edges { node { sku } } }`)), 200, gqlcode.ComplexityLimit},
		{"1,000 aliases of a page of orders", admin, q(aliases(1000, `orders(first: 100) { edges { node { items { product { sku } } } } }`)), 200, gqlcode.ParseFailed},
		{"400 aliases of a field", admin, q(aliases(400, `order(id: "1") { id }`)), 200, gqlcode.AliasLimit},
		{"11 root mutation fields", admin, q("mutation " + aliases(11, `cancelOrder(id: "2") { id }`)), 200, gqlcode.MutationLimit},
		{"100 root mutation fields", admin, q("mutation " + aliases(100, `cancelOrder(id: "2") { id }`)), 200, gqlcode.MutationLimit},
		{"50 aliases of _entities", admin, q(aliases(50, `_entities(representations: [`+strings.Repeat(`{__typename: "Order", id: "1"} `, 10)+`]) { ... on Order { items { product { sku name priceCents stock } } } }`)), 200, gqlcode.ComplexityLimit},
		{"a page size far over the maximum", admin, q(`{ customers(first: 2147483647) { edges { node { orders(first: 2147483647) { edges { node { items { id } } } } } } } }`), 200, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"deep __type nesting", "", q(introspection(20, "fields", "type")), 200, gqlcode.ValidationFailed},
		{"deep possibleTypes nesting", "", q(introspection(20, "possibleTypes", "interfaces")), 200, gqlcode.ValidationFailed},
		{"introspection nested past the parser's limit", "", q(introspection(600, "ofType", "ofType")), 200, gqlcode.ParseFailed},
		{"deep __schema nesting", "", q(`{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`), 200, gqlcode.ValidationFailed},
		{"introspection beside data without credentials", "", q(`{ __schema { types { name } } orders { edges { cursor } } }`), 200, gqlcode.Unauthenticated},
		{"a fragment cycle", admin, q(`{ customer(id: "1") { ...A } } fragment A on Customer { ...B } fragment B on Customer { ...A }`), 200, gqlcode.ValidationFailed},
		{"1,000 directives", admin, q(`{ customer(id: "1") { id ` + strings.Repeat(`@include(if: true) `, 1000) + `} }`), 200, gqlcode.ValidationFailed},
		{"10,000 directives", admin, q(`{ customer(id: "1") { id ` + strings.Repeat(`@include(if: true) `, 10000) + `} }`), 200, gqlcode.ParseFailed},
		{"a body over 1 MiB", admin, q(`{ products(search: "` + strings.Repeat("x", 1<<20) + `") { edges { cursor } } }`), 413, gqlcode.BadUserInput},
		{"10,000 order lines", admin, vq(`mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`,
			`{"in":{"customerId":"1","items":[`+strings.TrimSuffix(strings.Repeat(`{"productId":"2","quantity":1},`, 10000), ",")+`]}}`), 200, gqlcode.InsufficientStock},
		{"10,000 different products", admin, vq(`mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`,
			`{"in":{"customerId":"1","items":[`+lines(10000)+`]}}`), 200, gqlcode.BadUserInput},
		{"quantity 2^31", admin, vq(`mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`,
			`{"in":{"customerId":"1","items":[{"productId":"2","quantity":2147483648}]}}`), 200, gqlcode.BadUserInput},
		{"quantity 1e309", admin, vq(`mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`,
			`{"in":{"customerId":"1","items":[{"productId":"2","quantity":1e309}]}}`), 200, gqlcode.BadUserInput},
		{"quantity -0", admin, vq(`mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`,
			`{"in":{"customerId":"1","items":[{"productId":"2","quantity":-0}]}}`), 200, gqlcode.BadUserInput},
		{"price 2^53", admin, vq(`mutation($in: CreateProductInput!) { createProduct(input: $in) { id } }`,
			`{"in":{"sku":"P","name":"n","priceCents":9007199254740993}}`), 200, gqlcode.BadUserInput},
		// An Int literal outside 32 bits fails validation, as a literal of
		// another wrong type does (the specification; graphql-js's gateways).
		{"price 2^31 literal", admin, q(`mutation { createProduct(input: {sku: "P", name: "n", priceCents: 2147483648}) { id } }`), 200, gqlcode.ValidationFailed},
		{"stock 1.5", admin, q(`mutation { updateProduct(id: "1", input: {stock: 1.5}) { id } }`), 200, gqlcode.ValidationFailed},
		{"id 0", admin, q(`mutation { cancelOrder(id: "0") { id } }`), 200, gqlcode.BadUserInput},
		{"id -1", admin, q(`mutation { deleteCustomer(id: "-1") }`), 200, gqlcode.BadUserInput},
		{"id 2^63", admin, q(`mutation { confirmOrder(id: "9223372036854775808", idempotencyKey: "k") { id } }`), 200, gqlcode.BadUserInput},
		{"NUL in a name", admin, vq(`mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`,
			`{"in":{"name":"a\u0000b","email":"nul@example.com"}}`), 200, gqlcode.BadUserInput},
		{"SQL in an email", admin, q(`mutation { createCustomer(input: {name: "x", email: "' OR 1=1 --"}) { id } }`), 200, gqlcode.BadUserInput},
		{"SQL in an id", admin, q(`{ order(id: "1 OR 1=1") { id } }`), 200, gqlcode.BadUserInput},
		{"SQL in a cursor", admin, q(`{ orders(after: "' OR 1=1 --") { edges { cursor } } }`), 200, gqlcode.BadUserInput},
		{"another list's cursor", admin, q(`{ orders(after: "Y3VzdG9tZXI6MQ") { edges { cursor } } }`), 200, gqlcode.BadUserInput},
		{"duplicate variables keys", admin, `{"query":"mutation($id: ID!) { cancelOrder(id: $id) { id } }","variables":{"id":"2","id":"0"}}`, 200, gqlcode.BadUserInput},
		{"duplicate input fields", admin, q(`mutation { cancelOrder(id: "2", id: "3") { id } }`), 200, gqlcode.ValidationFailed},
		// It would hold a turn among the operations in flight until its
		// first event or the request's timeout.
		{"a subscription without a stream", admin, q(`subscription { orderEvents { eventId } }`), 400, gqlcode.BadUserInput},
		{"GET with a mutation", admin, "", 405, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r gqlResponse
			if tc.name == "GET with a mutation" {
				r = g.get(t, admin, `mutation { cancelOrder(id: "2") { id } }`)
				if r.status != http.StatusMethodNotAllowed || len(r.Errors) == 0 {
					t.Fatalf("HTTP %d %s", r.status, r.raw)
				}
				return
			}
			r = g.send(t, http.MethodPost, "application/json", tc.auth, tc.body)
			if r.status != tc.status || len(r.Errors) == 0 || r.Errors[0].code() != tc.code {
				t.Fatalf("HTTP %d %.300s; want %d with %s", r.status, r.raw, tc.status, tc.code)
			}
		})
	}
	if after := snapshot(t, g.db); after != before {
		t.Fatalf("data changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// q is the JSON body of a query without variables.
func q(query string) string { return vq(query, `{}`) }

// vq is the JSON body of a query with variables given as JSON.
func vq(query, variables string) string {
	return `{"query":` + jsonQuote(query) + `,"variables":` + variables + `}`
}

func jsonQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// fragments defines F0…F(n-1), each going one customer → order → customer
// level deeper through the next.
func fragments(n int) string {
	var b strings.Builder
	for i := range n {
		next := "id"
		if i < n-1 {
			next = fmt.Sprintf("...F%d", i+1)
		}
		fmt.Fprintf(&b, "fragment F%d on Customer { orders(first: 1) { edges { node { customer { %s } } } } } ", i, next)
	}
	return b.String()
}

func lines(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"productId":"%d","quantity":1}`, i+1)
	}
	return strings.Join(parts, ",")
}

// get sends a GraphQL GET request.
func (g *rig) get(t testing.TB, authorization, query string) gqlResponse {
	t.Helper()
	return g.do(t, httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(query), nil), authorization)
}

// Money stays within GraphQL's Int: an order whose total would pass 2³¹−1
// cents is refused before it is written, so no gateway ever meets a
// committed order it cannot return.
func TestOrderTotalFitsAnInt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	var p struct{ CreateProduct struct{ ID string } }
	e.ok(admin, `mutation { createProduct(input: {sku: "DEAR", name: "Dear", priceCents: 2147483647, stock: 5}) { id } }`, nil, &p)
	order := `mutation($p: ID!, $q: Int!) { createOrder(input: {customerId: "1", items: [{productId: $p, quantity: $q}]}) { id totalCents } }`
	if err := e.fails(admin, order, map[string]any{"p": p.CreateProduct.ID, "q": 2}, gqlcode.BadUserInput); err.Message != "Order total must be at most 2147483647 cents" {
		t.Fatalf("message %q", err.Message)
	}
	var o struct{ CreateOrder struct{ TotalCents int } }
	e.ok(admin, order, map[string]any{"p": p.CreateProduct.ID, "q": 1}, &o)
	if o.CreateOrder.TotalCents != 2147483647 {
		t.Fatalf("total %d", o.CreateOrder.TotalCents)
	}
	var stock struct{ Product struct{ Stock int } }
	e.ok(admin, `query($p: ID!) { product(id: $p) { stock } }`, map[string]any{"p": p.CreateProduct.ID}, &stock)
	if stock.Product.Stock != 4 {
		t.Fatalf("stock %d after one unit sold and one order refused", stock.Product.Stock)
	}
}

// The refusals that said the wrong thing: an _entities representation
// whose key is null or missing is an invalid id like a malformed one; an
// Int variable or literal outside 32 bits is refused (not clamped), with
// the value it was given.
func TestRefusalsNameWhatTheyRefuse(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	admin := g.admin(t)
	before := snapshot(t, g.db)
	body := func(query, vars string) string { return `{"query":` + jsonQuote(query) + `,"variables":` + vars + `}` }
	cases := []struct {
		name, body, code, msg string
	}{
		{"_entities with a null id", body(`{ _entities(representations: [{__typename: "Customer", id: null}]) { ... on Customer { id } } }`, `{}`),
			gqlcode.BadUserInput, "Invalid ID"},
		{"_entities without an id", body(`{ _entities(representations: [{__typename: "Order"}]) { ... on Order { id } } }`, `{}`),
			gqlcode.BadUserInput, "Invalid ID"},
		{"an Int variable of 1e20", body(`query($f: Int) { orders(first: $f) { edges { cursor } } }`, `{"f":1e20}`),
			gqlcode.BadUserInput, `Variable "$f": Int cannot represent non 32-bit signed integer value: 1e20`},
		{"an Int variable of 2^31", body(`query($f: Int) { orders(first: $f) { edges { cursor } } }`, `{"f":2147483648}`),
			gqlcode.BadUserInput, `Variable "$f": Int cannot represent non 32-bit signed integer value: 2147483648`},
		{"an Int variable of -2^31-1", body(`query($f: Int) { orders(first: $f) { edges { cursor } } }`, `{"f":-2147483649}`),
			gqlcode.BadUserInput, `Variable "$f": Int cannot represent non 32-bit signed integer value: -2147483649`},
		{"an Int variable of 1.5", body(`query($f: Int) { orders(first: $f) { edges { cursor } } }`, `{"f":1.5}`),
			gqlcode.BadUserInput, `Variable "$f": Int cannot represent non-integer value: 1.5`},
		{"an Int in an input variable", body(`mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`,
			`{"in":{"customerId":"1","items":[{"productId":"2","quantity":1},{"productId":"3","quantity":4294967297}]}}`),
			gqlcode.BadUserInput, `Variable "$in.items[1].quantity": Int cannot represent non 32-bit signed integer value: 4294967297`},
		{"an Int literal of 2^31", body(`{ orders(first: 2147483648) { edges { cursor } } }`, `{}`),
			gqlcode.ValidationFailed, "Int cannot represent non 32-bit signed integer value: 2147483648"},
		{"an Int literal of 3,000,000,000 in a list", body(`mutation { createOrder(input: {customerId: "1", items: [{productId: "2", quantity: 3000000000}]}) { id } }`, `{}`),
			gqlcode.ValidationFailed, "Int cannot represent non 32-bit signed integer value: 3000000000"},
		{"an Int default of 2^31", body(`query($f: Int = 2147483648) { orders(first: $f) { edges { cursor } } }`, `{}`),
			gqlcode.ValidationFailed, "Int cannot represent non 32-bit signed integer value: 2147483648"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := g.send(t, http.MethodPost, "application/json", admin, tc.body)
			if len(r.Errors) == 0 || r.Errors[0].code() != tc.code || r.Errors[0].Message != tc.msg {
				t.Fatalf("HTTP %d %.300s; want %s %q", r.status, r.raw, tc.code, tc.msg)
			}
		})
	}
	// The largest and smallest Ints pass.
	for _, f := range []string{"2147483647", "-2147483648"} {
		r := g.send(t, http.MethodPost, "application/json", admin, body(`query($f: Int) { orders(first: $f) { edges { cursor } } }`, `{"f":`+f+`}`))
		for _, e := range r.Errors {
			if strings.Contains(e.Message, "Int cannot represent") {
				t.Fatalf("%s refused: %s", f, r.raw)
			}
		}
	}
	if after := snapshot(t, g.db); after != before {
		t.Fatalf("data changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
