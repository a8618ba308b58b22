package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/web"
)

// requestTimeout bounds the context of every request, so that a database
// or a peer that stops answering (rather than refusing) turns into an
// error answer instead of a hung request. It stays below writeTimeout so
// the client still gets that answer, and above the orchestrator's worst
// case of three graph calls (graphTimeout each).
const requestTimeout = 45 * time.Second

// probePaths are asked by machines every few seconds; their access lines
// go to debug so that they do not drown the requests of people.
var probePaths = map[string]bool{"/health": true, "/livez": true, "/readyz": true, "/metrics": true}

// observe writes the one access line of each request and counts it in the
// HTTP metrics. It runs outside the recoverer, so a panic's 500 is logged
// and counted too. A GraphQL request's operation (name, errors, the
// correlation id a resolver saw) joins the same line through
// server.RecordOperation rather than the graph logging a second one.
func (a *app) observe(roleName string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			op := &server.Operation{}
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r.WithContext(server.RecordOperation(r.Context(), op)))
			elapsed := time.Since(start)

			status := ww.Status()
			if status == 0 {
				status = http.StatusOK // nothing written: net/http answers 200
			}
			route := routePattern(r)
			graphql := op.Duration != 0 || op.Name != "" || op.Errors != 0
			a.metrics.observeRequest(roleName, r.Method, route, status, elapsed)
			if graphql {
				a.metrics.observeOperation(roleName, op.Name, op.Errors)
			}

			// The orchestrator makes a correlation id when the caller
			// sent none and answers with it; the header has the last word.
			corr := ww.Header().Get(web.CorrelationIDHeader)
			if corr == "" {
				corr = web.CorrelationIDFrom(r.Context())
			}
			attrs := make([]slog.Attr, 0, 12)
			attrs = append(attrs,
				slog.String("role", roleName),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.Int("bytes", ww.BytesWritten()),
				slog.String("request_id", middleware.GetReqID(r.Context())),
			)
			if graphql {
				attrs = append(attrs, slog.String("operation", op.Name), slog.Int("graphql_errors", op.Errors))
				for i := 0; i+1 < len(op.Attrs); i += 2 {
					key, _ := op.Attrs[i].(string)
					if key == "correlation_id" && corr == "" {
						corr, _ = op.Attrs[i+1].(string)
						continue
					}
					if key != "" && key != "correlation_id" {
						attrs = append(attrs, slog.Any(key, op.Attrs[i+1]))
					}
				}
			}
			if corr != "" {
				attrs = append(attrs, slog.String("correlation_id", corr))
			}
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelWarn
			case probePaths[r.URL.Path] && route != unmatchedRoute:
				level = slog.LevelDebug
			}
			a.log.LogAttrs(r.Context(), level, "request", attrs...)
		})
	}
}

// unmatchedRoute is the route of requests no route took (404s), so that
// their paths, which callers choose, never become metric labels.
const unmatchedRoute = "unmatched"

// routePattern is chi's pattern of the route that served r, such as
// /api/v1/orders/{id}/confirm, read after routing finished.
func routePattern(r *http.Request) string {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil {
		return unmatchedRoute
	}
	p := rctx.RoutePattern()
	if p == "" || p == "/*" {
		return unmatchedRoute
	}
	return p
}
