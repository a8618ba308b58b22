package web

import "github.com/b2b-orders/platform/internal/gqlcode"

// The request headers the API reads beyond the standard ones
// (Authorization, Content-Type, Accept, ...). A browser sends one
// cross-origin only when the CORS preflight allows it, so rest's
// allow-list is built from these.
const (
	// RequestIDHeader is read from the client (or a proxy) and echoed back.
	RequestIDHeader = "X-Request-ID"
	// CorrelationIDHeader carries the id of a business flow across
	// processes: the orchestrator sends it to the graph, and every role
	// echoes it and logs it with each request.
	CorrelationIDHeader = "X-Correlation-ID"
	// IdempotencyKeyHeader (the IETF draft's name) carries an order
	// creation's optional idempotency key.
	IdempotencyKeyHeader = "Idempotency-Key"
	// XIdempotencyKeyHeader carries a confirm's key when the body has
	// none, and a creation's when Idempotency-Key is absent, as the
	// original read it.
	XIdempotencyKeyHeader = "X-Idempotency-Key"
	// APIKeyHeader carries an API key, for clients that cannot set
	// Authorization (an ERP's HTTP connector, say).
	APIKeyHeader = "X-API-Key"
)

// ForwardedHeaders are the request headers a federation gateway passes on
// to the subgraphs: the credentials they authenticate every request with,
// and the correlation id their logs join on. deploy/limits.mjs has them
// generated (graph/internal/limitsgen).
func ForwardedHeaders() []string {
	return []string{"Authorization", APIKeyHeader, CorrelationIDHeader}
}

// RetryAfterHeader says when to try again, in seconds, on a 503 or a 429
// (RetryAfterSeconds for a 503).
const RetryAfterHeader = "Retry-After"

// StatusClientClosedRequest is nginx's 499: the client went away before
// the answer. Nobody reads it; the access log records it as the client's
// doing. It is the status gqlcode gives the graph's Canceled.
const StatusClientClosedRequest = gqlcode.StatusClientClosedRequest
