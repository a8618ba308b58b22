package rest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/services"
)

// readObject enforces the body limit itself, also when no middleware put
// a MaxBytesReader in front of it.
func TestReadObjectLimit(t *testing.T) {
	fits := `{"a":"` + strings.Repeat("x", MaxBodyBytes-8) + `"}`
	if len(fits) != MaxBodyBytes {
		t.Fatalf("len %d", len(fits))
	}
	if _, err := readObject(jsonRequest(fits)); err != nil {
		t.Fatalf("a body of exactly MaxBodyBytes: %v", err)
	}
	over := fits + " "
	if _, err := readObject(jsonRequest(over)); !errors.Is(err, errTooLarge) {
		t.Fatalf("a body one byte over: %v", err)
	}
}

func jsonRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// readObject reads bodies as the original's parser did; the decoder's own
// tests, for both surfaces' ways, are internal/jsonfields'.
func TestReadObject(t *testing.T) {
	cases := []struct {
		body, msg string
	}{
		{"", ""},
		{" \r\n\t", ""},
		{"{}", ""},
		{`{"a":1}`, ""},
		{"null", "Invalid JSON"},
		{"1", "Invalid JSON"},
		{`"s"`, "Invalid JSON"},
		{"true", "Invalid JSON"},
		{"[1]", "Expected object, received array"},
		{"{", "Invalid JSON"},
		{`{"a":1}{"b":2}`, "Invalid JSON"},
		{`{"a":1,}`, "Invalid JSON"},
		{"\ufeff{}", ""},
		{"\ufeff\ufeff{}", "Invalid JSON"},
	}
	for _, c := range cases {
		_, err := readObject(jsonRequest(c.body))
		got := ""
		if err != nil {
			got = services.ErrorOf(err).Message
		}
		if got != c.msg {
			t.Errorf("readObject(%q): %q, want %q", c.body, got, c.msg)
		}
	}
}
