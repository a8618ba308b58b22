package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/gqlcode"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := `{ products { edges { node { id } } } customers { edges { cursor } } }`

	// Each root field is refused on its own, at its path, as a federation
	// gateway answers a subgraph's refusal; both are non-null, so data is
	// null.
	r := e.do("", q, nil)
	paths := map[string]bool{}
	for _, err := range r.Errors {
		if err.code() == gqlcode.Unauthenticated && len(err.Path) == 1 {
			paths[fmt.Sprint(err.Path[0])] = true
		}
	}
	if len(r.Errors) != 2 || !paths["products"] || !paths["customers"] || string(r.Data) != "null" {
		t.Fatalf("anonymous: data %s errors %+v, want UNAUTHENTICATED at products and customers and no data", r.Data, r.Errors)
	}
	e.fails("", `{ order(id: "1") { id } }`, nil, gqlcode.Unauthenticated)
	bad := e.fails("Bearer not-a-token", `{ order(id: "1") { id } }`, nil, gqlcode.Unauthenticated)
	if bad.Message != "Invalid or expired token" {
		t.Fatalf("bad token: %+v", bad)
	}
	e.fails("Basic dXNlcjpwYXNz", `{ order(id: "1") { id } }`, nil, gqlcode.Unauthenticated)
	e.ok("Bearer "+testServiceToken, q, nil, nil)

	// The schema is open to anyone (the default policy), credentials or
	// not, and so is __typename ...
	var sdl struct {
		Service struct{ SDL string } `json:"_service"`
	}
	e.ok("", `{ _service { sdl } __typename }`, nil, &sdl)
	if !strings.Contains(sdl.Service.SDL, `type Customer @key(fields: "id")`) {
		t.Fatalf("_service sdl without Customer's key:\n%s", sdl.Service.SDL)
	}
	e.ok("", `{ __schema { queryType { name } } }`, nil, nil)
	// Lists inside introspection too (list elements are no root fields).
	var types struct {
		Schema struct{ Types []struct{ Name string } } `json:"__schema"`
	}
	e.ok("", `{ __schema { types { name fields { name type { kind } } } } }`, nil, &types)
	if len(types.Schema.Types) < 20 {
		t.Fatalf("%d types", len(types.Schema.Types))
	}
	// ... but a schema field beside a data field does not open the data.
	e.fails("", `{ __typename products { edges { cursor } } }`, nil, gqlcode.Unauthenticated)
}

// The operator's introspection policy: authenticated closes the schema to
// callers without credentials, off closes __schema and __type to everyone
// but leaves _service to authenticated callers (gateways compose from it).
func TestIntrospectionPolicy(t *testing.T) {
	t.Parallel()
	authn := newEnv(t, withOptions(server.Options{Introspection: server.IntrospectionAuthenticated}))
	authn.ok("", `{ __typename }`, nil, nil)
	authn.fails("", `{ _service { sdl } }`, nil, gqlcode.Unauthenticated)
	authn.fails("", `{ __schema { queryType { name } } }`, nil, gqlcode.Unauthenticated)
	authn.fails("", `{ __type(name: "Order") { name } }`, nil, gqlcode.Unauthenticated)
	authn.ok(authn.customer(1), `{ __schema { queryType { name } } _service { sdl } }`, nil, nil)
	// With introspection closed to some, validation does not suggest
	// field names.
	if e := authn.fails("", `{ ordrs { edges { cursor } } }`, nil, gqlcode.ValidationFailed); strings.Contains(e.Message, "orders") {
		t.Fatalf("a closed schema's validation suggests a field: %q", e.Message)
	}
	// Nor over server-sent events, which gqlgen validates itself.
	sse := authn.c.SSE(t.Context(), `subscription { ordrEvents { eventId } }`)
	var first struct{ Errors json.RawMessage }
	_ = sse.Next(&first) // an answer with errors is also an error of the client's
	if !strings.Contains(string(first.Errors), gqlcode.ValidationFailed) || strings.Contains(string(first.Errors), "orderEvents") {
		t.Fatalf("a closed schema's subscription validation: %s", first.Errors)
	}
	_ = sse.Close()

	off := newEnv(t, withOptions(server.Options{Introspection: server.IntrospectionOff}))
	admin := off.admin()
	off.fails(admin, `{ __schema { queryType { name } } }`, nil, gqlcode.Forbidden)
	off.fails(admin, `{ __type(name: "Order") { name } }`, nil, gqlcode.Forbidden)
	off.ok(admin, `{ _service { sdl } }`, nil, nil)
	off.fails("", `{ _service { sdl } }`, nil, gqlcode.Unauthenticated)
	off.ok("", `{ __typename }`, nil, nil)
}

