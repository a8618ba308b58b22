package rest

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
)

// The messages this package produces itself; every other message comes
// from the services, or from the body's decoder (internal/jsonfields).
const (
	msgTooLarge     = "Request entity too large"
	msgInvalidQuery = "Invalid query parameters"
)

// errTooLarge is a body over MaxBodyBytes.
var errTooLarge = errors.New("request body too large")

// kindStatus is the one table from service error kinds to REST statuses.
// Codes in codeStatus override it.
var kindStatus = map[services.Kind]int{
	services.Invalid:            http.StatusBadRequest,
	services.Unauthenticated:    http.StatusUnauthorized,
	services.PermissionDenied:   http.StatusForbidden,
	services.NotFound:           http.StatusNotFound,
	services.Conflict:           http.StatusConflict,
	services.FailedPrecondition: http.StatusBadRequest,
	services.Unavailable:        http.StatusServiceUnavailable,
	services.Canceled:           web.StatusClientClosedRequest,
	services.Internal:           http.StatusInternalServerError,
}

// codeStatus holds the contract's exceptions to kindStatus: the original
// answered a reused confirm key with 400, and clients test for it.
var codeStatus = map[string]int{
	services.CodeKeyReused: http.StatusBadRequest,
}

// statusOf returns the status for a service error.
func statusOf(e *services.Error) int {
	if s, ok := codeStatus[e.Code]; ok {
		return s
	}
	if s, ok := kindStatus[e.Kind]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorWriter answers errors in the contract's envelope.
type errorWriter struct {
	log *slog.Logger
}

// write answers err. Internal errors (and kinds the table does not know)
// are logged here, once, with the request id, and masked.
func (ew errorWriter) write(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.Is(err, errTooLarge) || errors.As(err, &tooLarge) {
		web.WriteError(w, http.StatusRequestEntityTooLarge, msgTooLarge)
		return
	}
	e := services.ErrorOf(err)
	status := statusOf(e)
	msg := e.Message
	if status == http.StatusInternalServerError {
		ew.log.ErrorContext(r.Context(), "internal error",
			"err", err, "kind", e.Kind.String(), "code", e.Code,
			"method", r.Method, "path", r.URL.Path,
			"request_id", middleware.GetReqID(r.Context()))
		msg = web.MsgInternal
	}
	if status == http.StatusServiceUnavailable {
		// Not a fault of ours, but the operator wants its cause.
		ew.log.WarnContext(r.Context(), "unavailable",
			"err", err, "code", e.Code, "method", r.Method, "path", r.URL.Path,
			"request_id", middleware.GetReqID(r.Context()))
	}
	if e.Code == services.CodeBusy {
		w.Header().Set(web.RetryAfterHeader, web.RetryAfterSeconds)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="b2b"`)
	}
	web.WriteError(w, status, msg)
}

// deny is the answer of auth.Authenticator.RequireService.
func (ew errorWriter) deny(w http.ResponseWriter, status int, msg string) {
	web.WriteError(w, status, msg)
}

// requirePrincipal answers 401 before any decoding when the caller has no
// principal: a refused credential, or none while authentication is
// required. The services would refuse too, but only after the request had
// been validated, which would tell an unauthenticated caller more than it
// should know.
func (ew errorWriter) requirePrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.FromContext(r.Context()); err != nil {
			ew.write(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// invalid is a 400 with msg that this package decides itself (decoding,
// path and query parameters).
func invalid(field, msg string) error { return services.InvalidField(field, msg) }
