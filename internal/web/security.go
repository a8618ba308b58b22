// Package web is the HTTP plumbing every role shares.
package web

import (
	"net/http"
	"net/url"
	"strings"
)

// MaxBodyBytes is the largest request body any role reads; a larger one is
// answered 413 in the surface's own envelope.
const MaxBodyBytes = 1 << 20

// APIPolicy is the Content-Security-Policy of answers that are data, not
// pages: nothing may load, nothing may frame them.
const APIPolicy = "default-src 'none'; frame-ancestors 'none'"

// SecurityHeaders sets what Helmet set on the original's answers that
// matters for an API: no sniffing, no framing, no referrer, the APIPolicy,
// and no caching of customers' data by shared caches. A handler that
// serves a page or a public file sets its own Content-Security-Policy or
// Cache-Control over these.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", APIPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// SameOrigin reports whether a request's Origin header names the host it
// was sent to (its Host header), as a WebSocket library checks a
// handshake's origin: a page of this server, not of another site.
func SameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}
