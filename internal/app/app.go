// Package app assembles the runtime of `b2b serve`: the store's services,
// authentication, metrics and the event pipeline, built once, in
// dependency order, from constructors that take their collaborators; then
// the HTTP handler of each role and the background work, served until the
// context ends. cmd/b2b reads the configuration and calls New and Serve;
// tests build the same App over their own store.
//
// The event pipeline, stage by stage (each stage meets the next through
// the named piece in brackets, made before either stage):
//
//	orders service     writes an outbox row in each order's transaction, then
//	                   notifies                                 [relay wake.Signal]
//	relay.Relay        takes committed rows from the outbox    [relay.Outbox = orders.Service]
//	                   and, in the transaction that marks them published,
//	                   fans them out to webhook endpoints       [orders.Config.Relayed = webhooks.FanOut]
//	                   publishes to NATS JetStream, or hands them to the
//	                   process's subscribers                    [relay.Bus]
//	webhooks service   after a fan-out commits, notifies        [delivery wake.Signal]
//	delivery.Deliverer claims due deliveries and sends them     [delivery.Deliverer.Hooks = webhooks.Service]
//	relay.Feed         with NATS, feeds every process's subscribers from the stream
package app

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/internal/delivery"
	"github.com/b2b-orders/platform/internal/directory"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/internal/wake"
	"github.com/b2b-orders/platform/lambda/orchestrator"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

// Options are what New builds the runtime from.
type Options struct {
	// Config is the process's configuration, its secrets resolved.
	Config config.Config
	// Store is the opened, migrated store; the caller closes it.
	Store *db.DB
	// Log receives every line the runtime writes.
	Log *slog.Logger
	// Roles are the roles this process runs (RolesNamed); they decide
	// where customers are read, which tokens are checked for a live
	// customer and whether this process relays the outbox.
	Roles []Role
	// GraphURL is where the orchestrator role reaches the graph (GraphURL).
	GraphURL string
	// Build is the version and commit, for b2b_build_info.
	Build Build
	// Now is the services' clock (nil: the system clock); tests fix it.
	Now func() time.Time
	// OIDC verifies the seller's identity provider's tokens (NewOIDC);
	// nil when OIDC_ISSUER is unset.
	OIDC auth.OIDCVerifier
}

// Build says which build runs.
type Build struct{ Version, Commit string }

// Services are the domain services as the runtime builds them; tests take
// them from an App so that none wires them differently.
type Services struct {
	Customers *customers.Service
	Accounts  *accounts.Service
	Orders    *orders.Service
	Webhooks  *webhooks.Service
}

// App is the assembled runtime of one process.
type App struct {
	cfg      config.Config
	store    *db.DB
	log      *slog.Logger
	roles    []Role
	graphURL string
	auth     *auth.Authenticator
	metrics  *metrics
	services Services
	// bus holds the process's subscribers to the order events.
	bus *relay.Bus
	// relay publishes the outbox and deliverer sends webhook deliveries;
	// both are nil in a process that changes no order.
	relay     *relay.Relay
	deliverer *delivery.Deliverer
}

// New builds the runtime of a process running o.Roles. It does no I/O:
// the store is opened and the ports bound by the caller.
func New(o Options) *App {
	cfg, store := withDefaults(o.Config), o.Store
	relays := changesOrders(o.Roles)

	// What stages tell each other, made before the stages.
	relayWake, deliveryWake := wake.New(), wake.New()
	counters := newOrderCounters()
	var observer orders.Observer = counters
	if relays {
		observer = nudging{Observer: counters, nudge: relayWake.Notify}
	}

	dir, local := customerDirectory(cfg, o.Roles, store)

	authn := &auth.Authenticator{
		Tokens:       &auth.Tokens{Secret: []byte(cfg.JWTSecret)},
		ServiceToken: cfg.ServiceToken,
		Required:     cfg.AuthRequired,
	}
	var deleted func(int)
	if servesCustomerData(o.Roles) {
		live := &auth.LiveCustomers{Exists: dir.Exists}
		authn.Customers = live
		deleted = live.Gone
	}
	// Members and API keys are read from the shared store by every role
	// that authenticates them: they are the authenticator's data, read
	// through a cache, and a removal here stops them here at once.
	identities := &auth.Identities{}
	accts := accounts.New(store, accounts.Config{Now: o.Now, Revoked: identities.Forget, LinkByEmail: cfg.OIDC.LinkEmail})
	identities.Resolve = accts
	authn.Identities = identities
	authn.OIDC = o.OIDC

	hooks := webhooks.New(store, webhooks.Config{Now: o.Now, Retry: cfg.Webhooks.Retry, Lease: webhookLease(cfg.Webhooks),
		FannedOut: deliveryWake.Notify})
	svc := Services{
		Customers: customers.New(store, customers.Config{Now: o.Now, Deleted: deleted}),
		Accounts:  accts,
		Webhooks:  hooks,
		Orders: orders.New(store, dir, orders.Config{
			Now: o.Now, CancelWindow: cfg.CancelWindow, KeyTTL: cfg.IdempotencyKeyTTL, ApprovalTTL: cfg.ApprovalTTL, Currency: cfg.Currency, Observer: observer,
			LiveCustomerInInsert: local,
			// Every relay fans the events it marks out to the webhook endpoints.
			Relayed: hooks.FanOut,
		}),
	}

	m := newMetrics(store, counters, svc.Orders.OutboxLag, o.Build)
	a := &App{
		cfg: cfg, store: store, log: o.Log, roles: o.Roles, graphURL: o.GraphURL,
		auth: authn, metrics: m, services: svc,
		bus: &relay.Bus{OnDrop: m.dropped.Inc},
	}
	if relays {
		a.relay = newRelay(a, relayWake)
		a.deliverer = newDeliverer(a, deliveryWake)
	}
	return a
}

