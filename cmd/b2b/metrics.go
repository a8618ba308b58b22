package main

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/services/orders"
)

// metrics are the Prometheus metrics of one process, in a registry of its
// own: nothing registers itself behind our back in a global default, and
// tests build as many apps as they like.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	graphOps *prometheus.CounterVec
	opNames  boundedNames
	// orders counts what the orders service did (orders.Events).
	orders orderEvents
}

// newMetrics registers the process's collectors: HTTP, GraphQL, the
// orders service's events, d's connection pool, the Go runtime and the
// process.
func newMetrics(d *db.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "b2b_http_requests_total",
			Help: "HTTP requests answered, by role, method, chi route pattern and status.",
		}, []string{"role", "method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "b2b_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by role, method, chi route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"role", "method", "route", "status"}),
		graphOps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "b2b_graphql_operations_total",
			Help: "GraphQL operations, by role, operation name and outcome (ok, or error when the response has errors).",
		}, []string{"role", "operation", "outcome"}),
		opNames: boundedNames{max: maxOperationNames},
		orders: orderEvents{
			created:   counter("b2b_orders_created_total", "Orders placed (CreateOrder and createAndConfirm), counted after commit."),
			confirmed: counter("b2b_orders_confirmed_total", "Orders confirmed (confirm and createAndConfirm), counted after commit."),
			canceled:  counter("b2b_orders_canceled_total", "Orders cancelled, counted after commit."),
			rejected:  counter("b2b_orders_stock_rejections_total", "Order requests refused with insufficient_stock."),
			replayed:  counter("b2b_idempotent_replays_total", "Requests answered from an idempotency key without a new effect."),
		},
	}
	m.reg.MustRegister(m.requests, m.duration, m.graphOps,
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

// handler serves the registry in the Prometheus text (or OpenMetrics)
// format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

func (m *metrics) observeRequest(roleName, method, route string, status int, elapsed time.Duration) {
	if !knownMethods[method] {
		method = "other" // methods are free text: keep the label set bounded
	}
	s := strconv.Itoa(status)
	m.requests.WithLabelValues(roleName, method, route, s).Inc()
	m.duration.WithLabelValues(roleName, method, route, s).Observe(elapsed.Seconds())
}

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

func (m *metrics) observeOperation(roleName, name string, errs int) {
	outcome := "ok"
	if errs > 0 {
		outcome = "error"
	}
	m.graphOps.WithLabelValues(roleName, m.opNames.label(name), outcome).Inc()
}

// maxOperationNames bounds the distinct operation names one process
// labels: clients choose the names, and every name is a new time series.
const maxOperationNames = 200

// boundedNames turns operation names into labels: the first max valid
// names as they are, later ones "other", invalid ones "invalid" and
// anonymous operations "anonymous".
type boundedNames struct {
	max  int
	mu   sync.Mutex
	seen map[string]bool
}

// graphqlName is the GraphQL spec's Name, capped in length.
var graphqlName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,63}$`)

func (b *boundedNames) label(name string) string {
	switch {
	case name == "":
		return "anonymous"
	case !graphqlName.MatchString(name):
		return "invalid"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	if !b.seen[name] {
		if len(b.seen) >= b.max {
			return "other"
		}
		b.seen[name] = true
	}
	return name
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
