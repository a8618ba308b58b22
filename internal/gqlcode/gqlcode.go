// Package gqlcode names the extensions.code values of the graph's errors
// and the HTTP status each stands for. Clients branch on these codes,
// never on messages: the graph (graph/server) sets them, the orchestrator
// (lambda/orchestrator), which may not import the graph, reads them, and
// the gateways' limits (deploy/limits.mjs) are generated from them. It
// imports nothing of the module, so that every side can share it.
package gqlcode

import "net/http"

// The codes of errors about a field or an operation.
const (
	// BadUserInput is an argument, variable or request the graph cannot
	// use; extensions.field names the argument when there is one.
	BadUserInput       = "BAD_USER_INPUT"
	Unauthenticated    = "UNAUTHENTICATED"
	Forbidden          = "FORBIDDEN"
	NotFound           = "NOT_FOUND"
	Conflict           = "CONFLICT"
	InsufficientStock  = "INSUFFICIENT_STOCK"
	FailedPrecondition = "FAILED_PRECONDITION"
	// Internal is a bug or an outage, shown without its cause.
	Internal = "INTERNAL_SERVER_ERROR"
	// Unavailable answers an operation that waited for its turn until its
	// deadline, or whose store did not answer.
	Unavailable = "UNAVAILABLE"
	// RateLimited answers a caller over its rate budget.
	RateLimited = "RATE_LIMITED"
	// TooManyStreams refuses a subscription, WebSocket or event stream
	// past the graph's stream limits.
	TooManyStreams = "TOO_MANY_STREAMS"
	// Canceled answers a field whose caller went away before it was
	// resolved; nobody reads it.
	Canceled = "CANCELED"
)

// The codes of a document refused before it ran: nothing was executed.
const (
	// ParseFailed and ValidationFailed are gqlgen's codes, which
	// gateways share.
	ParseFailed      = "GRAPHQL_PARSE_FAILED"
	ValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	// OperationResolution: the document does not say which operation
	// to run (several and no operationName, or a name it lacks).
	OperationResolution = "OPERATION_RESOLUTION_FAILURE"
	FieldLimit          = "FIELD_LIMIT_EXCEEDED"
	AliasLimit          = "ALIAS_LIMIT_EXCEEDED"
	MutationLimit       = "MUTATION_LIMIT_EXCEEDED"
	DepthLimit          = "DEPTH_LIMIT_EXCEEDED"
	// ComplexityLimit is gqlgen's code for an operation over the limit.
	ComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"
)

// StatusClientClosedRequest is nginx's 499: the caller went away before
// the answer. net/http has no name for it.
const StatusClientClosedRequest = 499

// HTTPStatus returns the HTTP status that code stands for, and false for
// a code that is not one of the graph's. A GraphQL answer's own status
// may differ (a refused document is 200 under application/json); this is
// the status a client that answers over plain HTTP gives the error.
func HTTPStatus(code string) (int, bool) {
	switch code {
	case BadUserInput, InsufficientStock, FailedPrecondition,
		ParseFailed, ValidationFailed, OperationResolution,
		FieldLimit, AliasLimit, MutationLimit, DepthLimit, ComplexityLimit:
		return http.StatusBadRequest, true
	case Unauthenticated:
		return http.StatusUnauthorized, true
	case Forbidden:
		return http.StatusForbidden, true
	case NotFound:
		return http.StatusNotFound, true
	case Conflict:
		return http.StatusConflict, true
	case RateLimited, TooManyStreams:
		return http.StatusTooManyRequests, true
	case Unavailable:
		return http.StatusServiceUnavailable, true
	case Canceled:
		return StatusClientClosedRequest, true
	case Internal:
		return http.StatusInternalServerError, true
	}
	return 0, false
}

// Statuses returns the HTTP status of each of codes, for a client that
// passes those codes' statuses on and treats every other code as its
// own failure. It panics on a code that is not the graph's: the caller's
// list is a constant table, wrong from the start.
func Statuses(codes ...string) map[string]int {
	m := make(map[string]int, len(codes))
	for _, c := range codes {
		s, ok := HTTPStatus(c)
		if !ok {
			panic("gqlcode: not a code of the graph: " + c)
		}
		m[c] = s
	}
	return m
}
