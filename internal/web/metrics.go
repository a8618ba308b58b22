package web

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one process, in a registry of its
// own: nothing registers itself behind our back in a global default, and
// tests build as many as they like. It is the Observer of AccessLog.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	graphOps *prometheus.CounterVec
	opNames  BoundedNames
}

var _ Observer = (*Metrics)(nil)

// NewMetrics registers the HTTP and GraphQL collectors and those given.
// It panics if two collectors clash, as prometheus.MustRegister does.
func NewMetrics(collectors ...prometheus.Collector) *Metrics {
	m := &Metrics{
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
		opNames: BoundedNames{Max: MaxOperationNames},
	}
	m.reg.MustRegister(m.requests, m.duration, m.graphOps)
	m.reg.MustRegister(collectors...)
	return m
}

// Handler serves the registry in the Prometheus text (or OpenMetrics)
// format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRequest counts one answered request.
func (m *Metrics) ObserveRequest(role, method, route string, status int, elapsed time.Duration) {
	if !knownMethods[method] {
		method = "other" // methods are free text: keep the label set bounded
	}
	s := strconv.Itoa(status)
	m.requests.WithLabelValues(role, method, route, s).Inc()
	m.duration.WithLabelValues(role, method, route, s).Observe(elapsed.Seconds())
}

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// ObserveOperation counts one GraphQL operation, by its name as
// BoundedNames labels it.
func (m *Metrics) ObserveOperation(role, name string, errs int) {
	outcome := "ok"
	if errs > 0 {
		outcome = "error"
	}
	m.graphOps.WithLabelValues(role, m.opNames.Label(name), outcome).Inc()
}

// MaxOperationNames bounds the distinct operation names one process
// labels: clients choose the names, and every name is a new time series.
const MaxOperationNames = 200

// BoundedNames turns operation names into labels: the first Max valid
// names as they are, later ones "other", invalid ones "invalid" and
// anonymous operations "anonymous". It is safe for concurrent use.
type BoundedNames struct {
	Max  int
	mu   sync.Mutex
	seen map[string]bool
}

// graphqlName is the GraphQL spec's Name, capped at MaxLogName.
var graphqlName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,` + strconv.Itoa(MaxLogName-1) + `}$`)

// Label is name's label.
func (b *BoundedNames) Label(name string) string {
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
		if len(b.seen) >= b.Max {
			return "other"
		}
		b.seen[name] = true
	}
	return name
}
