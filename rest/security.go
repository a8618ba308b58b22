package rest

import (
	"net/http"
	"slices"
)

// The CORS answer for allowed origins.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type, X-Idempotency-Key, X-Request-ID"
	corsExpose  = "X-Request-ID"
	corsMaxAge  = "600"
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
