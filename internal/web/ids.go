package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5/middleware"
)

// RequestID keeps the caller's request id when it is a ValidID, and
// otherwise makes one. It stores it under chi's key, so that every
// transport reads it with middleware.GetReqID.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !ValidID(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b) // never fails, see crypto/rand.Read
			id = hex.EncodeToString(b)
		}
		w.Header().Set(RequestIDHeader, id)
		ctx := context.WithValue(r.Context(), middleware.RequestIDKey, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ValidID accepts up to 128 visible ASCII characters, so that a client's
// id cannot forge log lines or bloat them.
func ValidID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// MaxCorrelationID bounds a correlation id, in bytes: it travels in
// headers and log lines.
const MaxCorrelationID = 255

// ValidCorrelationID is the one rule for a correlation id, whether it
// comes in the X-Correlation-ID header or in the orchestrator's body: 1 to
// MaxCorrelationID bytes of UTF-8 without control characters (tab
// included), so that it can travel in a header and cannot forge a log
// line.
func ValidCorrelationID(id string) bool {
	if id == "" || len(id) > MaxCorrelationID || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

type correlationKey struct{}

// CorrelationID keeps the caller's X-Correlation-ID when it is a
// ValidCorrelationID, puts it in the context and echoes it. Unlike
// the request id, none is made up: a request without one belongs to no
// flow. The orchestrator, which starts flows, makes its own and answers
// with it.
func CorrelationID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(CorrelationIDHeader); ValidCorrelationID(id) {
			w.Header().Set(CorrelationIDHeader, id)
			r = r.WithContext(context.WithValue(r.Context(), correlationKey{}, id))
		}
		next.ServeHTTP(w, r)
	})
}

// CorrelationIDFrom returns the correlation id CorrelationID accepted, or "".
func CorrelationIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(correlationKey{}).(string)
	return id
}
