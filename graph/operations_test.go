package graph_test

import (
	"strings"
	"testing"

	"github.com/b2b-orders/platform/internal/gqlcode"
)

const customerFields = `id name email phone createdAt`

func TestCustomerOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()

	var created struct {
		CreateCustomer struct{ ID, Name, Email, CreatedAt string }
	}
	e.ok(admin, `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { `+customerFields+` } }`,
		vars("in", map[string]any{"name": "Zed", "email": "zed@example.com"}), &created)
	c := created.CreateCustomer
	if c.Name != "Zed" || c.Email != "zed@example.com" || c.CreatedAt != "2025-03-01T12:00:00.000Z" {
		t.Fatalf("created %+v", c)
	}

	var got struct{ Customer struct{ Name string } }
	e.ok(admin, `query($id: ID!) { customer(id: $id) { name } }`, vars("id", c.ID), &got)
	if got.Customer.Name != "Zed" {
		t.Fatalf("customer = %+v", got)
	}

	var updated struct{ UpdateCustomer struct{ Name, Email string } }
	e.ok(admin, `mutation($id: ID!) { updateCustomer(id: $id, input: {name: "Zoe"}) { name email } }`, vars("id", c.ID), &updated)
	if updated.UpdateCustomer.Name != "Zoe" || updated.UpdateCustomer.Email != "zed@example.com" {
		t.Fatalf("updated %+v", updated)
	}

	var list struct {
		Customers struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	e.ok(admin, `{ customers(search: "zed@") { edges { node { id } } } }`, nil, &list)
	if len(list.Customers.Edges) != 1 || list.Customers.Edges[0].Node.ID != c.ID {
		t.Fatalf("search = %+v", list)
	}

	var deleted struct{ DeleteCustomer bool }
	e.ok(admin, `mutation($id: ID!) { deleteCustomer(id: $id) }`, vars("id", c.ID), &deleted)
	if !deleted.DeleteCustomer {
		t.Fatal("deleteCustomer = false")
	}
	e.fails(admin, `mutation($id: ID!) { deleteCustomer(id: $id) }`, vars("id", c.ID), gqlcode.NotFound)
	e.fails(admin, `query($id: ID!) { customer(id: $id) { name } }`, vars("id", c.ID), gqlcode.NotFound)
}

func TestCustomerErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	create := `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { id } }`

	bad := e.fails(admin, create, vars("in", map[string]any{"name": "A", "email": "nope"}), gqlcode.BadUserInput)
	if bad.Message != "Invalid email format" || bad.field() != "email" {
		t.Fatalf("invalid email: %+v", bad)
	}
	dup := e.fails(admin, create, vars("in", map[string]any{"name": "A", "email": "ops@acme.com"}), gqlcode.Conflict)
	if dup.Message != "Email already exists" || dup.Extensions["reason"] != "email_taken" {
		t.Fatalf("duplicate: %+v", dup)
	}
	e.fails(admin, `mutation { updateCustomer(id: "1", input: {}) { id } }`, nil, gqlcode.BadUserInput)
	e.fails(admin, `mutation { updateCustomer(id: "999", input: {name: "X"}) { id } }`, nil, gqlcode.NotFound)
	e.fails(e.customer(1), create, vars("in", map[string]any{"name": "A", "email": "a@b.co"}), gqlcode.Forbidden)
	e.fails(admin, `{ customer(id: "999") { id } }`, nil, gqlcode.NotFound)
	badID := e.fails(admin, `{ customer(id: "abc") { id } }`, nil, gqlcode.BadUserInput)
	if badID.field() != "id" {
		t.Fatalf("bad id: %+v", badID)
	}
	e.fails(admin, `query($s: String) { customers(search: $s) { edges { cursor } } }`, vars("s", strings.Repeat("x", 256)), gqlcode.BadUserInput)
}

func TestProductOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	var created struct {
		CreateProduct struct {
			ID, Sku    string
			PriceCents int
			Stock      int
		}
	}
	e.ok(admin, `mutation { createProduct(input: {sku: "NEW-1", name: "New", priceCents: 1234}) { id sku priceCents stock } }`, nil, &created)
	if created.CreateProduct.Stock != 0 || created.CreateProduct.PriceCents != 1234 {
		t.Fatalf("created %+v", created)
	}
	var updated struct{ UpdateProduct struct{ Stock int } }
	e.ok(admin, `mutation($id: ID!) { updateProduct(id: $id, input: {stock: 7}) { stock } }`, vars("id", created.CreateProduct.ID), &updated)
	if updated.UpdateProduct.Stock != 7 {
		t.Fatalf("updated %+v", updated)
	}
	var got struct{ Product struct{ Name string } }
	e.ok(e.customer(2), `{ product(id: "1") { name } }`, nil, &got)
	if got.Product.Name != "Professional Laptop" {
		t.Fatalf("product = %+v", got)
	}
	var list struct {
		Products struct {
			Edges []struct{ Node struct{ Sku string } }
		}
	}
	e.ok(admin, `{ products(search: "MOUSE") { edges { node { sku } } } }`, nil, &list)
	if len(list.Products.Edges) != 2 {
		t.Fatalf("search MOUSE = %+v", list)
	}

	neg := e.fails(admin, `mutation { createProduct(input: {sku: "X", name: "X", priceCents: -1}) { id } }`, nil, gqlcode.BadUserInput)
	if neg.Message != "Price must be non-negative" || neg.field() != "price_cents" {
		t.Fatalf("negative price: %+v", neg)
	}
	dup := e.fails(admin, `mutation { createProduct(input: {sku: "LAPTOP-001", name: "X", priceCents: 1}) { id } }`, nil, gqlcode.Conflict)
	if dup.Message != "SKU already exists" {
		t.Fatalf("duplicate sku: %+v", dup)
	}
	e.fails(admin, `{ product(id: "999") { id } }`, nil, gqlcode.NotFound)
	e.fails(e.customer(1), `mutation { updateProduct(id: "1", input: {stock: 1}) { id } }`, nil, gqlcode.Forbidden)
}

const orderFields = `id status totalCents createdAt confirmedAt canceledAt
	customer { id name }
	items { id quantity unitPriceCents subtotalCents product { id sku stock } }`

type orderJSON struct {
	ID          string
	Status      string
	TotalCents  int
	ConfirmedAt *string
	CanceledAt  *string
	Customer    *struct{ ID, Name string }
	Items       []struct {
		Quantity, UnitPriceCents, SubtotalCents int
		Product                                 struct {
			ID, Sku string
			Stock   int
		}
	}
}

func TestOrderLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()

	var created struct{ CreateOrder orderJSON }
	e.ok(admin, `mutation { createOrder(input: {customerId: "2", items: [{productId: "2", quantity: 2}, {productId: "9", quantity: 1}, {productId: "2", quantity: 1}]}) { `+orderFields+` } }`, nil, &created)
	o := created.CreateOrder
	if o.Status != "CREATED" || o.TotalCents != 3*2599+1999 || o.Customer == nil || o.Customer.Name != "TechStart Inc" {
		t.Fatalf("created %+v", o)
	}
	if len(o.Items) != 2 || o.Items[0].Quantity != 3 || o.Items[0].Product.Sku != "MOUSE-001" || o.Items[0].Product.Stock != 197 {
		t.Fatalf("items %+v", o.Items)
	}

	var read struct{ Order orderJSON }
	e.ok(admin, `query($id: ID!) { order(id: $id) { `+orderFields+` } }`, vars("id", o.ID), &read)
	if read.Order.ID != o.ID || len(read.Order.Items) != 2 || read.Order.Customer.ID != "2" {
		t.Fatalf("order = %+v", read.Order)
	}

	confirm := `mutation($id: ID!, $key: String!) { confirmOrder(id: $id, idempotencyKey: $key) { id status confirmedAt } }`
	var confirmed struct{ ConfirmOrder orderJSON }
	e.ok(admin, confirm, vars("id", o.ID, "key", "k-1"), &confirmed)
	if confirmed.ConfirmOrder.Status != "CONFIRMED" || confirmed.ConfirmOrder.ConfirmedAt == nil {
		t.Fatalf("confirmed %+v", confirmed)
	}
	e.ok(admin, confirm, vars("id", o.ID, "key", "k-1"), &confirmed) // the same key again answers the same
	reused := e.fails(admin, confirm, vars("id", "1", "key", "k-1"), gqlcode.Conflict)
	if reused.Extensions["reason"] != "idempotency_key_reused" {
		t.Fatalf("reused key: %+v", reused)
	}
	empty := e.fails(admin, confirm, vars("id", o.ID, "key", ""), gqlcode.BadUserInput)
	if empty.field() != "idempotency_key" {
		t.Fatalf("empty key: %+v", empty)
	}

	var canceled struct{ CancelOrder orderJSON }
	e.ok(admin, `mutation($id: ID!) { cancelOrder(id: $id) { `+orderFields+` } }`, vars("id", o.ID), &canceled)
	if canceled.CancelOrder.Status != "CANCELED" || canceled.CancelOrder.Items[0].Product.Stock != 200 {
		t.Fatalf("canceled %+v", canceled.CancelOrder)
	}
	pre := e.fails(admin, confirm, vars("id", o.ID, "key", "k-2"), gqlcode.FailedPrecondition)
	if pre.Message != "Order cannot be confirmed. Current status: CANCELED" {
		t.Fatalf("confirm canceled: %+v", pre)
	}
	e.fails(admin, `mutation { cancelOrder(id: "999") { id } }`, nil, gqlcode.NotFound)
	// Seed order 1 is CONFIRMED and was created long before the clock.
	e.fails(admin, `mutation { cancelOrder(id: "1") { id } }`, nil, gqlcode.FailedPrecondition)
}

func TestCreateOrderErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	create := `mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`
	line := func(p string, q int) map[string]any { return map[string]any{"productId": p, "quantity": q} }

	stock := e.fails(admin, create, vars("in", map[string]any{"customerId": "1", "items": []any{line("4", 31)}}), gqlcode.InsufficientStock)
	if stock.Message != "Insufficient stock for product 27-inch Monitor. Available: 30, Requested: 31" {
		t.Fatalf("stock: %+v", stock)
	}
	missing := e.fails(admin, create, vars("in", map[string]any{"customerId": "1", "items": []any{line("999", 1), line("998", 1)}}), gqlcode.NotFound)
	if missing.Message != "Products not found: 999, 998" {
		t.Fatalf("missing: %+v", missing)
	}
	e.fails(admin, create, vars("in", map[string]any{"customerId": "99", "items": []any{line("1", 1)}}), gqlcode.NotFound)
	e.fails(admin, create, vars("in", map[string]any{"customerId": "1", "items": []any{}}), gqlcode.BadUserInput)
	qty := e.fails(admin, create, vars("in", map[string]any{"customerId": "1", "items": []any{line("1", 0)}}), gqlcode.BadUserInput)
	if qty.Message != "Quantity must be at least 1" {
		t.Fatalf("qty: %+v", qty)
	}
	e.fails(e.customer(1), create, vars("in", map[string]any{"customerId": "2", "items": []any{line("1", 1)}}), gqlcode.Forbidden)
}

func TestCreateAndConfirmOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	op := `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { ` + orderFields + ` } }`
	in := map[string]any{
		"customerId":     "3",
		"items":          []any{map[string]any{"productId": "10", "quantity": 4}},
		"idempotencyKey": "cc-1",
		"correlationId":  "corr-1",
	}
	var first, again struct{ CreateAndConfirmOrder orderJSON }
	e.ok("Bearer "+testServiceToken, op, vars("in", in), &first)
	o := first.CreateAndConfirmOrder
	if o.Status != "CONFIRMED" || o.Customer == nil || o.Customer.Name != "Global Industries" || o.TotalCents != 4*999 || o.Items[0].Product.Stock != 496 {
		t.Fatalf("first %+v", o)
	}
	e.ok("Bearer "+testServiceToken, op, vars("in", in), &again)
	if again.CreateAndConfirmOrder.ID != o.ID || again.CreateAndConfirmOrder.Items[0].Product.Stock != 496 {
		t.Fatalf("replay %+v, want order %s and no more stock taken", again.CreateAndConfirmOrder, o.ID)
	}
	in["items"] = []any{map[string]any{"productId": "10", "quantity": 5}}
	e.fails("Bearer "+testServiceToken, op, vars("in", in), gqlcode.Conflict)
	in["idempotencyKey"] = "cc-2"
	in["items"] = []any{map[string]any{"productId": "4", "quantity": 1000}}
	e.fails(e.admin(), op, vars("in", in), gqlcode.InsufficientStock)
}
