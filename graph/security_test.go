package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/auth/authtest"
	"github.com/b2b-orders/platform/internal/gqlcode"
)

// Every forged token, and every wrong form of the service token, gets one
// UNAUTHENTICATED error and no data, on queries, mutations and _entities,
// and nothing changes.
func TestForgedCredentialsRefused(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	before := snapshot(t, g.db)
	credentials := map[string]string{
		"service token, wrong":       "Bearer wrong-service-token",
		"service token, empty":       "Bearer ",
		"service token, prefix":      "Bearer " + testServiceToken[:len(testServiceToken)-1],
		"service token, extended":    "Bearer " + testServiceToken + "x",
		"service token, no scheme":   testServiceToken,
		"service token, as Basic":    "Basic " + testServiceToken,
		"a token beside the service": "Bearer " + testServiceToken + " " + testServiceToken,
	}
	for name, tok := range authtest.Forged(t, []byte(testSecret), g.now) {
		if name != authtest.Control {
			credentials[name] = "Bearer " + tok
		}
	}
	operations := []string{
		`{ customers { edges { node { id email } } } }`,
		`{ customer(id: "2") { name orders { edges { node { id } } } } }`,
		`{ order(id: "2") { customer { email } } }`,
		`query { _entities(representations: [{__typename: "Customer", id: "2"}]) { ... on Customer { email } } }`,
		`mutation { cancelOrder(id: "2") { id } }`,
		`mutation { updateProduct(id: "1", input: {stock: 0}) { id } }`,
		`mutation { createAndConfirmOrder(input: {customerId: "2", items: [{productId: "1", quantity: 1}], idempotencyKey: "evil"}) { id } }`,
	}
	for name, authorization := range credentials {
		for _, op := range operations {
			r := g.post(t, authorization, op, nil)
			if len(r.Errors) != 1 || r.Errors[0].code() != gqlcode.Unauthenticated || !nothingRead(r.Data) {
				t.Errorf("%s: %s: %s", name, op, r.raw)
			}
		}
	}
	if after := snapshot(t, g.db); after != before {
		t.Fatalf("data changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// A customer's token reaches nothing of another customer's through any
// path of the graph: top-level queries, nested fields in both directions,
// _entities, lists and their filters, and every mutation. Refusals are
// NOT_FOUND or FORBIDDEN, unreachable entities are null, lists hold only
// its own rows, and nothing changes.
func TestCustomerTokenReachesNothingOfAnother(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	me := g.customer(t, 1)
	before := snapshot(t, g.db)
	// Customer 2's email and customer 3's, which must appear nowhere.
	secrets := []string{"procurement@techstart.com", "buyers@globalind.com", "TechStart", "Global Industries"}
	leaks := func(t *testing.T, op string, r gqlResponse) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(r.Data), s) {
				t.Errorf("%s leaks %q: %s", op, s, r.raw)
			}
		}
	}
	refused := []struct{ op, code string }{
		{`{ customer(id: "2") { id } }`, gqlcode.NotFound},
		{`{ order(id: "2") { id } }`, gqlcode.NotFound},
		{`{ order(id: "3") { customer { email } } }`, gqlcode.NotFound},
		{`mutation { updateCustomer(id: "2", input: {name: "Owned"}) { id } }`, gqlcode.NotFound},
		{`mutation { updateCustomer(id: "2", input: {email: "x@example.com"}) { email } }`, gqlcode.NotFound},
		{`mutation { deleteCustomer(id: "2") }`, gqlcode.Forbidden},
		{`mutation { createCustomer(input: {name: "M", email: "m@example.com"}) { id } }`, gqlcode.Forbidden},
		{`mutation { createProduct(input: {sku: "EVIL", name: "e", priceCents: 1}) { id } }`, gqlcode.Forbidden},
		{`mutation { updateProduct(id: "1", input: {stock: 0}) { id } }`, gqlcode.Forbidden},
		{`mutation { createOrder(input: {customerId: "2", items: [{productId: "1", quantity: 1}]}) { id } }`, gqlcode.Forbidden},
		{`mutation { createAndConfirmOrder(input: {customerId: "3", items: [{productId: "1", quantity: 1}], idempotencyKey: "evil"}) { id } }`, gqlcode.Forbidden},
		{`mutation { confirmOrder(id: "2", idempotencyKey: "evil") { id } }`, gqlcode.NotFound},
		{`mutation { cancelOrder(id: "2") { id } }`, gqlcode.NotFound},
		{`mutation { cancelOrder(id: "3") { customer { email } } }`, gqlcode.NotFound},
	}
	for _, tc := range refused {
		t.Run(tc.op, func(t *testing.T) {
			r := g.post(t, me, tc.op, nil)
			if len(r.Errors) != 1 || r.Errors[0].code() != tc.code {
				t.Fatalf("%s, want one %s", r.raw, tc.code)
			}
			leaks(t, tc.op, r)
		})
	}

	// Paths that answer, with only the caller's rows.
	answered := []string{
		`{ customers(first: 10) { edges { node { id email orders(first: 10) { edges { node { id customer { id email } } } } } } } }`,
		`{ customers(search: "@", first: 100) { edges { node { id email } } } }`,
		`{ orders(first: 100) { edges { node { id customer { id email orders { edges { node { id } } } } items { product { id } } } } } }`,
		`{ orders(customerId: "2", first: 100) { edges { node { id customer { email } } } } }`,
		`{ orders(customerId: "3", status: CONFIRMED) { edges { node { id } } } }`,
		`{ order(id: "1") { customer { id email orders(first: 100) { edges { node { id customer { email } } } } } } }`,
		`{ customer(id: "1") { orders(first: 100) { edges { node { customer { id email } items { product { sku } } } } } } }`,
		`query { _entities(representations: [
			{__typename: "Customer", id: "2"}, {__typename: "Customer", id: "3"},
			{__typename: "Order", id: "2"}, {__typename: "Order", id: "3"},
			{__typename: "Customer", id: "1"}, {__typename: "Order", id: "1"}]) {
			... on Customer { id email orders { edges { node { id customer { email } } } } }
			... on Order { id customer { id email } } } }`,
	}
	for _, op := range answered {
		t.Run(op, func(t *testing.T) {
			r := g.post(t, me, op, nil)
			if len(r.Errors) != 0 {
				t.Fatalf("errors: %s", r.raw)
			}
			leaks(t, op, r)
			// Every order and customer id in the answer is customer 1's:
			// orders 1 and 4, customer 1.
			var walk func(v any, typ string)
			walk = func(v any, typ string) {
				switch v := v.(type) {
				case map[string]any:
					if id, ok := v["id"].(string); ok {
						if _, isCustomer := v["email"]; isCustomer && id != "1" {
							t.Errorf("customer %s in %s", id, r.raw)
						}
						if _, isOrder := v["customer"]; isOrder && id != "1" && id != "4" {
							t.Errorf("order %s in %s", id, r.raw)
						}
					}
					for _, c := range v {
						walk(c, typ)
					}
				case []any:
					for _, c := range v {
						walk(c, typ)
					}
				}
			}
			var data any
			if err := json.Unmarshal(r.Data, &data); err != nil {
				t.Fatal(err)
			}
			walk(data, "")
		})
	}
	if after := snapshot(t, g.db); after != before {
		t.Fatalf("data changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// nothingRead reports whether data holds nothing: absent, null, or an
// object whose every root field is null (or a list of nulls, as _entities
// answers). A refused root field answers null with its own error.
func nothingRead(data json.RawMessage) bool {
	if len(data) == 0 || string(data) == "null" {
		return true
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return false
	}
	for _, v := range fields {
		if s := strings.ReplaceAll(string(v), "null", ""); strings.Trim(s, "[], ") != "" {
			return false
		}
	}
	return true
}
