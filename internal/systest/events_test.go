package systest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/internal/servetest"
)

// streamEvents reads the B2B_ORDERS stream from the start until it has
// want events or a few quiet seconds pass, and returns them in order.
func streamEvents(t *testing.T, url string, want int) []map[string]any {
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
	cons, err := js.OrderedConsumer(t.Context(), relay.Stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for len(out) < want && time.Now().Before(deadline) {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			var ev map[string]any
			if err := json.Unmarshal(m.Data(), &ev); err != nil {
				t.Fatal(err)
			}
			if m.Headers().Get(jetstream.MsgIDHeader) != ev["id"] || m.Subject() != relay.Subject(ev["type"].(string)) {
				t.Fatalf("message on %s, id header %q: %s", m.Subject(), m.Headers().Get(jetstream.MsgIDHeader), m.Data())
			}
			out = append(out, ev)
		}
	}
	// And nothing after them.
	if extra, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second)); err == nil {
		for m := range extra.Messages() {
			t.Fatalf("more events than changes: %s", m.Data())
		}
	}
	return out
}

// exactlyOnce checks that evs hold each id once, each order's events in
// sequence from 1 (or from where the order's life started before the test),
// and returns the types by order id.
func exactlyOnce(t *testing.T, evs []map[string]any) map[int][]string {
	t.Helper()
	ids := map[string]bool{}
	seq := map[int]int{}
	types := map[int][]string{}
	for _, ev := range evs {
		id := ev["id"].(string)
		if ids[id] {
			t.Fatalf("event %s twice", id)
		}
		ids[id] = true
		order, s := int(ev["order_id"].(float64)), int(ev["seq"].(float64))
		if s <= seq[order] {
			t.Fatalf("order %d: event %d after %d", order, s, seq[order])
		}
		seq[order] = s
		types[order] = append(types[order], ev["type"].(string))
	}
	return types
}

// Orders placed through REST, the graph and the orchestrator of the real
// binary, split in two replicas relaying one MariaDB at once, while NATS
// goes away mid-stream and comes back, reach JetStream exactly once per
// event, in sequence; so do they a GraphQL subscriber of one replica, and
// a signed webhook receiver that answers 500 then 200 accepts each. A
// replica killed while NATS was down (its events committed, not
// published) loses nothing: the other relays and delivers them once NATS
// is back.
func TestOrderEventsReachJetStream(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	ns := servetest.StartNATS(t)
	name := dropDatabaseAtEnd(t, server, "b2b_events")
	env := mysqlEnv(t, server, name, append([]string{"JWT_SECRET=" + smokeJWTSecret, "SERVICE_TOKEN=" + smokeServiceToken, "NATS_URL=" + ns.URL(), "RATE_LIMIT=off"}, witnessEnv...)...)
	runB2B(t, bin, env, "migrate")
	runB2B(t, bin, env, "seed")
	start := func() *servetest.Process {
		return servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
			"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0", "--no-migrate")
	}
	a, b := start(), start()
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	auth := http.Header{"Authorization": {"Bearer " + token}}
	witness := newWitness(t, a.URL("orders", ""), auth)
	// b's subscribers are fed from the stream, whoever relayed the event.
	sub := subscribe(t, b.URL("graph", "/graphql"), token)

	// Both replicas at once, every transport; NATS goes away after a
	// quarter of the orders and comes back after half.
	var wg sync.WaitGroup
	var placed atomic.Int64
	outage := make(chan struct{})
	go func() {
		defer close(outage)
		for placed.Load() < 5 {
			time.Sleep(5 * time.Millisecond)
		}
		ns.Stop()
		for placed.Load() < 10 {
			time.Sleep(5 * time.Millisecond)
		}
		ns.Restart()
	}()
	for i, p := range []*servetest.Process{a, b, a, b} {
		wg.Go(func() {
			defer placed.Add(100) // a worker that stops early never holds the outage up
			for j := range 5 {
				key := fmt.Sprintf("ev-%d-%d", i, j)
				var o struct{ Data struct{ ID int } }
				if s, body := call(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`, auth); s != 201 {
					t.Errorf("create: %d %s", s, body)
					return
				} else {
					_ = json.Unmarshal([]byte(body), &o)
				}
				call(t, "POST", p.URL("orders", "/api/v1/orders/"+strconv.Itoa(o.Data.ID)+"/confirm"), `{"idempotency_key":"`+key+`"}`, auth)
				call(t, "POST", p.URL("orders", "/api/v1/orders/"+strconv.Itoa(o.Data.ID)+"/cancel"), "", auth)
				call(t, "POST", p.URL("graph", "/graphql"), `{"query":"mutation { createAndConfirmOrder(input: { customerId: \"2\", items: [{ productId: \"3\", quantity: 1 }], idempotencyKey: \"g-`+key+`\" }) { id } }"}`, auth)
				call(t, "POST", p.URL("orchestrator", "/orchestrator/create-and-confirm-order"), `{"customer_id":3,"items":[{"product_id":4,"qty":1}],"idempotency_key":"o-`+key+`"}`, auth)
				placed.Add(1)
			}
		})
	}
	wg.Wait()
	<-outage
	// 20 orders created, confirmed, canceled (3 events each), 40 created
	// and confirmed (2 each).
	const want = 20*3 + 40*2
	types := exactlyOnce(t, streamEvents(t, ns.URL(), want))
	if len(types) != 60 {
		t.Fatalf("events of %d orders, want 60", len(types))
	}
	for order, ts := range types {
		switch strings.Join(ts, ",") {
		case "order.created,order.confirmed,order.canceled", "order.created,order.confirmed":
		default:
			t.Fatalf("order %d: %v", order, ts)
		}
	}

	// NATS goes away; a replica commits an order and is killed before it
	// can publish; the other relays it once NATS is back.
	ns.Stop()
	var o struct{ Data struct{ ID int } }
	mustCall(t, "POST", a.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`, auth, 201, &o)
	a.Kill(t)
	ns.Restart()
	all := streamEvents(t, ns.URL(), want+1)
	got := exactlyOnce(t, all)
	// The GraphQL subscriber on the surviving replica got each event once,
	// in sequence, through both outages.
	sub.requireExactly(t, all)
	if ts := got[o.Data.ID]; len(ts) != 1 || ts[0] != "order.created" {
		t.Fatalf("the killed replica's order %d: %v", o.Data.ID, ts)
	}
	// The signed webhook receiver, which refused each event once, accepted
	// each, the killed replica's included, and nothing else.
	ids := make([]string, len(all))
	for i, ev := range all {
		ids[i] = ev["id"].(string)
	}
	witness.requireEach(t, ids)
	// The outbox is empty, and the metrics say so.
	requireMetric(t, b.URL("orders", "/metrics"), "b2b_outbox_unpublished 0", "b2b_outbox_lag_seconds 0")
	_, page := call(t, "GET", b.URL("orders", "/metrics"), "", nil)
	if !strings.Contains(page, "b2b_events_published_total ") || strings.Contains(page, "b2b_events_published_total 0\n") {
		t.Errorf("b2b_events_published_total: the surviving replica published nothing?\n%s", page)
	}
}
