// Package relay carries the order events of the outbox
// (services/orders.RelayEvents) to where they go: NATS JetStream when
// NATS_URL is set, and the process's own subscribers always.
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/b2b-orders/platform/internal/wake"
	"github.com/b2b-orders/platform/services/orders"
)

// Stream is the JetStream stream of the order events, and SubjectPrefix
// the prefix of their subjects: an event of type order.confirmed is
// published as b2b.orders.confirmed.
const (
	Stream        = "B2B_ORDERS"
	SubjectPrefix = "b2b.orders."
	// DuplicateWindow is how long JetStream remembers an event id, so that
	// a re-publish (a relay that died before marking) is dropped.
	DuplicateWindow = 2 * time.Minute
)

// Subject is the subject of an event type.
func Subject(eventType string) string {
	return SubjectPrefix + strings.TrimPrefix(eventType, "order.")
}

// JetStream publishes events to the stream, each with its event id as the
// message id.
type JetStream struct {
	nc *nats.Conn
	js jetstream.JetStream
}

// Connect connects to url and makes sure the stream exists (subjects
// b2b.orders.>, file storage, the duplicate window above). The connection
// reconnects by itself for as long as the process runs.
// Errors: the server cannot be reached, or refuses the stream.
func Connect(ctx context.Context, url, name string) (*JetStream, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("nats: connect %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: jetstream: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := js.CreateOrUpdateStream(cctx, jetstream.StreamConfig{
		Name:       Stream,
		Subjects:   []string{SubjectPrefix + ">"},
		Storage:    jetstream.FileStorage,
		Duplicates: DuplicateWindow,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: stream %s: %w", Stream, err)
	}
	return &JetStream{nc: nc, js: js}, nil
}

// Close drains the connection.
func (j *JetStream) Close() { _ = j.nc.Drain() }

// Publish publishes events in order and returns how many, from the first,
// the stream acknowledged: the relay marks those and hands the rest on
// again. All are sent before the first acknowledgement is awaited.
// Errors: the first failed publish.
func (j *JetStream) Publish(ctx context.Context, evs []orders.Event) (int, error) {
	acks := make([]jetstream.PubAckFuture, 0, len(evs))
	var sendErr error
	for _, ev := range evs {
		f, err := j.js.PublishMsgAsync(&nats.Msg{Subject: Subject(ev.Type), Data: ev.Payload,
			Header: nats.Header{jetstream.MsgIDHeader: []string{ev.ID}}})
		if err != nil {
			sendErr = err
			break
		}
		acks = append(acks, f)
	}
	for i, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return i, fmt.Errorf("nats: publish %s: %w", evs[i].ID, err)
		case <-ctx.Done():
			return i, ctx.Err()
		case <-time.After(10 * time.Second):
			return i, fmt.Errorf("nats: publish %s: no acknowledgement within 10 s", evs[i].ID)
		}
	}
	if sendErr != nil {
		return len(acks), fmt.Errorf("nats: publish: %w", sendErr)
	}
	return len(acks), nil
}

// Bus hands events to the process's subscribers (the graph's
// subscriptions). A subscriber that does not keep up loses events rather
// than slowing anyone: each has a buffer of its own, and an event that
// does not fit is dropped for that subscriber (and told to OnDrop).
type Bus struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
	// OnDrop, when set, is told of each event a subscriber lost.
	OnDrop func()
}

// Subscription is one subscriber of a Bus.
type Subscription struct {
	// C delivers the events, in order.
	C   chan orders.Event
	bus *Bus
}

// Close ends the subscription; C is closed.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	if _, ok := s.bus.subs[s]; ok {
		delete(s.bus.subs, s)
		close(s.C)
	}
}

// Subscribe returns a subscription with a buffer of size events.
func (b *Bus) Subscribe(size int) *Subscription {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[*Subscription]struct{}{}
	}
	s := &Subscription{C: make(chan orders.Event, size), bus: b}
	b.subs[s] = struct{}{}
	return s
}

// Deliver hands evs to every subscriber, never waiting for one.
func (b *Bus) Deliver(evs []orders.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, ev := range evs {
			select {
			case s.C <- ev:
			default:
				if b.OnDrop != nil {
					b.OnDrop()
				}
			}
		}
	}
}

