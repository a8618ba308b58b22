package main

import (
	"context"
	"slices"
	"strings"

	"github.com/b2b-orders/platform/internal/events"
	"github.com/b2b-orders/platform/services/orders"
)

// changesOrders reports whether a process with these roles changes orders,
// and so relays the outbox. Every such process relays: they take turns on
// the outbox's row locks, so several replicas publish each event once, in
// order.
func changesOrders(running []role) bool {
	return slices.ContainsFunc(running, func(rl role) bool { return rl.name == "orders" || rl.name == "graph" })
}

// newRelay builds the outbox relay of a: to NATS JetStream at NATS_URL
// when it is set, and to the process's subscribers (a.bus) always. Its
// Orders is set once a.orders exists.
func newRelay(cfg Config, a *app, running []role) *events.Relay {
	r := &events.Relay{Bus: a.bus,
		OnError: func(err error) {
			a.metrics.relayErrors.Inc()
			a.log.Warn("event relay: will retry", "err", err)
		},
		OnPublished: func(n int) { a.metrics.published.Add(float64(n)) },
	}
	if cfg.NATSURL != "" {
		names := make([]string, len(running))
		for i, rl := range running {
			names[i] = rl.name
		}
		r.NATS = func(ctx context.Context) (*events.JetStream, error) {
			return events.Connect(ctx, cfg.NATSURL, "b2b "+strings.Join(names, ","))
		}
	}
	return r
}

// nudging is the orders service's Events that also nudges the relay after
// each committed change, so that events go out at once rather than at the
// relay's next tick.
type nudging struct {
	orders.Events
	nudge func()
}

func (n nudging) OrderCreated()   { n.Events.OrderCreated(); n.nudge() }
func (n nudging) OrderConfirmed() { n.Events.OrderConfirmed(); n.nudge() }
func (n nudging) OrderCanceled()  { n.Events.OrderCanceled(); n.nudge() }
