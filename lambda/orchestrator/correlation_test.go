package orchestrator_test

import (
	"net/http"
	"strings"
	"testing"
)

// A correlation id that could not travel in a header (control characters,
// or too long) is the caller's mistake: 400 before the graph is called,
// not a 503 after the HTTP client refused the header three times. One from
// a Lambda event's headers is replaced by a generated one.
func TestCorrelationIDMustFitAHeader(t *testing.T) {
	e := newEnv(t)
	order := func(correlation string) []byte {
		return []byte(`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"corr","correlation_id":"` + correlation + `"}`)
	}
	for _, tc := range []struct{ name, id, msg string }{
		{"newline", `a\nb`, "Correlation ID must not contain control characters"},
		{"NUL", `a\u0000b`, "Correlation ID must not contain control characters"},
		{"escape", `\u001b[31m`, "Correlation ID must not contain control characters"},
		{"DEL", `\u007f`, "Correlation ID must not contain control characters"},
		{"tab", `a\tb`, "Correlation ID must not contain control characters"},
		{"too long", strings.Repeat("x", 256), "Correlation ID must be at most 255 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.h.Handle(t.Context(), order(tc.id), "", "")
			if r.Status != http.StatusBadRequest || r.Error != tc.msg || r.CorrelationID != "generated-id" {
				t.Fatalf("answer = %+v, want 400 %q", r, tc.msg)
			}
		})
	}
	if s := e.stock(t, 1); s != 50 {
		t.Fatalf("stock = %d", s)
	}
	// Spaces, non-ASCII and 255 bytes travel fine.
	r := e.h.Handle(t.Context(), order("a b c é"+strings.Repeat("x", 255-len("a b c é"))), "", "")
	if r.Status != http.StatusCreated {
		t.Fatalf("answer = %+v", r)
	}
	r = e.h.Handle(t.Context(), []byte(`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"corr-2"}`), "bad\r\nid", "")
	if r.Status != http.StatusCreated || r.CorrelationID != "generated-id" {
		t.Fatalf("header id with CRLF: %+v", r)
	}
	// The header follows the body's rule: a tab is a control character.
	r = e.h.Handle(t.Context(), []byte(`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"corr-tab"}`), "a\tb", "")
	if r.Status != http.StatusCreated || r.CorrelationID != "generated-id" {
		t.Fatalf("header id with a tab: %+v", r)
	}
	// A header id that is not UTF-8 would be one thing in the JSON answer
	// and another in its header.
	r = e.h.Handle(t.Context(), []byte(`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"corr-3"}`), "\x84", "")
	if r.Status != http.StatusCreated || r.CorrelationID != "generated-id" {
		t.Fatalf("header id not UTF-8: %+v", r)
	}
}
