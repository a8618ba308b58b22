package orders_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/orderevent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

// events returns the outbox rows of an order, in sequence.
func (f *fixture) events(t *testing.T, orderID int) []*ent.OrderEvent {
	t.Helper()
	rows, err := f.db.Client.OrderEvent.Query().Where(orderevent.OrderID(orderID)).Order(ent.Asc(orderevent.FieldSeq)).All(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func eventTypes(rows []*ent.OrderEvent) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%d:%s", r.Seq, r.Type))
	}
	return out
}

// Every committed change of an order writes its event in the same
// transaction, numbered in the order's sequence; a change that rolled back,
// or did not happen, writes none.
func TestOutbox(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "o@o.com")
	p := f.product(t, "O", 250, 10)

	o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(f.events(t, o.ID)); fmt.Sprint(got) != "[1:order.created]" {
		t.Fatalf("after create: %v", got)
	}
	if _, err := f.orders.ConfirmOrder(f.ctx, o.ID, "ob-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.ConfirmOrder(f.ctx, o.ID, "ob-1"); err != nil { // a replay: no change
		t.Fatal(err)
	}
	if _, err := f.orders.CancelOrder(f.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.CancelOrder(f.ctx, o.ID); err != nil { // canceled already: no change
		t.Fatal(err)
	}
	rows := f.events(t, o.ID)
	if got := eventTypes(rows); fmt.Sprint(got) != "[1:order.created 2:order.confirmed 3:order.canceled]" {
		t.Fatalf("after confirm and cancel: %v", got)
	}
	var body orders.EventBody
	if err := json.Unmarshal([]byte(rows[2].Payload), &body); err != nil {
		t.Fatal(err)
	}
	if body.ID != rows[2].EventID || body.Type != orders.EventCanceled || body.Seq != 3 || body.OrderID != o.ID ||
		body.Order.Status != "CANCELED" || body.Order.TotalCents != 500 || len(body.Order.Items) != 1 ||
		body.Order.Items[0].Qty != 2 || body.Order.Items[0].ProductSKU != "O" || body.OccurredAt == "" {
		t.Fatalf("payload %s", rows[2].Payload)
	}

	// Created and confirmed at once: two events, one transaction.
	cc, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, IdempotencyKey: "ob-2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(f.events(t, cc.ID)); fmt.Sprint(got) != "[1:order.created 2:order.confirmed]" {
		t.Fatalf("create and confirm: %v", got)
	}

	// Refused work leaves nothing: short stock rolls the order back.
	before, err := f.db.Client.OrderEvent.Query().Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1000}}}); services.KindOf(err) != services.FailedPrecondition {
		t.Fatalf("short stock: %v", err)
	}
	if _, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, IdempotencyKey: "ob-2"}); err != nil {
		t.Fatal(err) // a replay
	}
	if after, _ := f.db.Client.OrderEvent.Query().Count(t.Context()); after != before {
		t.Fatalf("%d events after refused and replayed work, want %d", after, before)
	}
}

// Racing duplicates of one change write one event.
func TestOutboxRaces(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "r@r.com")
	p := f.product(t, "R", 100, 1000)
	o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = f.orders.ConfirmOrder(f.ctx, o.ID, "race-key") })
		wg.Go(func() {
			_, _ = f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, IdempotencyKey: "race-cc"})
		})
	}
	wg.Wait()
	if got := eventTypes(f.events(t, o.ID)); fmt.Sprint(got) != "[1:order.created 2:order.confirmed]" {
		t.Fatalf("confirm raced: %v", got)
	}
	n, err := f.db.Client.OrderEvent.Query().Where(orderevent.TypeEQ(orders.EventCreated)).Count(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("%d created events, want 2 (the order and one create-and-confirm): %v", n, err)
	}
}
