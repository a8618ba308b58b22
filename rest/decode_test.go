package rest

import (
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/services"
)

func TestWholeNumber(t *testing.T) {
	cases := []struct {
		lit   string
		n     int64
		whole bool
	}{
		{"0", 0, true},
		{"-0", 0, true},
		{"42", 42, true},
		{"-7", -7, true},
		{"2.0", 2, true},
		{"1e2", 100, true},
		{"1E+2", 100, true},
		{"1e-400", 0, true}, // underflows to 0 in JavaScript too
		{"1.5", 0, false},
		{"-0.1", 0, false},
		{"1e-2", 0, false},
		{"1e400", 0, false}, // Infinity is no integer
		{"9223372036854775808", math.MaxInt64, true},
		{"-9223372036854775809", math.MinInt64, true},
		{"1e30", math.MaxInt64, true},
		{"-1e30", math.MinInt64, true},
	}
	for _, c := range cases {
		n, whole := wholeNumber(c.lit)
		if n != c.n || whole != c.whole {
			t.Errorf("wholeNumber(%s) = %d, %v; want %d, %v", c.lit, n, whole, c.n, c.whole)
		}
	}
}

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

// The first failure in field order wins, whatever comes after it.
func TestFieldsFirstFailure(t *testing.T) {
	obj := object{"b": []byte(`"x"`), "c": []byte(`1.5`), "d": []byte(`[{"q":"1"}]`)}
	f := fields{obj: obj}
	f.integer("a", false) // absent, optional: no failure
	f.integer("b", true)  // the first failure
	f.integer("c", true)
	f.str("missing", true)
	if got := services.ErrorOf(f.err).Message; got != "Expected number, received string" {
		t.Fatalf("first failure %q", got)
	}
	f = fields{obj: obj}
	for _, raw := range f.array("d", true) {
		item := f.element("d", raw)
		item.integer("q", true)
		f.adopt(item)
	}
	if got := services.ErrorOf(f.err).Message; got != "Expected number, received string" {
		t.Fatalf("element failure %q", got)
	}
}
