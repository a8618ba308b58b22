package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// ErrorBody is the contract's error envelope: {"success":false,"error":"…"}.
type ErrorBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

// The messages every role answers alike.
const (
	MsgEndpointNotFound = "Endpoint not found"
	MsgInternal         = "Internal server error"
)

// WriteJSON encodes v as the whole answer, ending in a newline. HTML
// characters stay as they are, as the original's JSON.stringify left them;
// the security headers keep browsers from sniffing the answer as HTML. A
// value that cannot be encoded, which only a programming error produces,
// is answered 500 in the envelope.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	body := []byte(`{"success":false,"error":"` + MsgInternal + `"}` + "\n")
	if err := enc.Encode(v); err == nil {
		body = buf.Bytes()
	} else {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	// The client may be gone; there is nobody left to tell.
	_, _ = w.Write(body)
}

// WriteError answers status with msg in the contract's envelope.
//
// A 503 says when to try again (Retry-After: 1, unless already set): every
// 503 of the service is an outage or contention that a moment may end.
func WriteError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusServiceUnavailable && w.Header().Get(RetryAfterHeader) == "" {
		w.Header().Set(RetryAfterHeader, RetryAfterSeconds)
	}
	WriteJSON(w, status, ErrorBody{Error: msg})
}

// RetryAfterSeconds is the Retry-After of a 503, and of a 429 that
// refuses a stream or a turn rather than a rate: the next second may do.
const RetryAfterSeconds = "1"

// NotFound answers an unknown route or method as the contract does: 404
// "Endpoint not found".
func NotFound(w http.ResponseWriter, _ *http.Request) {
	WriteError(w, http.StatusNotFound, MsgEndpointNotFound)
}
