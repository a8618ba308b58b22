package server

import (
	"net/http"

	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/internal/web"
)

// RateLimitedMessage is what a caller over its rate budget is told, on
// every surface.
const RateLimitedMessage = "Too many requests, please retry later"

// WriteRateLimited answers a GraphQL request that the rate limiter refused
// before it reached the graph: 429, one error with gqlcode.RateLimited, in the
// shape every GraphQL client reads. The limiter has set Retry-After.
func WriteRateLimited(w http.ResponseWriter) {
	web.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []map[string]any{{
		"message": RateLimitedMessage, "extensions": map[string]string{"code": gqlcode.RateLimited},
	}}})
}