func TestAuthOptional(t *testing.T) {
	t.Parallel()
	e := newEnv(t, authOptional())
	var d struct{ Customer struct{ Name string } }
	e.ok("", `{ customer(id: "1") { name } }`, nil, &d)
	if d.Customer.Name != "ACME Corporation" {
		t.Fatalf("anonymous with AUTH_REQUIRED=false: %+v", d)
	}
	// A credential that is refused stays refused.
	e.fails("Bearer not-a-token", `{ customer(id: "1") { name } }`, nil, gqlcode.Unauthenticated)
}

func TestCustomerScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	me := e.customer(1)

	var own struct {
		Customer struct {
			Name   string
			Orders struct {
				Edges []struct {
					Node struct {
						ID       string
						Customer struct{ ID string }
						Items    []struct{ Product struct{ Sku string } }
					}
				}
			}
		}
	}
	e.ok(me, `{ customer(id: "1") { name orders { edges { node { id customer { id } items { product { sku } } } } } } }`, nil, &own)
	if own.Customer.Name != "ACME Corporation" || len(own.Customer.Orders.Edges) != 2 || own.Customer.Orders.Edges[0].Node.Customer.ID != "1" || len(own.Customer.Orders.Edges[0].Node.Items) == 0 {
		t.Fatalf("own customer: %+v", own)
	}
	e.fails(me, `{ customer(id: "2") { name } }`, nil, gqlcode.NotFound)
	e.fails(me, `{ order(id: "2") { id } }`, nil, gqlcode.NotFound)

	var lists struct {
		Customers struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Orders struct {
			Edges []struct {
				Node struct {
					ID       string
					Customer struct{ Name string }
				}
			}
		}
	}
	e.ok(me, `{ customers { edges { node { id } } } orders(first: 100) { edges { node { id customer { name } } } } }`, nil, &lists)
	if len(lists.Customers.Edges) != 1 || lists.Customers.Edges[0].Node.ID != "1" {
		t.Fatalf("customers seen by customer 1: %+v", lists.Customers)
	}
	var orderIDs []string
	for _, edge := range lists.Orders.Edges {
		orderIDs = append(orderIDs, edge.Node.ID)
		if edge.Node.Customer.Name != "ACME Corporation" {
			t.Fatalf("order %s has customer %+v", edge.Node.ID, edge.Node.Customer)
		}
	}
	if strings.Join(orderIDs, ",") != "1,4" {
		t.Fatalf("orders seen by customer 1: %v", orderIDs)
	}
	// Filtering on another customer finds nothing rather than their orders.
	var other struct {
		Orders struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	e.ok(me, `{ orders(customerId: "2") { edges { node { id } } } }`, nil, &other)
	if len(other.Orders.Edges) != 0 {
		t.Fatalf("customer 1 sees customer 2's orders: %+v", other)
	}

	// _entities answers null for what the customer may not see.
	var ents struct {
		Entities []map[string]any `json:"_entities"`
	}
	e.ok(me, `query($r: [_Any!]!) { _entities(representations: $r) {
		... on Customer { id name orders { edges { node { id } } } }
		... on Order { id status }
		... on Product { id sku } } }`,
		vars("r", []any{
			map[string]any{"__typename": "Customer", "id": "1"},
			map[string]any{"__typename": "Customer", "id": "2"},
			map[string]any{"__typename": "Order", "id": "4"},
			map[string]any{"__typename": "Order", "id": "2"},
			map[string]any{"__typename": "Product", "id": "3"},
		}), &ents)
	got := ents.Entities
	if len(got) != 5 || got[0]["name"] != "ACME Corporation" || got[1] != nil || got[2]["status"] != "CANCELED" || got[3] != nil || got[4]["sku"] != "KEYBOARD-001" {
		t.Fatalf("_entities as customer 1: %+v", got)
	}

	e.fails(me, `mutation { createOrder(input: {customerId: "2", items: [{productId: "1", quantity: 1}]}) { id } }`, nil, gqlcode.Forbidden)
	e.fails(me, `mutation { cancelOrder(id: "2") { id } }`, nil, gqlcode.NotFound)
	e.fails(me, `mutation { confirmOrder(id: "2", idempotencyKey: "x") { id } }`, nil, gqlcode.NotFound)
	e.fails(me, `mutation { deleteCustomer(id: "1") }`, nil, gqlcode.Forbidden)
	var placed struct {
		CreateOrder struct{ Customer struct{ ID string } }
	}
	e.ok(me, `mutation { createOrder(input: {customerId: "1", items: [{productId: "1", quantity: 1}]}) { customer { id } } }`, nil, &placed)
	if placed.CreateOrder.Customer.ID != "1" {
		t.Fatalf("own order: %+v", placed)
	}
}
