package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/internal/app"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/internal/servetest"
	"github.com/b2b-orders/platform/internal/wake"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

type fixture struct {
	orders *orders.Service
	ctx    context.Context
	cust   int
	prod   int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store := dbtest.Open(t)
	svc := app.New(app.Options{Store: store, Roles: app.Roles()}).Services()
	cs, os := svc.Customers, svc.Orders
	ctx := services.WithPrincipal(t.Context(), services.Principal{Role: services.RoleAdmin, Subject: "test"})
	c, err := cs.Create(ctx, customers.CreateInput{Name: "Events", Email: "events@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.CreateProduct(ctx, orders.CreateProductInput{SKU: "EV", Name: "Event", PriceCents: 100, Stock: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{orders: os, ctx: ctx, cust: c.ID, prod: p.ID}
}

func (f *fixture) place(t testing.TB, key string) {
	t.Helper()
	if _, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: f.cust, Lines: []orders.Line{{ProductID: f.prod, Qty: 1}}, IdempotencyKey: key}); err != nil {
		t.Fatal(err)
	}
}

// drainStream reads every message of the stream, in stream order.
func drainStream(t *testing.T, url string, want int) []orders.EventBody {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, relay.Stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []orders.EventBody
	for len(out) < want {
		batch, err := cons.Fetch(want-len(out), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			var b orders.EventBody
			if err := json.Unmarshal(m.Data(), &b); err != nil {
				t.Fatal(err)
			}
			if m.Subject() != relay.Subject(b.Type) || m.Headers().Get(jetstream.MsgIDHeader) != b.ID {
				t.Fatalf("message %s on %s with id %q", b.Type, m.Subject(), m.Headers().Get(jetstream.MsgIDHeader))
			}
			out = append(out, b)
		}
		if got == 0 {
			break
		}
	}
	// Nothing more than expected.
	if extra, err := cons.Fetch(1, jetstream.FetchMaxWait(500*time.Millisecond)); err == nil {
		for m := range extra.Messages() {
			t.Fatalf("an extra message: %s", m.Data())
		}
	}
	return out
}

// checkExactlyOnce: want events, each id once, each order's in sequence.
func checkExactlyOnce(t *testing.T, got []orders.EventBody, want int) {
	t.Helper()
	if len(got) != want {
		t.Fatalf("%d events in the stream, want %d", len(got), want)
	}
	ids := map[string]bool{}
	seq := map[int]int{}
	for _, b := range got {
		if ids[b.ID] {
			t.Fatalf("event %s twice", b.ID)
		}
		ids[b.ID] = true
		if b.Seq != seq[b.OrderID]+1 {
			t.Fatalf("order %d: event %d after %d", b.OrderID, b.Seq, seq[b.OrderID])
		}
		seq[b.OrderID] = b.Seq
	}
}

// Orders placed while NATS is down, or goes down mid-stream, reach the
// stream once it is back: every event exactly once, in sequence per
// order, a re-publish deduplicated by the event id.
func TestRelayToJetStreamThroughAnOutage(t *testing.T) {
	ns := servetest.StartNATS(t)
	f := newFixture(t)
	bus := &relay.Bus{}
	sub := bus.Subscribe(1000)
	// The relay's turns are counted; failed has the number of each turn
	// that failed (OnError runs in the turn's goroutine, after it).
	outbox := &countingOutbox{Outbox: f.orders}
	failed := make(chan int64, 100)
	rl := &relay.Relay{Orders: outbox, Bus: bus, Batch: 7, Interval: 50 * time.Millisecond, Wake: wake.New(),
		NATS: func(ctx context.Context) (*relay.JetStream, error) { return relay.Connect(ctx, ns.URL(), "test") },
		OnError: func(error) {
			select {
			case failed <- outbox.turns.Load():
			default:
			}
		}}
	ctx, cancel := context.WithCancel(t.Context())
	done, fed := make(chan struct{}), make(chan struct{})
	go func() { rl.Run(ctx); close(done) }()
	// The subscribers are fed from NATS, as in every process.
	subscribed := make(chan struct{})
	go func() { relay.Feed(ctx, ns.URL(), "test", bus, func() { close(subscribed) }); close(fed) }()
	defer func() { cancel(); <-done; <-fed; rl.Close() }()
	<-subscribed

	for i := range 10 {
		f.place(t, fmt.Sprint("a-", i))
	}
	waitFor(t, func() bool { return len(sub.C) == 20 })
	ns.Stop()
	var placed int64 // the turns begun before the outage's first order
	for i := range 10 {
		f.place(t, fmt.Sprint("b-", i))
		if i == 0 {
			placed = outbox.turns.Load()
		}
		rl.Wake.Notify()
	}
	// The relay meets the outage: a turn begun after its first order was
	// placed, which handed its events to publish, failed (unacknowledged,
	// after JetStream.Publish's 10 s).
	for met := false; !met; {
		select {
		case turn := <-failed:
			met = turn > placed
		case <-time.After(30 * time.Second):
			t.Fatal("no turn of the relay failed within 30 s of NATS going down")
		}
	}
	if len(sub.C) != 20 {
		t.Fatalf("%d events delivered in the process while NATS was down, want 20: nothing is delivered before it is published", len(sub.C))
	}
	ns.Restart()
	waitFor(t, func() bool { return len(sub.C) == 40 })
	checkExactlyOnce(t, drainStream(t, ns.URL(), 40), 40)

	// A re-publish (a relay that died before it marked) is dropped by the
	// stream, by the event id.
	js, err := relay.Connect(t.Context(), ns.URL(), "again")
	if err != nil {
		t.Fatal(err)
	}
	defer js.Close()
	var first []orders.Event
	for i := 0; i < 5; i++ {
		ev := <-sub.C
		first = append(first, ev)
	}
	if n, err := js.Publish(t.Context(), first); n != 5 || err != nil {
		t.Fatalf("re-publish: %d, %v", n, err)
	}
	checkExactlyOnce(t, drainStream(t, ns.URL(), 40), 40)
}

// countingOutbox counts the relay's turns.
type countingOutbox struct {
	relay.Outbox
	turns atomic.Int64
}

func (o *countingOutbox) RelayEvents(ctx context.Context, batch int, publish func(context.Context, []orders.Event) (int, error)) (int, error) {
	o.turns.Add(1)
	return o.Outbox.RelayEvents(ctx, batch, publish)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkRelayToJetStream is the relay's throughput into JetStream: a
// backlog of committed events (two per order, placed before the timer)
// relayed in batches of 200 to a nats-server of the benchmark's own, on
// the store the tests use (B2B_TEST_MYSQL_DSN for MariaDB). ns/op is per
// event; run it with -benchtime=Nx.
func BenchmarkRelayToJetStream(b *testing.B) {
	ns := servetest.StartNATS(b)
	f := newFixture(b)
	orders := (b.N + 1) / 2
	for i := range orders {
		f.place(b, fmt.Sprint("bench-", i))
	}
	js, err := relay.Connect(b.Context(), ns.URL(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	defer js.Close()
	b.ResetTimer()
	total := 0
	for total < 2*orders {
		n, err := f.orders.RelayEvents(b.Context(), 200, js.Publish)
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.StopTimer()
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
}
