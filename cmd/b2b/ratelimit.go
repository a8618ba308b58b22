package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/httprate"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/rest"
	"github.com/b2b-orders/platform/services"
)

// internalPrefix is the customers role's internal route, which only other
// roles call (with the service token): never limited.
const internalPrefix = rest.Prefix + "/internal/"

// codeRateLimited is the GraphQL error code of a limited request.
const codeRateLimited = "RATE_LIMITED"

// rateLimiter returns the middleware that limits each client of a role's
// public routes and graph to cfg's budget (a sliding window, kept in this
// process), or nil when limiting is off. It runs after authentication so
// that it can tell clients apart:
//
//   - a user with a valid token is one client whatever address it comes
//     from (behind a gateway or a NAT every user shares one address);
//   - a caller with no valid credential is its address (RemoteAddr; no
//     forwarding header is trusted, since anyone can send one), IPv6 by /64;
//   - the service token is not limited: it is the other roles and the
//     orchestrator, whose own callers were limited where they came in.
//
// Over the budget the answer is 429 with Retry-After, in the envelope of
// the surface: the contract's {"success":false,"error":…} on REST and the
// orchestrator, a GraphQL error on /graphql.
func rateLimiter(cfg RateLimit) func(http.Handler) http.Handler {
	if cfg.Requests == 0 {
		return nil
	}
	limit := httprate.LimitBy(cfg.Requests, cfg.Window, rateLimitKey, httprate.WithLimitHandler(tooManyRequests))
	return func(next http.Handler) http.Handler {
		limited := limit(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, internalPrefix) {
				next.ServeHTTP(w, r)
				return
			}
			if p, err := auth.FromContext(r.Context()); err == nil && p.Role == services.RoleService {
				next.ServeHTTP(w, r)
				return
			}
			limited.ServeHTTP(w, r)
		})
	}
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
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []map[string]any{{
			"message": msg, "extensions": map[string]string{"code": codeRateLimited},
		}}})
		return
	}
	writeJSON(w, http.StatusTooManyRequests, errorBody{Error: msg})
}
