package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/services"
)

// The messages this package produces itself; every other message comes
// from the services.
const (
	msgNotFound      = "Endpoint not found"
	msgInvalidJSON   = "Invalid JSON"
	msgTooLarge      = "Request entity too large"
	msgInternal      = "Internal server error"
	msgInvalidQuery  = "Invalid query parameters"
	msgRequired      = "Required"
	msgInvalidCustID = "Invalid customer ID"
	msgInvalidProdID = "Invalid product ID"
	msgInvalidOrdID  = "Invalid order ID"
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
		writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: msgTooLarge})
		return
	}
	e := services.As(err)
	status := statusOf(e)
	msg := e.Message
	if status == http.StatusInternalServerError {
		ew.log.ErrorContext(r.Context(), "internal error",
			"err", err, "kind", e.Kind.String(), "code", e.Code,
			"method", r.Method, "path", r.URL.Path,
			"request_id", middleware.GetReqID(r.Context()))
		msg = msgInternal
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="b2b"`)
	}
	writeJSON(w, status, errorBody{Error: msg})
}

// deny is the answer of auth.Authenticator.RequireService.
func (ew errorWriter) deny(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
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

func endpointNotFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, errorBody{Error: msgNotFound})
}

// invalid is a 400 with msg that this package decides itself (decoding,
// path and query parameters).
func invalid(field, msg string) error { return services.InvalidField(field, msg) }

// writeJSON encodes v as the whole answer, ending in a newline like every
// other answer of the binary. HTML characters stay as they are, as
// JSON.stringify leaves them; the security headers keep browsers from
// sniffing the answer as HTML.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	body := []byte(`{"success":false,"error":"` + msgInternal + `"}` + "\n")
	if err := enc.Encode(v); err == nil {
		body = buf.Bytes()
	} else {
		// Only a programming error gets here: every body is a DTO of this package.
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	// The client may be gone; there is nobody left to tell.
	_, _ = w.Write(body)
}
