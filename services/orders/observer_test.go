package orders_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

// counts is an orders.Observer that counts, as cmd/b2b's metrics do.
type counts struct {
	created, confirmed, canceled, rejected, replayed atomic.Int64
}

func (c *counts) OrderCreated()   { c.created.Add(1) }
func (c *counts) OrderConfirmed() { c.confirmed.Add(1) }
func (c *counts) OrderCanceled()  { c.canceled.Add(1) }
func (c *counts) StockRejected()  { c.rejected.Add(1) }
func (c *counts) KeyReplayed()    { c.replayed.Add(1) }

func (c *counts) String() string {
	return fmt.Sprintf("created %d, confirmed %d, canceled %d, rejected %d, replayed %d",
		c.created.Load(), c.confirmed.Load(), c.canceled.Load(), c.rejected.Load(), c.replayed.Load())
}

// counted returns a service over f's store that reports to a new counts.
func (f *fixture) counted() (*orders.Service, *counts) {
	c := &counts{}
	return orders.New(f.db, f.customers, orders.Config{Now: f.clock.Now, Observer: c}), c
}

func wantCounts(t *testing.T, c *counts, want string) {
	t.Helper()
	if got := c.String(); got != want {
		t.Fatalf("events: %s\nwant:   %s", got, want)
	}
}

// Each call reports what it did once, after commit; calls that change
// nothing report nothing.
func TestObserverOneByOne(t *testing.T) {
	f := newFixture(t)
	svc, c := f.counted()
	cust := f.customer(t, "c@c.com")
	p := f.product(t, "P", 100, 10)

	o, err := svc.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: cust, Lines: []orders.Line{{ProductID: p, Qty: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConfirmOrder(f.ctx, o.ID, "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConfirmOrder(f.ctx, o.ID, "k1"); err != nil { // replay
		t.Fatal(err)
	}
	if _, err := svc.ConfirmOrder(f.ctx, o.ID, "k2"); err != nil { // already confirmed: no change
		t.Fatal(err)
	}
	wantCounts(t, c, "created 1, confirmed 1, canceled 0, rejected 0, replayed 1")

	if _, err := svc.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: cust, Lines: []orders.Line{{ProductID: p, Qty: 7}}}); services.ErrorOf(err).Code != services.CodeInsufficientStock {
		t.Fatalf("over-order: %v", err)
	}
	if _, err := svc.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: cust, Lines: []orders.Line{{ProductID: p + 1000, Qty: 1}}}); services.KindOf(err) != services.NotFound {
		t.Fatalf("unknown product: %v", err)
	}
	wantCounts(t, c, "created 1, confirmed 1, canceled 0, rejected 1, replayed 1")

	for range 2 { // the second cancel changes nothing
		if _, err := svc.CancelOrder(f.ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	in := orders.CreateAndConfirmInput{CustomerID: cust, Lines: []orders.Line{{ProductID: p, Qty: 10}}, IdempotencyKey: "cc"}
	for range 2 { // the second one replays
		if _, err := svc.CreateAndConfirm(f.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	in.IdempotencyKey = "cc-2"
	if _, err := svc.CreateAndConfirm(f.ctx, in); services.ErrorOf(err).Code != services.CodeInsufficientStock {
		t.Fatalf("create-and-confirm over stock: %v", err)
	}
	wantCounts(t, c, "created 2, confirmed 2, canceled 1, rejected 2, replayed 2")
}

// 32 racing create-and-confirms with one key: one order placed and
// confirmed, 31 replays, whatever path each duplicate took (replay before
// the transaction, inside it after a unique-key retry, or after losing
// the stock to its own first attempt).
func TestObserverRaceCreateAndConfirmSameKey(t *testing.T) {
	f := newFixture(t)
	svc, c := f.counted()
	cust := f.customer(t, "c@c.com")
	p := f.product(t, "P", 100, 3)
	in := orders.CreateAndConfirmInput{CustomerID: cust, Lines: []orders.Line{{ProductID: p, Qty: 3}}, IdempotencyKey: "one-key"}
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = svc.CreateAndConfirm(f.ctx, in) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	wantCounts(t, c, "created 1, confirmed 1, canceled 0, rejected 0, replayed 31")
}

// 64 buyers race for 10 units: 10 orders counted, 54 rejections, none of
// the rolled-back attempts counted.
func TestObserverRaceLastUnits(t *testing.T) {
	f := newFixture(t)
	svc, c := f.counted()
	p := f.product(t, "HOT", 100, 10)
	const buyers = 64
	custs := make([]int, buyers)
	for i := range custs {
		custs[i] = f.customer(t, fmt.Sprintf("b%d@race.com", i))
	}
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			_, errs[i] = svc.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: custs[i], Lines: []orders.Line{{ProductID: p, Qty: 1}}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && services.ErrorOf(err).Code != services.CodeInsufficientStock {
			t.Fatalf("buyer %d: %v", i, err)
		}
	}
	wantCounts(t, c, "created 10, confirmed 0, canceled 0, rejected 54, replayed 0")
}

// A Config without an Observer works: nobody is told.
func TestObserverNil(t *testing.T) {
	f := newFixture(t)
	cust := f.customer(t, "c@c.com")
	p := f.product(t, "P", 100, 1)
	if _, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: cust, Lines: []orders.Line{{ProductID: p, Qty: 1}}, IdempotencyKey: "k"}); err != nil {
		t.Fatal(err)
	}
}
