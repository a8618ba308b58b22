package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/b2b-orders/platform/internal/delivery"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
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
func newRelay(cfg Config, a *app, running []role) *relay.Relay {
	r := &relay.Relay{Bus: a.bus,
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
		r.NATS = func(ctx context.Context) (*relay.JetStream, error) {
			return relay.Connect(ctx, cfg.NATSURL, "b2b "+strings.Join(names, ","))
		}
	}
	return r
}

// nudging is the orders service's Events that also nudges the relay after
// each committed change, so that events go out at once rather than at the
// relay's next tick.
type nudging struct {
	orders.Observer
	nudge func()
}

func (n nudging) OrderCreated()   { n.Observer.OrderCreated(); n.nudge() }
func (n nudging) OrderConfirmed() { n.Observer.OrderConfirmed(); n.nudge() }
func (n nudging) OrderCanceled()  { n.Observer.OrderCanceled(); n.nudge() }

// webhookLease is how long a claimed webhook attempt stays its claimant's:
// well past the request's timeout, so that a slow receiver's attempt is
// never claimed twice, and short enough that a process killed mid-send
// delays the retry little.
func webhookLease(cfg WebhookConfig) time.Duration { return 2*cfg.Timeout + 10*time.Second }

// newDeliverer builds the webhook deliverer of a process that relays: it
// claims due deliveries (every process may; claims make each attempt one
// process's), counts attempts and failures by endpoint, and logs failed
// attempts and disabled endpoints.
func newDeliverer(cfg Config, a *app) *delivery.Deliverer {
	return &delivery.Deliverer{
		Hooks:  a.hooks,
		Client: delivery.NewClient(cfg.Webhooks.Timeout, cfg.Webhooks.Allow),
		OnAttempt: func(job webhooks.Job, res webhooks.Result, out webhooks.Outcome) {
			id := strconv.Itoa(job.EndpointID)
			a.metrics.webhookAttempts.WithLabelValues(id).Inc()
			if !res.Delivered() {
				a.metrics.webhookFailures.WithLabelValues(id).Inc()
				a.log.Warn("webhook attempt failed", "endpoint", job.EndpointID, "delivery", job.DeliveryID,
					"event_id", job.EventID, "attempt", job.Attempt, "status", res.StatusCode, "err", res.Err,
					"state", out.State, "next_attempt_at", out.NextAttemptAt)
			}
			if out.Disabled {
				a.metrics.webhooksDisabled.Inc()
				a.log.Warn("webhook endpoint disabled", "endpoint", job.EndpointID,
					"failing_since", out.FailingSince, "period", cfg.Webhooks.Retry.Period.String())
			}
		},
		OnError: func(err error) { a.log.Warn("webhook deliverer: will retry", "err", err) },
	}
}
