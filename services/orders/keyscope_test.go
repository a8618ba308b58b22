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
	o, err := f.orders.CreateOrder(f.ctx, c1, []orders.Line{{ProductID: p, Qty: 1}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.orders.CreateOrder(f.ctx, c2, []orders.Line{{ProductID: p, Qty: 1}})
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
