package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services/orders"
)

// metrics are the process's metrics: internal/web's HTTP and GraphQL
// ones, and, registered with them, the orders service's events, d's
// connection pool, the Go runtime, the process and the build.
type metrics struct {
	*web.Metrics
	// orders counts what the orders service did (orders.Observer).
	orders *orderCounters
	// The order events: published by this process's relay, its failed
	// turns, and events its subscribers lost.
	published, relayErrors, dropped prometheus.Counter
	// Webhook attempts and failed attempts by endpoint id (one series per
	// registered endpoint, a bounded set), and endpoints disabled.
	webhookAttempts, webhookFailures *prometheus.CounterVec
	webhooksDisabled                 prometheus.Counter
}

// newMetrics registers the process's metrics: orders counts the orders
// service's calls, lag reports the outbox's backlog for the gauges.
func newMetrics(d *db.DB, orders *orderCounters, lag func(context.Context) (int, time.Time, error), b Build) *metrics {
	m := &metrics{
		published:   counter("b2b_events_published_total", "Order events this process's relay published."),
		relayErrors: counter("b2b_event_relay_errors_total", "Relay turns that failed (NATS or the database); the events wait and are retried."),
		dropped:     counter("b2b_subscription_events_dropped_total", "Order events a slow GraphQL subscriber lost (its buffer was full)."),
		webhookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "b2b_webhook_attempts_total",
			Help: "Webhook delivery attempts this process sent, by endpoint id."}, []string{"endpoint"}),
		webhookFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "b2b_webhook_failures_total",
			Help: "Webhook delivery attempts that failed (not 2xx, refused, timed out), by endpoint id."}, []string{"endpoint"}),
		webhooksDisabled: counter("b2b_webhook_endpoints_disabled_total", "Webhook endpoints this process disabled after they failed for the whole retry period."),
		orders:           orders,
	}
	m.Metrics = web.NewMetrics(
		m.published, m.relayErrors, m.dropped, m.webhookAttempts, m.webhookFailures, m.webhooksDisabled,
		outboxCollector{lag: lag},
		orders.created, orders.confirmed, orders.canceled, orders.rejected, orders.replayed,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.SQL, "b2b"),
		buildInfo(b),
	)
	return m
}

// outboxCollector reports the outbox's backlog at each scrape, from one
// read of it: b2b_outbox_unpublished (-1 when the store did not answer)
// and b2b_outbox_lag_seconds, the age of the oldest (0 when none waits).
type outboxCollector struct {
	lag func(context.Context) (int, time.Time, error)
}

var (
	outboxUnpublished = prometheus.NewDesc("b2b_outbox_unpublished", "Committed order events not yet published (-1: the store did not answer).", nil, nil)
	outboxLag         = prometheus.NewDesc("b2b_outbox_lag_seconds", "Age of the oldest unpublished order event; 0 when none waits.", nil, nil)
)

func (outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxUnpublished
	ch <- outboxLag
}

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, oldest, err := c.lag(ctx)
	age := 0.0
	switch {
	case err != nil:
		n = -1
	case !oldest.IsZero():
		age = time.Since(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(outboxUnpublished, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(outboxLag, prometheus.GaugeValue, age)
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// buildInfo is b2b_build_info{version,commit} 1, to join other metrics on.
func buildInfo(b Build) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "b2b_build_info",
		Help:        "Always 1; the labels say which build runs.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit},
	})
	g.Set(1)
	return g
}

// orderCounters counts what the orders service did (its Observer).
type orderCounters struct {
	created, confirmed, canceled, rejected, replayed prometheus.Counter
}

var _ orders.Observer = (*orderCounters)(nil)

func newOrderCounters() *orderCounters {
	return &orderCounters{
		created:   counter("b2b_orders_created_total", "Orders placed (CreateOrder and createAndConfirm), counted after commit."),
		confirmed: counter("b2b_orders_confirmed_total", "Orders confirmed (confirm and createAndConfirm), counted after commit."),
		canceled:  counter("b2b_orders_canceled_total", "Orders cancelled, counted after commit."),
		rejected:  counter("b2b_orders_stock_rejections_total", "Order requests refused with insufficient_stock."),
		replayed:  counter("b2b_idempotent_replays_total", "Requests answered from an idempotency key without a new effect."),
	}
}

func (e *orderCounters) OrderCreated()   { e.created.Inc() }
func (e *orderCounters) OrderConfirmed() { e.confirmed.Inc() }
func (e *orderCounters) OrderCanceled()  { e.canceled.Inc() }
func (e *orderCounters) StockRejected()  { e.rejected.Inc() }
func (e *orderCounters) KeyReplayed()    { e.replayed.Inc() }