// withDefaults fills the durations a zero Config leaves at zero and no
// service defaults itself, so that no client is built without a timeout.
func withDefaults(cfg config.Config) config.Config {
	if cfg.GraphTimeout <= 0 {
		cfg.GraphTimeout = orchestrator.DefaultGraphTimeout
	}
	if cfg.Webhooks.Timeout <= 0 {
		cfg.Webhooks.Timeout = delivery.DefaultTimeout
	}
	return cfg
}

// Services returns the domain services.
func (a *App) Services() Services { return a.services }

// changesOrders reports whether a process with these roles changes orders,
// and so relays the outbox. Every such process relays: they take turns on
// the outbox's row locks, so several replicas publish each event once, in
// order.
func changesOrders(running []Role) bool {
	return slices.ContainsFunc(running, func(rl Role) bool { return rl.Name == "orders" || rl.Name == "graph" })
}

// customerDirectory is how the orders service learns whether a customer
// exists: from this process's store (local) when the process serves
// customers already (the customers role, or the combined graph, which
// reads customers itself), and otherwise from the customers role's
// internal route with the service token, as the original's orders API did.
func customerDirectory(cfg config.Config, running []Role, store *db.DB) (_ orders.CustomerDirectory, local bool) {
	if slices.ContainsFunc(running, func(rl Role) bool { return rl.Name == "customers" || rl.Name == "graph" }) {
		return customers.NewDirectory(store), true
	}
	return &directory.Client{Base: cfg.CustomersAPIBase, ServiceToken: cfg.ServiceToken}, false
}

// servesCustomerData reports whether a process with these roles answers
// with a customer's data, and so must refuse the token of a deleted
// customer itself. An orchestrator alone does not: it passes the caller's
// token on to the graph, which checks it.
func servesCustomerData(running []Role) bool {
	return slices.ContainsFunc(running, func(rl Role) bool { return rl.Name != "orchestrator" })
}

// nudging is the orders service's Observer that also wakes the relay after
// each committed change, so that events go out at once rather than at the
// relay's next tick.
type nudging struct {
	orders.Observer
	nudge func()
}

func (n nudging) OrderCreated()   { n.Observer.OrderCreated(); n.nudge() }
func (n nudging) OrderConfirmed() { n.Observer.OrderConfirmed(); n.nudge() }
func (n nudging) OrderCanceled()  { n.Observer.OrderCanceled(); n.nudge() }

// newRelay builds the outbox relay: to NATS JetStream at NATS_URL when it
// is set, and to the process's subscribers (a.bus) always.
func newRelay(a *App, w wake.Signal) *relay.Relay {
	r := &relay.Relay{Orders: a.services.Orders, Bus: a.bus, Wake: w,
		OnError: func(err error) {
			a.metrics.relayErrors.Inc()
			a.log.Warn("event relay: will retry", "err", err)
		},
		OnPublished: func(n int) { a.metrics.published.Add(float64(n)) },
	}
	if url := a.cfg.NATSURL; url != "" {
		name := "b2b " + strings.Join(RoleNames(a.roles), ",")
		r.NATS = func(ctx context.Context) (*relay.JetStream, error) { return relay.Connect(ctx, url, name) }
	}
	return r
}

// webhookLease is how long a claimed webhook attempt stays its claimant's:
// well past the request's timeout, so that a slow receiver's attempt is
// never claimed twice, and short enough that a process killed mid-send
// delays the retry little.
func webhookLease(cfg config.WebhookConfig) time.Duration { return 2*cfg.Timeout + 10*time.Second }

// newDeliverer builds the webhook deliverer of a process that relays: it
// claims due deliveries (every process may; claims make each attempt one
// process's), counts attempts and failures by endpoint, and logs failed
// attempts and disabled endpoints.
func newDeliverer(a *App, w wake.Signal) *delivery.Deliverer {
	wh := a.cfg.Webhooks
	return &delivery.Deliverer{
		Hooks:  a.services.Webhooks,
		Client: delivery.NewClient(wh.Timeout, wh.Allow),
		Wake:   w,
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
					"failing_since", out.FailingSince, "period", wh.Retry.Period.String())
			}
		},
		OnError: func(err error) { a.log.Warn("webhook deliverer: will retry", "err", err) },
	}
}
