package web

import (
	"net/http"
	"time"

	"github.com/go-chi/httprate"
)

// RateLimiter gives each client a budget of cost units per sliding window,
// kept in this process. Which client a request belongs to (key), which
// requests are never limited (exempt) and how a refusal is answered
// (refuse, after Retry-After and the X-RateLimit-* headers are set) are
// the caller's.
type RateLimiter struct {
	rl *httprate.RateLimiter
	// key is what httprate keys on: it joins key functions into one,
	// which adds a separator to what they return.
	key    httprate.KeyFunc
	exempt func(*http.Request) bool
	refuse http.HandlerFunc
}

// NewRateLimiter returns a limiter of requests units per window.
func NewRateLimiter(requests int, window time.Duration, key httprate.KeyFunc, exempt func(*http.Request) bool, refuse http.HandlerFunc) *RateLimiter {
	return &RateLimiter{
		rl:     httprate.NewRateLimiter(requests, window, httprate.WithKeyFuncs(key), httprate.WithLimitHandler(refuse)),
		key:    httprate.JoinKeys(key),
		exempt: exempt,
		refuse: refuse,
	}
}

// Middleware charges every request that is not exempt one unit.
func (l *RateLimiter) Middleware(next http.Handler) http.Handler {
	limited := l.rl.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.exempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		limited.ServeHTTP(w, r)
	})
}

// Charge takes cost more units from r's client, for work that costs more
// than a request (a GraphQL operation with several root fields). It
// returns false, having answered the request, when the budget does not
// cover it.
func (l *RateLimiter) Charge(w http.ResponseWriter, r *http.Request, cost int) bool {
	if l.exempt(r) {
		return true
	}
	key, err := l.key(r)
	if err != nil {
		return true // the middleware charged the request already
	}
	if l.rl.OnLimit(w, r.WithContext(httprate.WithIncrement(r.Context(), cost)), key) {
		l.refuse(w, r)
		return false
	}
	return true
}
