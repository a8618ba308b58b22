package orders_test

import (
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

// A key written before keys had scopes (scope "", as the original system
// and the migration left them) still guards its order for every caller
// until it expires: a confirm with it replays, and no caller can bind it
// to another order.
func TestKeysFromBeforeScopesStillGuard(t *testing.T) {
	f := newFixture(t)
	c1, c2 := f.customer(t, "a@a.com"), f.customer(t, "b@b.com")
	p := f.product(t, "P", 100, 100)
	o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c1, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c2, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"success": true, "orderId": 0, "status": "CONFIRMED"}`
	if err := f.db.Client.IdempotencyKey.Create().SetKeyValue("old-key").SetTargetType("order").SetTargetID(o.ID).
		SetStatus("completed").SetResponseBody(body).SetCreatedAt(start).SetExpiresAt(start.Add(24 * time.Hour)).Exec(t.Context()); err != nil {
		t.Fatal(err)
	}
	asCustomer := func(id int) *services.Principal {
		return &services.Principal{Role: services.RoleCustomer, CustomerID: id, Subject: "c"}
	}
	// Customer 1 replays it: the order stays CREATED, as the key found it
	// (a legacy key's replay answers with the order as it is).
	got, err := f.orders.ConfirmOrder(services.WithPrincipal(t.Context(), *asCustomer(c1)), o.ID, "old-key")
	if err != nil || got.ID != o.ID || got.Status != orders.StatusCreated {
		t.Fatalf("customer 1: %+v, %v", got, err)
	}
	// Customer 2 cannot bind it to its own order while it lives.
	if _, err := f.orders.ConfirmOrder(services.WithPrincipal(t.Context(), *asCustomer(c2)), other.ID, "old-key"); services.ErrorOf(err).Code != services.CodeKeyReused {
		t.Fatalf("customer 2: %v, want idempotency_key_reused", err)
	}
	// Once it has expired it guards nothing: customer 2's key of that value
	// is its own.
	f.clock.Advance(25 * time.Hour)
	if got, err := f.orders.ConfirmOrder(services.WithPrincipal(t.Context(), *asCustomer(c2)), other.ID, "old-key"); err != nil || got.Status != orders.StatusConfirmed {
		t.Fatalf("customer 2 after expiry: %+v, %v", got, err)
	}
}

// REST's create under a key: a retry answers with the first order and
// takes no more stock; the key, in its scope, guards that request only.
func TestCreateOrderUnderKey(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "k@k.com")
	p := f.product(t, "K", 100, 10)
	lines := []orders.Line{{ProductID: p, Qty: 2}}
	first, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: lines, IdempotencyKey: new("create-1")})
	if err != nil || first.Status != orders.StatusCreated {
		t.Fatalf("first: %+v, %v", first, err)
	}
	again, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: lines, IdempotencyKey: new("create-1")})
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry: %+v, %v; want order %d", again, err, first.ID)
	}
	if s := f.stock(t, p); s != 8 {
		t.Fatalf("stock %d, want 8: one order", s)
	}
	if _, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, IdempotencyKey: new("create-1")}); services.ErrorOf(err).Code != services.CodeKeyReused {
		t.Fatalf("the key for another request: %v", err)
	}
	// The same key guards create-and-confirm apart: another operation.
	if _, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: lines, IdempotencyKey: "create-1"}); services.ErrorOf(err).Code != services.CodeKeyReused {
		t.Fatalf("the key of a create, for create-and-confirm: %v", err)
	}
}

// A create-and-confirm key written before the scope migration (the
// migration leaves such keys in scope "") still replays for the
// orchestrator: a process started after the migration looks the key up
// before it places, while any such key may live, rather than trusting its
// scoped insert to find the duplicate.
func TestCreateAndConfirmKeyFromBeforeScopesReplays(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "m@m.com")
	p := f.product(t, "M", 100, 10)
	in := orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 2}}, IdempotencyKey: "pre-scope"}
	first, err := f.orders.CreateAndConfirm(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SQL.ExecContext(t.Context(), `UPDATE idempotency_keys SET scope = ''`); err != nil {
		t.Fatalf("moving the key to scope \"\": %v", err)
	}
	restarted := orders.New(f.db, f.customers, orders.Config{Now: f.clock.Now})
	again, err := restarted.CreateAndConfirm(f.ctx, in)
	if err != nil || again.ID != first.ID {
		t.Fatalf("replay: %+v, %v; want order %d", again, err, first.ID)
	}
	if s := f.stock(t, p); s != 8 {
		t.Fatalf("stock %d, want 8: one order", s)
	}
	// Once the key has expired, nothing from before scopes lives, and a
	// new key costs no lookup; the same value places a new order.
	f.clock.Advance(25 * time.Hour)
	if next, err := restarted.CreateAndConfirm(f.ctx, in); err != nil || next.ID == first.ID {
		t.Fatalf("after expiry: %+v, %v; want a new order", next, err)
	}
}
