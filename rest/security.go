package rest

import (
	"net/http"
	"slices"
	"strings"

	"github.com/b2b-orders/platform/internal/web"
)

// The CORS answer for allowed origins. corsHeaders lists every request
// header a page may need to send: a browser leaves out of its request, or
// refuses to send, one the preflight did not allow. The API's own headers
// come from their one definition in web, so that a header the API starts
// reading cannot be missing here (TestCORSAllowsEveryHeaderRead).
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, " + web.IdempotencyKeyHeader + ", " + web.XIdempotencyKeyHeader +
		", " + web.RequestIDHeader + ", " + web.CorrelationIDHeader + ", " + web.APIKeyHeader
	corsExpose = web.RequestIDHeader + ", " + web.CorrelationIDHeader + ", " + web.RetryAfterHeader
	corsMaxAge = "600"
)

// cors lets the listed browser origins ("*": any) call the API. With no
// origins it does nothing, so browsers refuse cross-origin calls. Preflight
// requests from an allowed origin are answered here, since no route
// declares OPTIONS; others go on to the router and its 404.
func cors(origins []string) func(http.Handler) http.Handler {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	anyOrigin := slices.Contains(origins, "*")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			if !anyOrigin {
				// The answer depends on the origin: caches must keep them apart.
				h.Add("Vary", "Origin")
			}
			origin := r.Header.Get("Origin")
			if origin == "" || !anyOrigin && !slices.Contains(origins, origin) {
				next.ServeHTTP(w, r)
				return
			}
			if anyOrigin {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			h.Set("Access-Control-Expose-Headers", corsExpose)
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", corsMethods)
				h.Set("Access-Control-Allow-Headers", corsHeaders)
				h.Set("Access-Control-Max-Age", corsMaxAge)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// msgCrossSite answers a write that a page of another site sent.
const msgCrossSite = "Cross-site requests may not change data"

// refuseCrossSite answers 403 to a write (any method but GET, HEAD and
// OPTIONS) that a browser sent from a page of another site: an Origin that
// is neither the API's own nor one of origins ("*": any), or, without an
// Origin, Sec-Fetch-Site: cross-site. A write with no body and no
// Content-Type is a CORS simple request, which a browser sends without
// asking first; with AUTH_REQUIRED=false nothing else would stop a page
// from canceling orders on a visitor's behalf. Clients that are not
// browsers send neither header and pass.
func refuseCrossSite(origins []string) func(http.Handler) http.Handler {
	anyOrigin := slices.Contains(origins, "*")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				next.ServeHTTP(w, r)
				return
			}
			if origin := r.Header.Get("Origin"); origin != "" {
				if !anyOrigin && !slices.Contains(origins, origin) && !web.SameOrigin(origin, r.Host) {
					web.WriteError(w, http.StatusForbidden, msgCrossSite)
					return
				}
			} else if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
				web.WriteError(w, http.StatusForbidden, msgCrossSite)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