// Relay runs the outbox relay until ctx ends: it hands the committed
// events, in order, to JetStream (with NATS) or else to Bus, every
// Interval or when Wake is notified, in batches of Batch. A failed publish
// is retried at the next turn; nothing is lost, and what was published
// twice carries the same id.
type Relay struct {
	// Orders is the outbox the events come from.
	Orders Outbox
	// NATS connects to JetStream (Connect with the operator's URL); nil
	// means no NATS. Until it succeeds, nothing is marked published: the
	// events wait in the outbox.
	NATS     func(context.Context) (*JetStream, error)
	js       *JetStream
	Bus      *Bus
	Batch    int
	Interval time.Duration
	// OnError is told of a failed turn (logged by the caller); the relay
	// goes on.
	OnError func(error)
	// OnPublished is told how many events each turn published.
	OnPublished func(n int)
	// Wake asks for a turn before Interval has passed (the orders service
	// notifies it after each commit); nil: every Interval only.
	Wake wake.Signal
}

// Outbox is where the relay takes the committed order events from: the
// orders service's RelayEvents, which hands a batch to publish and marks
// the batch published only when publish succeeded.
type Outbox interface {
	RelayEvents(ctx context.Context, batch int, publish func(context.Context, []orders.Event) (int, error)) (int, error)
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) {
	batch, interval := r.Batch, r.Interval
	if batch <= 0 {
		batch = 200
	}
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	r.Wake.Loop(ctx, interval, func(ctx context.Context) bool {
		n, err := r.Orders.RelayEvents(ctx, batch, r.publish)
		if n > 0 && r.OnPublished != nil {
			r.OnPublished(n)
		}
		if err != nil && ctx.Err() == nil && r.OnError != nil {
			r.OnError(err)
		}
		return n == batch && err == nil // more are waiting
	})
}

// Close closes the NATS connection, if any.
func (r *Relay) Close() {
	if r.js != nil {
		r.js.Close()
	}
}

func (r *Relay) publish(ctx context.Context, evs []orders.Event) (int, error) {
	n := len(evs)
	var err error
	if r.NATS != nil {
		if r.js == nil {
			if r.js, err = r.NATS(ctx); err != nil {
				r.js = nil
				return 0, err
			}
		}
		n, err = r.js.Publish(ctx, evs)
	}
	// With NATS, every process's subscribers are fed from it (Feed), this
	// one's too; without, the relay feeds them.
	if r.NATS == nil && r.Bus != nil && n > 0 {
		r.Bus.Deliver(evs[:n])
	}
	if err == nil && n < len(evs) {
		err = errors.New("events: fewer published than handed")
	}
	return n, err
}

// Feed hands the events published to the stream (every process's
// relay's) to bus, from the time it subscribes, until ctx ends. It reads
// through an ordered JetStream consumer, which resumes where it stopped
// when NATS goes away and comes back, so the subscribers of every process
// see every event, in order, whichever process relayed it. It keeps
// trying while NATS cannot be reached. ready, when not nil, is called
// once the consumer is in place.
func Feed(ctx context.Context, url, name string, bus *Bus, ready func()) {
	for ctx.Err() == nil {
		js, err := Connect(ctx, url, name+" (events)")
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		cons, err := js.js.OrderedConsumer(ctx, Stream, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
		var cc jetstream.ConsumeContext
		if err == nil {
			cc, err = cons.Consume(func(m jetstream.Msg) {
				var head struct {
					Type    string `json:"type"`
					OrderID int    `json:"order_id"`
					Seq     int    `json:"seq"`
				}
				if json.Unmarshal(m.Data(), &head) == nil {
					bus.Deliver([]orders.Event{{ID: m.Headers().Get(jetstream.MsgIDHeader), OrderID: head.OrderID, Seq: head.Seq, Type: head.Type, Payload: m.Data()}})
				}
			})
		}
		if err != nil {
			js.Close()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if ready != nil {
			ready()
			ready = nil
		}
		<-ctx.Done()
		cc.Stop()
		js.Close()
	}
}
