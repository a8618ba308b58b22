package main

import (
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
	// orders counts what the orders service did (orders.Events).
	orders orderEvents
}

func newMetrics(d *db.DB) *metrics {
	m := &metrics{orders: orderEvents{
		created:   counter("b2b_orders_created_total", "Orders placed (CreateOrder and createAndConfirm), counted after commit."),
		confirmed: counter("b2b_orders_confirmed_total", "Orders confirmed (confirm and createAndConfirm), counted after commit."),
		canceled:  counter("b2b_orders_canceled_total", "Orders cancelled, counted after commit."),
		rejected:  counter("b2b_orders_stock_rejections_total", "Order requests refused with insufficient_stock."),
		replayed:  counter("b2b_idempotent_replays_total", "Requests answered from an idempotency key without a new effect."),
	}}
	m.Metrics = web.NewMetrics(
		m.orders.created, m.orders.confirmed, m.orders.canceled, m.orders.rejected, m.orders.replayed,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(d.SQL, "b2b"),
		buildInfo(),
	)
	return m
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// buildInfo is b2b_build_info{version,commit} 1, to join other metrics on.
func buildInfo() prometheus.Collector {
	v, c := build()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "b2b_build_info",
		Help:        "Always 1; the labels say which build runs.",
		ConstLabels: prometheus.Labels{"version": v, "commit": c},
	})
	g.Set(1)
	return g
}

// orderEvents counts the orders service's events (orders.Events).
type orderEvents struct {
	created, confirmed, canceled, rejected, replayed prometheus.Counter
}

var _ orders.Events = (*orderEvents)(nil)

func (e *orderEvents) OrderCreated()   { e.created.Inc() }
func (e *orderEvents) OrderConfirmed() { e.confirmed.Inc() }
func (e *orderEvents) OrderCanceled()  { e.canceled.Inc() }
func (e *orderEvents) StockRejected()  { e.rejected.Inc() }
func (e *orderEvents) KeyReplayed()    { e.replayed.Inc() }
