package web

import (
	"mime"
	"net/http"
	"strings"
)

// MsgNotJSON answers a write whose body is not JSON (415).
const MsgNotJSON = "Content-Type must be application/json"

// IsJSON reports whether a Content-Type names JSON: application/json or an
// application/*+json type, with any parameters.
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// RequireJSON answers 415 MsgNotJSON, in the contract's envelope, to a
// POST, PUT or PATCH that declares a body of another type, or sends a body
// without declaring its type. A form, text/plain or multipart body is what
// a web page can send to another site without asking it first (no CORS
// preflight); refusing them means no page can make a write here on a
// visitor's behalf. A write without a body (curl -X POST …/cancel) passes.
func RequireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			ct := r.Header.Get("Content-Type")
			hasBody := r.ContentLength != 0 // -1: chunked, length unknown
			if ct != "" && !IsJSON(ct) || ct == "" && hasBody {
				WriteError(w, http.StatusUnsupportedMediaType, MsgNotJSON)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
