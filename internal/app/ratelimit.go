package app

import (
	"net/http"
	"strings"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/rest"
	"github.com/b2b-orders/platform/services"
)

// internalPrefix is the customers role's internal route, which only other
// roles call (with the service token): never limited.
const internalPrefix = rest.Prefix + "/internal/"

// newLimiter returns the rate limiter of a role's public routes and graph,
// or nil when limiting is off. It runs after authentication so that it can
// tell clients apart (auth.ClientKey: a principal, or an address without
// a valid credential). The service token is not limited: it is the other
// roles and the orchestrator, whose own callers were limited where they
// came in.
//
// A request costs one; a GraphQL operation costs one per root field, so
// that aliasing a mutation a hundred times costs what a hundred requests
// do. Over the budget the answer is 429 with Retry-After, in the envelope
// of the surface: the contract's {"success":false,"error":…} on REST and
// the orchestrator, a GraphQL error on /graphql.
func newLimiter(cfg config.RateLimit) *web.RateLimiter {
	if cfg.Requests == 0 {
		return nil
	}
	return web.NewRateLimiter(cfg.Requests, cfg.Window, rateLimitKey, exempt, tooManyRequests)
}

// exempt reports whether r is never limited: the customers role's internal
// route and callers with the service token.
func exempt(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, internalPrefix) {
		return true
	}
	p, err := auth.FromContext(r.Context())
	return err == nil && p.Role == services.RoleService
}

// rateLimitKey names the client of r (auth.ClientKey).
func rateLimitKey(r *http.Request) (string, error) {
	return auth.ClientKey(r.Context(), r.RemoteAddr), nil
}

// tooManyRequests answers a limited request; httprate has set Retry-After
// and the X-RateLimit-* headers already.
func tooManyRequests(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/graphql") {
		server.WriteRateLimited(w)
		return
	}
	web.WriteError(w, http.StatusTooManyRequests, server.RateLimitedMessage)
}
