package graph_test

import "testing"

// createOrder under an idempotency key: the retry answers with the first
// order; the key for another request is refused.
func TestCreateOrderUnderKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()
	const q = `mutation($in: CreateOrderInput!) { createOrder(input: $in) { id status } }`
	in := func(qty int) map[string]any {
		return map[string]any{"customerId": "1", "items": []any{map[string]any{"productId": "2", "quantity": qty}}, "idempotencyKey": "g-create-1"}
	}
	var first, again struct{ CreateOrder struct{ ID, Status string } }
	e.ok(admin, q, vars("in", in(1)), &first)
	e.ok(admin, q, vars("in", in(1)), &again)
	if first.CreateOrder.ID == "" || again.CreateOrder.ID != first.CreateOrder.ID || first.CreateOrder.Status != "CREATED" {
		t.Fatalf("first %+v, retry %+v", first, again)
	}
	e.fails(admin, q, vars("in", in(2)), "CONFLICT")
}
