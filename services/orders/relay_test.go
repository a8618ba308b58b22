package orders_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/b2b-orders/platform/services/orders"
)

// The relay hands every committed event on once, in outbox order, and
// marks it; what publish did not take is handed on again next time. Two
// relays at once take turns: no event twice, none lost.
func TestRelayEvents(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "relay@r.com")
	p := f.product(t, "RL", 100, 1000)
	for i := range 10 {
		if _, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, IdempotencyKey: fmt.Sprint("rl-", i)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	var got []orders.Event
	// publish takes 3 of each batch, then fails: the rest comes again.
	n, err := f.orders.RelayEvents(ctx, 5, func(_ context.Context, evs []orders.Event) (int, error) {
		got = append(got, evs[:3]...)
		return 3, errors.New("broker went away")
	})
	if n != 3 || err == nil {
		t.Fatalf("partial publish: %d, %v", n, err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	publish := func(_ context.Context, evs []orders.Event) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, evs...)
		return len(evs), nil
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				n, err := f.orders.RelayEvents(ctx, 4, publish)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(got) != 20 {
		t.Fatalf("%d events handed on, want 20 (10 orders × created, confirmed)", len(got))
	}
	last := map[int]int{}
	for i, ev := range got {
		seen[ev.ID]++
		if i > 0 && ev.Row <= got[i-1].Row {
			t.Fatalf("event %d (row %d) after row %d: out of order", i, ev.Row, got[i-1].Row)
		}
		if ev.Seq != last[ev.OrderID]+1 {
			t.Fatalf("order %d: seq %d after %d", ev.OrderID, ev.Seq, last[ev.OrderID])
		}
		last[ev.OrderID] = ev.Seq
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("event %s handed on %d times", id, k)
		}
	}
	if n, err := f.orders.RelayEvents(ctx, 10, publish); n != 0 || err != nil {
		t.Fatalf("after all: %d, %v", n, err)
	}
}
