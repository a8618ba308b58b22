package app

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

	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/lambda/orchestrator"
	"github.com/b2b-orders/platform/services"
)

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
	// writeTimeout so the client still gets that answer, and covers the
	// orchestrator's worst case of three graph calls (GRAPH_TIMEOUT each,
	// which config bounds).
	requestTimeout = 3 * orchestrator.MaxGraphTimeout
)

// Handler builds the HTTP handler of one role. The probes and /metrics
// sit outside the rate limit: an orchestrator or a scraper that gets 429
// would take a healthy instance for a broken one. /metrics needs no
// credential, like the probes: it is for the operator's scraper on the
// internal network and must not be published (see docs/operations.md).
func (a *App) Handler(rl Role) http.Handler {
	r := chi.NewRouter()
	r.Use(web.SecurityHeaders, web.RequestID, web.CorrelationID, web.AccessLog(a.log, rl.Name, a.metrics), web.Timeout(requestTimeout),
		web.Recoverer(a.log), web.LimitBody, a.auth.Middleware)
	r.NotFound(web.NotFound)
	r.MethodNotAllowed(web.NotFound) // the contract answers unknown methods like unknown routes
	r.Get("/health", a.health)
	r.Get("/livez", livez)
	r.Get("/readyz", a.readyz)
	r.Method(http.MethodGet, "/metrics", a.metrics.Handler())
	r.Group(func(r chi.Router) {
		// Each role has its own limiter, as each has its own port.
		var charge chargeFunc
		if limit := newLimiter(a.cfg.RateLimit); limit != nil {
			r.Use(limit.Middleware)
			charge = limit.Charge
		}
		if rl.routes != nil {
			rl.routes(r, a, charge)
		}
	})
	return r
}

type healthBody struct {
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
	Database  string `json:"database"`
}

func (a *App) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	body := healthBody{Status: "healthy", Timestamp: time.Now().UTC().Format(services.TimeLayout), Database: "connected"}
	status := http.StatusOK
	if err := a.store.Ping(ctx); err != nil {
		a.log.WarnContext(ctx, "health: database does not answer", "err", err, "request_id", middleware.GetReqID(ctx))
		body.Status, body.Database, status = "unhealthy", "disconnected", http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, status, body)
}

// Listener is a role bound to its address, before it serves.
type Listener struct {
	Role Role
	net.Listener
}

// Listen binds every role of rs on host, at its port in ports, before any
// serves, so a port already in use stops the start-up instead of leaving
// some roles running.
// Errors: a port cannot be bound (nothing stays bound then).
func Listen(ctx context.Context, host string, ports map[string]int, rs []Role) ([]Listener, error) {
	var lc net.ListenConfig
	var out []Listener
	for _, rl := range rs {
		addr := net.JoinHostPort(host, strconv.Itoa(ports[rl.Name]))
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			CloseAll(out)
			return nil, fmt.Errorf("role %s: %w", rl.Name, err)
		}
		out = append(out, Listener{Role: rl, Listener: ln})
	}
	return out, nil
}

// CloseAll closes lns, for a start-up that fails after Listen.
func CloseAll(lns []Listener) {
	for _, l := range lns {
		l.Close()
	}
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

// Expiry of approvals: every minute, a bounded batch per run; an order
// is canceled at most a minute after its approval expired (and no one can
// approve it in between: the service refuses a decision past expiry).
const (
	expireEvery = time.Minute
	expireBatch = 500
)

// jobs lists the background work of serve.
func (a *App) jobs() []job {
	return []job{
		{name: "purge expired idempotency keys", every: purgeEvery, run: a.purgeKeys},
		{name: "cancel orders whose approval expired", every: expireEvery, run: a.expireApprovals},
	}
}

func (a *App) expireApprovals(ctx context.Context) error {
	n, err := a.services.Orders.ExpireApprovals(ctx, expireBatch)
	if n > 0 {
		a.log.InfoContext(ctx, "canceled orders whose approval expired", "count", n)
	}
	return err
}

func (a *App) purgeKeys(ctx context.Context) error {
	total := 0
	for range purgeMaxBatches {
		n, err := a.services.Orders.PurgeExpiredKeys(ctx, purgeBatch)
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
func (a *App) runJob(ctx context.Context, j job) {
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

// Serve serves every listener, and runs the background work (jobs, the
// relay, the deliverer, the NATS feed), until ctx ends (SIGINT/SIGTERM) or
// one server fails; then it shuts all of them down, letting in-flight
// requests finish within shutdownTimeout.
// Errors: a server that failed, or a shutdown that did not finish in time.
func (a *App) Serve(ctx context.Context, lns []Listener) error {
	g, gctx := errgroup.WithContext(ctx)
	servers := make([]*http.Server, len(lns))
	for i, l := range lns {
		srv := &http.Server{
			Handler:           a.Handler(l.Role),
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       readTimeout,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		}
		servers[i] = srv
		a.log.InfoContext(ctx, "listening", "role", l.Role.Name, "addr", l.Addr().String())
		g.Go(func() error {
			if err := srv.Serve(l.Listener); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("role %s: %w", l.Role.Name, err)
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
