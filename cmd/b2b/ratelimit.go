package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/httprate"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/rest"
	"github.com/b2b-orders/platform/services"
)

// internalPrefix is the customers role's internal route, which only other
// roles call (with the service token): never limited.
const internalPrefix = rest.Prefix + "/internal/"

// limiter limits each client of a role's public routes and graph to a
// budget (a sliding window, kept in this process). It runs after
// authentication so that it can tell clients apart:
//
//   - a user with a valid token is one client whatever address it comes
//     from (behind a gateway or a NAT every user shares one address);
//   - a caller with no valid credential is its address (RemoteAddr; no
//     forwarding header is trusted, since anyone can send one), IPv6 by /64;
//   - the service token is not limited: it is the other roles and the
//     orchestrator, whose own callers were limited where they came in.
//
// A request costs one; a GraphQL operation costs one per root field, so
// that aliasing a mutation a hundred times costs what a hundred requests
// do. Over the budget the answer is 429 with Retry-After, in the envelope
// of the surface: the contract's {"success":false,"error":…} on REST and
// the orchestrator, a GraphQL error on /graphql.
type limiter struct {
	rl *httprate.RateLimiter
	// key is the limiter's own key function: httprate joins key
	// functions into one, which adds a separator to what they return.
	key httprate.KeyFunc
}

// newLimiter returns the limiter of cfg, or nil when limiting is off.
func newLimiter(cfg RateLimit) *limiter {
	if cfg.Requests == 0 {
		return nil
	}
	return &limiter{
		rl: httprate.NewRateLimiter(cfg.Requests, cfg.Window,
			httprate.WithKeyFuncs(rateLimitKey), httprate.WithLimitHandler(tooManyRequests)),
		key: httprate.JoinKeys(rateLimitKey),
	}
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

// middleware charges every request one.
func (l *limiter) middleware(next http.Handler) http.Handler {
	limited := l.rl.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		limited.ServeHTTP(w, r)
	})
}

// charge takes cost more from r's client, for the graph's operations with
// several root fields. It returns false, having answered 429, when the
// budget does not cover it.
func (l *limiter) charge(w http.ResponseWriter, r *http.Request, cost int) bool {
	if exempt(r) {
		return true
	}
	key, err := l.key(r)
	if err != nil {
		return true // rateLimitKey never fails; the middleware charged the request
	}
	if l.rl.OnLimit(w, r.WithContext(httprate.WithIncrement(r.Context(), cost)), key) {
		tooManyRequests(w, r)
		return false
	}
	return true
}

// rateLimitKey names the client of r (see rateLimiter).
func rateLimitKey(r *http.Request) (string, error) {
	if p, err := auth.FromContext(r.Context()); err == nil && p.Role != services.RoleAnonymous {
		return "principal:" + string(p.Role) + ":" + strconv.Itoa(p.CustomerID) + ":" + p.Subject, nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + httprate.CanonicalizeIP(host), nil
}

// tooManyRequests answers a limited request; httprate has set Retry-After
// and the X-RateLimit-* headers already.
func tooManyRequests(w http.ResponseWriter, r *http.Request) {
	const msg = "Too many requests, please retry later"
	if strings.HasSuffix(r.URL.Path, "/graphql") {
		web.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []map[string]any{{
			"message": msg, "extensions": map[string]string{"code": server.CodeRateLimited},
		}}})
		return
	}
	web.WriteError(w, http.StatusTooManyRequests, msg)
}
