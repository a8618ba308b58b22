package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/delivery"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

// role is one of the processes the binary can run. `b2b serve` runs all of
// them in one process; `--roles` picks some, as docker-compose does.
type role struct {
	name string
	port int
	// routes hangs everything the role serves on r but what app.handler
	// gives every role: the common middleware, /health and the other
	// probes, /metrics and the 404 answer.
	routes func(r chi.Router, a *app)
}

// roles is the role table, in start order: everything each role serves.
func roles() []role {
	return []role{
		// /api/v1/customers…, the internal customer route, the customers subgraph.
		{name: "customers", port: 3001, routes: mountCustomers},
		// /api/v1/products… and /api/v1/orders…, the orders subgraph.
		{name: "orders", port: 3002, routes: mountOrders},
		// The Lambda's local form.
		{name: "orchestrator", port: 3003, routes: mountOrchestrator},
		// The combined graph and GraphiQL.
		{name: "graph", port: 4000, routes: mountCombinedGraph},
	}
}

// app is what every role's handler is built from: the configuration, the
// opened store and the shared pieces. The domain services, built once in
// serve from db and cfg, join them here when the routes that call them do.
type app struct {
	cfg       Config
	db        *db.DB
	log       *slog.Logger
	auth      *auth.Authenticator
	customers *customers.Service
	orders    *orders.Service
	// graphURL is where the orchestrator role reaches the graph.
	graphURL string
	// metrics is the process's registry, served at /metrics on every role.
	metrics *metrics
	// charge takes a GraphQL operation's extra root fields from the
	// caller's rate budget; handler sets the role's own before it mounts
	// the role's routes (nil: no rate limit).
	charge func(http.ResponseWriter, *http.Request, int) bool
	// relay publishes the outbox's order events (nil in a process that
	// changes no order); bus holds the process's subscribers to them.
	relay *relay.Relay
	bus   *relay.Bus
	// hooks manages webhook endpoints and their deliveries; deliverer
	// sends them (nil where relay is).
	hooks     *webhooks.Service
	deliverer *delivery.Deliverer
}

// Limits of every server.
const (
	maxHeaderBytes    = 64 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 2 * time.Minute
	// shutdownTimeout bounds how long in-flight requests may finish after
	// SIGINT/SIGTERM; docker stops a container 10 s after SIGTERM.
	shutdownTimeout = 8 * time.Second
	// healthTimeout keeps /health answering quickly when the database hangs.
	healthTimeout = 2 * time.Second
	// requestTimeout bounds the context of every request, so that a
	// database or a peer that stops answering (rather than refusing) turns
	// into an error answer instead of a hung request. It stays below
	// writeTimeout so the client still gets that answer, and above the
	// orchestrator's worst case of three graph calls (graphTimeout each).
	requestTimeout = 45 * time.Second
)

// handler builds the HTTP handler of one role. The probes and /metrics
// sit outside the rate limit: an orchestrator or a scraper that gets 429
// would take a healthy instance for a broken one. /metrics needs no
// credential, like the probes: it is for the operator's scraper on the
// internal network and must not be published (see README).
func (a *app) handler(rl role) http.Handler {
	r := chi.NewRouter()
	r.Use(web.SecurityHeaders, web.RequestID, web.CorrelationID, web.AccessLog(a.log, rl.name, a.metrics), web.Timeout(requestTimeout),
		web.Recoverer(a.log), web.LimitBody, a.auth.Middleware)
	r.NotFound(web.NotFound)
	r.MethodNotAllowed(web.NotFound) // the contract answers unknown methods like unknown routes
	r.Get("/health", a.health)
	r.Get("/livez", livez)
	r.Get("/readyz", a.readyz)
	r.Method(http.MethodGet, "/metrics", a.metrics.Handler())
	r.Group(func(r chi.Router) {
		ra := *a // the role's own rate limiter: a copy of app carries it
		if limit := newLimiter(a.cfg.RateLimit); limit != nil {
			r.Use(limit.Middleware)
			ra.charge = limit.Charge
		}
		if rl.routes != nil {
			rl.routes(r, &ra)
		}
	})
	return r
}

