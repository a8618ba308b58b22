package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// Operation is what a GraphQL handler learnt of a request's operation,
// for the request's access line. A stream (a WebSocket carrying several
// subscriptions) records from several goroutines: Record is safe for
// concurrent use, and the last one wins.
type Operation struct {
	mu sync.Mutex
	// Name is the operation's name; empty for an anonymous operation or a
	// request that never became one.
	Name string
	// Errors counts the errors of the response.
	Errors   int
	Duration time.Duration
	// Attrs are the key-value pairs resolvers added to the request's log.
	Attrs []any
}

// Record stores what the handler learnt of the operation; the name as
// LogName bounds it.
func (op *Operation) Record(name string, errs int, d time.Duration, attrs []any) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.Name, op.Errors, op.Duration, op.Attrs = LogName(name), errs, d, attrs
}

// MaxLogName is the most of a client's operation name that a log line
// keeps, and the longest name that BoundedNames makes a metrics label.
const MaxLogName = 64

// LogName is an operation name as a log line may hold it: a client
// chooses it, so it is cut to MaxLogName bytes (at a character boundary)
// and marked with "…" where it was cut.
func LogName(name string) string {
	if len(name) <= MaxLogName {
		return name
	}
	cut := MaxLogName
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "…"
}

// recorded is a copy of what an Operation holds.
type recorded struct {
	Name   string
	Errors int
	Attrs  []any
}

// snapshot is a copy of what was recorded, and whether anything was.
func (op *Operation) snapshot() (recorded, bool) {
	op.mu.Lock()
	defer op.mu.Unlock()
	return recorded{Name: op.Name, Errors: op.Errors, Attrs: op.Attrs}, op.Duration != 0 || op.Name != "" || op.Errors != 0
}

type operationKey struct{}

// OperationOf is where a GraphQL handler stores what it learnt of the
// request's operation, when the request is under AccessLog; false
// otherwise, when the handler should log a line of its own. A request is
// never logged twice.
func OperationOf(ctx context.Context) (*Operation, bool) {
	op, ok := ctx.Value(operationKey{}).(*Operation)
	return op, ok
}

// Observer counts what AccessLog sees (Metrics is one).
type Observer interface {
	ObserveRequest(role, method, route string, status int, elapsed time.Duration)
	ObserveOperation(role, name string, errs int)
}

// probePaths are asked by machines every few seconds; their access lines
// go to debug so that they do not drown the requests of people.
var probePaths = map[string]bool{"/health": true, "/livez": true, "/readyz": true, "/metrics": true}

// AccessLog writes the one access line of each request to log and counts
// it in obs. Put it outside the recoverer, so that a panic's 500 is logged
// and counted too. A GraphQL request's operation (name, errors, the
// correlation id a resolver saw) joins the same line through OperationOf.
// 5xx lines are warnings, probes' lines debug, the rest info; a request
// whose client went away is info, marked canceled, whatever its status.
func AccessLog(log *slog.Logger, role string, obs Observer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			op := &Operation{}
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), operationKey{}, op)))
			elapsed := time.Since(start)

			status := ww.Status()
			if status == 0 {
				status = http.StatusOK // nothing written: net/http answers 200
			}
			route := RoutePattern(r)
			rec, graphql := op.snapshot()
			obs.ObserveRequest(role, r.Method, route, status, elapsed)
			if graphql {
				obs.ObserveOperation(role, rec.Name, rec.Errors)
			}

			// The orchestrator makes a correlation id when the caller
			// sent none and answers with it; the header has the last word.
			corr := ww.Header().Get(CorrelationIDHeader)
			if corr == "" {
				corr = CorrelationIDFrom(r.Context())
			}
			attrs := make([]slog.Attr, 0, 12)
			attrs = append(attrs,
				slog.String("role", role),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.Int("bytes", ww.BytesWritten()),
				slog.String("request_id", middleware.GetReqID(r.Context())),
			)
			if graphql {
				attrs = append(attrs, slog.String("operation", rec.Name), slog.Int("graphql_errors", rec.Errors))
				for i := 0; i+1 < len(rec.Attrs); i += 2 {
					key, _ := rec.Attrs[i].(string)
					if key == "correlation_id" && corr == "" {
						corr, _ = rec.Attrs[i+1].(string)
						continue
					}
					if key != "" && key != "correlation_id" {
						attrs = append(attrs, slog.Any(key, rec.Attrs[i+1]))
					}
				}
			}
			if corr != "" {
				attrs = append(attrs, slog.String("correlation_id", corr))
			}
			// A client that went away is its own doing, whatever the
			// handler made of it: never a warning.
			canceled := errors.Is(r.Context().Err(), context.Canceled)
			if canceled {
				attrs = append(attrs, slog.Bool("canceled", true))
			}
			level := slog.LevelInfo
			switch {
			case canceled:
			case status >= 500:
				level = slog.LevelWarn
			case probePaths[r.URL.Path] && route != UnmatchedRoute:
				level = slog.LevelDebug
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
		})
	}
}

// UnmatchedRoute is the route of requests no route took (404s), so that
// their paths, which callers choose, never become metric labels.
const UnmatchedRoute = "unmatched"

// RoutePattern is chi's pattern of the route that served r, such as
// /api/v1/orders/{id}/confirm, read after routing finished.
func RoutePattern(r *http.Request) string {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil {
		return UnmatchedRoute
	}
	p := rctx.RoutePattern()
	if p == "" || p == "/*" {
		return UnmatchedRoute
	}
	return p
}
