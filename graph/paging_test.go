package graph_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/internal/gqlcode"
)

type pageInfo struct {
	HasNextPage, HasPreviousPage bool
	StartCursor, EndCursor       *string
}

type idConnection struct {
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo pageInfo
}

// walk pages through a connection with first n and returns every id seen.
func walk(t *testing.T, e *env, auth, query string, n int, get func(data []byte) idConnection) []string {
	t.Helper()
	var ids []string
	var after any
	for range 100 {
		r := e.do(auth, query, vars("first", n, "after", after))
		if len(r.Errors) > 0 {
			t.Fatalf("errors: %+v", r.Errors)
		}
		conn := get(r.Data)
		if len(conn.Edges) > n {
			t.Fatalf("page of %d edges, asked for %d", len(conn.Edges), n)
		}
		for _, edge := range conn.Edges {
			if edge.Cursor == edge.Node.ID || edge.Cursor == "" {
				t.Fatalf("cursor %q shows the id %s: cursors are opaque", edge.Cursor, edge.Node.ID)
			}
			ids = append(ids, edge.Node.ID)
		}
		if len(conn.Edges) > 0 && (*conn.PageInfo.EndCursor != conn.Edges[len(conn.Edges)-1].Cursor || *conn.PageInfo.StartCursor != conn.Edges[0].Cursor) {
			t.Fatalf("pageInfo %+v does not match the edges", conn.PageInfo)
		}
		if !conn.PageInfo.HasNextPage {
			return ids
		}
		after = *conn.PageInfo.EndCursor
	}
	t.Fatal("no last page after 100 pages")
	return nil
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	for i := range 21 {
		e.ok(admin, `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`,
			vars("in", map[string]any{"name": fmt.Sprint("Paged ", i), "email": fmt.Sprintf("paged%d@example.com", i)}), nil)
	}
	q := `query($first: Int, $after: String) { customers(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	get := func(data []byte) idConnection {
		var d struct{ Customers idConnection }
		mustJSON(t, data, &d)
		return d.Customers
	}
	ids := walk(t, e, admin, q, 4, get)
	if len(ids) != 26 {
		t.Fatalf("walked %d customers, want 26", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] && len(ids[i-1]) >= len(ids[i]) {
			t.Fatalf("ids not ascending: %v", ids)
		}
	}

	// first defaults to 20 and is capped at 100.
	var def struct{ Customers idConnection }
	e.ok(admin, `{ customers { edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, &def)
	if len(def.Customers.Edges) != 20 || !def.Customers.PageInfo.HasNextPage {
		t.Fatalf("default page: %d edges, hasNextPage %v", len(def.Customers.Edges), def.Customers.PageInfo.HasNextPage)
	}
	var capped struct{ Customers idConnection }
	e.ok(admin, `{ customers(first: 1000) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, &capped)
	if len(capped.Customers.Edges) != 26 || capped.Customers.PageInfo.HasNextPage {
		t.Fatalf("first 1000: %d edges", len(capped.Customers.Edges))
	}

	zero := e.fails(admin, `{ customers(first: 0) { edges { cursor } } }`, nil, gqlcode.BadUserInput)
	if zero.field() != "first" {
		t.Fatalf("first 0: %+v", zero)
	}
	garbage := e.fails(admin, `{ customers(after: "nonsense") { edges { cursor } } }`, nil, gqlcode.BadUserInput)
	if garbage.field() != "after" {
		t.Fatalf("bad cursor: %+v", garbage)
	}
	// A cursor of another list is refused, not read as a customer id.
	var products struct{ Products idConnection }
	e.ok(admin, `{ products(first: 1) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, &products)
	e.fails(admin, `query($a: String) { customers(after: $a) { edges { cursor } } }`, vars("a", products.Products.Edges[0].Cursor), gqlcode.BadUserInput)
	forged := base64.RawURLEncoding.EncodeToString([]byte("customer:-4"))
	e.fails(admin, `query($a: String) { customers(after: $a) { edges { cursor } } }`, vars("a", forged), gqlcode.BadUserInput)

	// Products and orders page the same way.
	pq := `query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	if got := walk(t, e, admin, pq, 3, func(data []byte) idConnection {
		var d struct{ Products idConnection }
		mustJSON(t, data, &d)
		return d.Products
	}); len(got) != 10 {
		t.Fatalf("walked %d products, want 10", len(got))
	}
	oq := `query($first: Int, $after: String) { orders(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	if got := walk(t, e, admin, oq, 3, func(data []byte) idConnection {
		var d struct{ Orders idConnection }
		mustJSON(t, data, &d)
		return d.Orders
	}); strings.Join(got, ",") != "1,2,3,4" {
		t.Fatalf("walked orders %v", got)
	}
	// Customer.orders pages inside each customer.
	cq := `query($first: Int, $after: String) { customer(id: "1") { orders(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`
	if got := walk(t, e, admin, cq, 1, func(data []byte) idConnection {
		var d struct{ Customer struct{ Orders idConnection } }
		mustJSON(t, data, &d)
		return d.Customer.Orders
	}); strings.Join(got, ",") != "1,4" {
		t.Fatalf("customer 1's orders %v", got)
	}
}

func TestOrderFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	ids := func(q string, v map[string]any) string {
		var d struct{ Orders idConnection }
		e.ok(admin, q, v, &d)
		var out []string
		for _, edge := range d.Orders.Edges {
			out = append(out, edge.Node.ID)
		}
		return strings.Join(out, ",")
	}
	if got := ids(`{ orders(status: CONFIRMED) { edges { node { id } } } }`, nil); got != "1,3" {
		t.Fatalf("CONFIRMED: %s", got)
	}
	if got := ids(`{ orders(customerId: "1") { edges { node { id } } } }`, nil); got != "1,4" {
		t.Fatalf("customer 1: %s", got)
	}
	if got := ids(`query($from: DateTime, $to: DateTime) { orders(from: $from, to: $to) { edges { node { id } } } }`,
		vars("from", "2024-01-01T15:00:00Z", "to", "2024-01-01T15:30:00.000Z")); got != "2,3" {
		t.Fatalf("from/to: %s", got)
	}
	bad := e.fails(admin, `{ orders(from: "yesterday") { edges { cursor } } }`, nil, gqlcode.BadUserInput)
	if bad.Message == "" {
		t.Fatalf("bad from: %+v", bad)
	}
}