type healthBody struct {
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
	Database  string `json:"database"`
}

// timestampLayout is the contract's RFC 3339 with milliseconds, in UTC.
const timestampLayout = "2006-01-02T15:04:05.000Z"

func (a *app) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	body := healthBody{Status: "healthy", Timestamp: time.Now().UTC().Format(timestampLayout), Database: "connected"}
	status := http.StatusOK
	if err := a.db.Ping(ctx); err != nil {
		a.log.WarnContext(ctx, "health: database does not answer", "err", err, "request_id", middleware.GetReqID(ctx))
		body.Status, body.Database, status = "unhealthy", "disconnected", http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, status, body)
}

// listener is a role bound to its address, before it serves.
type listener struct {
	role role
	ln   net.Listener
}

// listen binds every role before any serves, so a port already in use
// stops the start-up instead of leaving some roles running.
func listen(ctx context.Context, host string, ports map[string]int, rs []role) ([]listener, error) {
	var lc net.ListenConfig
	var out []listener
	for _, rl := range rs {
		addr := net.JoinHostPort(host, strconv.Itoa(ports[rl.name]))
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			for _, l := range out {
				l.ln.Close()
			}
			return nil, fmt.Errorf("role %s: %w", rl.name, err)
		}
		out = append(out, listener{role: rl, ln: ln})
	}
	return out, nil
}

// job is periodic background work that runs while the servers do.
type job struct {
	name  string
	every time.Duration
	run   func(ctx context.Context) error
}

// Purging of expired idempotency keys: every minute, in batches small
// enough that no statement holds many locks, and a bounded number of
// batches per run so that a backlog never monopolises a connection.
const (
	purgeEvery      = time.Minute
	purgeBatch      = 500
	purgeMaxBatches = 20
)

// jobs lists the background work of serve.
func (a *app) jobs() []job {
	return []job{{name: "purge expired idempotency keys", every: purgeEvery, run: a.purgeKeys}}
}

func (a *app) purgeKeys(ctx context.Context) error {
	total := 0
	for range purgeMaxBatches {
		n, err := a.orders.PurgeExpiredKeys(ctx, purgeBatch)
		total += n
		if err != nil {
			return err
		}
		if n < purgeBatch {
			break
		}
	}
	if total > 0 {
		a.log.InfoContext(ctx, "purged expired idempotency keys", "count", total)
	}
	return nil
}

// runJob runs j every j.every until ctx ends. A failed run is logged and
// retried at the next tick: background work never stops the servers.
func (a *app) runJob(ctx context.Context, j job) {
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := j.run(ctx); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, "background job failed", "job", j.name, "err", err)
			}
		}
	}
}

// serveAll serves every listener until ctx ends (SIGINT/SIGTERM) or one
// server fails, then shuts all of them down, letting in-flight requests
// finish within shutdownTimeout.
func (a *app) serveAll(ctx context.Context, lns []listener) error {
	g, gctx := errgroup.WithContext(ctx)
	servers := make([]*http.Server, len(lns))
	for i, l := range lns {
		srv := &http.Server{
			Handler:           a.handler(l.role),
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       readTimeout,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		}
		servers[i] = srv
		a.log.InfoContext(ctx, "listening", "role", l.role.name, "addr", l.ln.Addr().String())
		g.Go(func() error {
			if err := srv.Serve(l.ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("role %s: %w", l.role.name, err)
			}
			return nil
		})
	}
	for _, j := range a.jobs() {
		g.Go(func() error { a.runJob(gctx, j); return nil })
	}
	if a.relay != nil {
		g.Go(func() error { a.relay.Run(gctx); a.relay.Close(); return nil })
	}
	if a.deliverer != nil {
		g.Go(func() error { a.deliverer.Run(gctx); return nil })
	}
	if a.cfg.NATSURL != "" {
		g.Go(func() error { relay.Feed(gctx, a.cfg.NATSURL, "b2b", a.bus, nil); return nil })
	}
	g.Go(func() error {
		<-gctx.Done()
		a.log.InfoContext(ctx, "shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer cancel()
		var errs []error
		for _, srv := range servers {
			if err := srv.Shutdown(sctx); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
	return g.Wait()
}
