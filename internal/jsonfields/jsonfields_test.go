package jsonfields

import (
	"math"
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

// message is the message of err, "" for nil; it fails the test when err
// is not an Invalid services error, the only kind the decoder gives.
func message(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	e := services.ErrorOf(err)
	if e.Kind != services.Invalid || e.Error() != e.Message {
		t.Fatalf("%v: kind %v, not a plain Invalid error", err, e.Kind)
	}
	return e.Message
}

// Bodies: the REST API's parser is lenient (a byte order mark, a blank
// body, an array named as such), the orchestrator's takes objects only.
func TestParse(t *testing.T) {
	cases := []struct {
		body         string
		rest, orches string
	}{
		{"", "", "Invalid JSON"},
		{" \r\n\t", "", "Invalid JSON"},
		{"{}", "", ""},
		{` {"a":1} `, "", ""},
		{"null", "Invalid JSON", "Invalid JSON"},
		{"1", "Invalid JSON", "Invalid JSON"},
		{`"s"`, "Invalid JSON", "Invalid JSON"},
		{"true", "Invalid JSON", "Invalid JSON"},
		{"[1]", "Expected object, received array", "Invalid JSON"},
		{"[]", "Expected object, received array", "Invalid JSON"},
		{"{", "Invalid JSON", "Invalid JSON"},
		{`{"a":1}{"b":2}`, "Invalid JSON", "Invalid JSON"},
		{`{"a":1,}`, "Invalid JSON", "Invalid JSON"},
		{"\ufeff{}", "", "Invalid JSON"},
		{"\ufeff\ufeff{}", "Invalid JSON", "Invalid JSON"},
	}
	for _, c := range cases {
		for _, s := range []struct {
			opts Options
			want string
		}{{Options{LenientBody: true}, c.rest}, {Options{HugeNumberIsString: true}, c.orches}} {
			f, err := Parse([]byte(c.body), s.opts)
			if got := message(t, err); got != s.want {
				t.Errorf("Parse(%q, %+v): %q, want %q", c.body, s.opts, got, s.want)
			}
			if (err == nil) != (f != nil) {
				t.Errorf("Parse(%q, %+v): fields %v with error %v", c.body, s.opts, f, err)
			}
		}
	}
}

func parse(t *testing.T, body string, opts Options) *Fields {
	t.Helper()
	f, err := Parse([]byte(body), opts)
	if err != nil {
		t.Fatalf("Parse(%s): %v", body, err)
	}
	return f
}

// The first failure in field order wins, whatever comes after it, and
// names its field.
func TestFirstFailure(t *testing.T) {
	const body = `{"b":"x","c":1.5,"d":[{"q":"1"}]}`
	f := parse(t, body, Options{LenientBody: true})
	f.Integer("a", false) // absent, optional: no failure
	f.Integer("b", true)  // the first failure
	f.Integer("c", true)
	f.Str("missing", true)
	f.Fail("c", "a later check")
	if got := message(t, f.Err()); got != "Expected number, received string" || services.ErrorOf(f.Err()).Field != "b" {
		t.Fatalf("first failure %v", f.Err())
	}
	f = parse(t, body, Options{LenientBody: true})
	for _, raw := range f.Array("d", true) {
		item := f.Element("d", raw)
		item.Integer("q", true)
		f.Adopt(item)
	}
	if got := message(t, f.Err()); got != "Expected number, received string" || services.ErrorOf(f.Err()).Field != "q" {
		t.Fatalf("element failure %v", f.Err())
	}
}

// Every reader's answers, for present, absent and mistyped fields.
func TestReaders(t *testing.T) {
	f := parse(t, `{"s":"x","n":3,"b":true,"a":["p","q"],"e":[],"z":null,"o":{"m":1}}`, Options{LenientBody: true})
	if s := f.Str("s", true); s == nil || *s != "x" {
		t.Errorf("Str = %v", s)
	}
	if n := f.Integer("n", true); n == nil || *n != 3 {
		t.Errorf("Integer = %v", n)
	}
	if b := f.Boolean("b", true); b == nil || !*b {
		t.Errorf("Boolean = %v", b)
	}
	if a := f.Strings("a", true); len(a) != 2 || a[0] != "p" || a[1] != "q" {
		t.Errorf("Strings = %v", a)
	}
	if e := f.Array("e", true); e == nil || len(e) != 0 {
		t.Errorf("Array of [] = %#v, want empty, not nil", e)
	}
	if s := f.NullableStr("z"); s != nil {
		t.Errorf("NullableStr of null = %v", *s)
	}
	if s := f.NullableStr("absent"); s != nil {
		t.Errorf("NullableStr of nothing = %v", *s)
	}
	if o := f.Object("o", true); o == nil || o.Integer("m", true) == nil || *o.Integer("m", true) != 1 || o.Err() != nil {
		t.Errorf("Object = %v", o)
	}
	if f.Str("absent", false) != nil || f.Integer("absent", false) != nil || f.Boolean("absent", false) != nil ||
		f.Strings("absent", false) != nil || f.Array("absent", false) != nil || f.Objects("absent", false) != nil ||
		f.Object("absent", false) != nil {
		t.Error("an absent optional field read as present")
	}
	if err := f.Err(); err != nil {
		t.Fatalf("no read should fail: %v", err)
	}

	cases := []struct {
		read func(f *Fields)
		body string
		want string
	}{
		{func(f *Fields) { f.Str("k", true) }, `{}`, "Required"},
		{func(f *Fields) { f.Str("k", true) }, `{"k":null}`, "Expected string, received null"},
		{func(f *Fields) { f.Str("k", false) }, `{"k":null}`, "Expected string, received null"},
		{func(f *Fields) { f.NullableStr("k") }, `{"k":1}`, "Expected string, received number"},
		{func(f *Fields) { f.Integer("k", true) }, `{"k":"1"}`, "Expected number, received string"},
		{func(f *Fields) { f.Integer("k", true) }, `{"k":[]}`, "Expected number, received array"},
		{func(f *Fields) { f.Integer("k", true) }, `{"k":1.5}`, "Expected integer, received float"},
		{func(f *Fields) { f.Integer("k", true) }, `{"k":1e400}`, "Expected integer, received float"},
		{func(f *Fields) { f.Boolean("k", true) }, `{"k":"true"}`, "Expected boolean, received string"},
		{func(f *Fields) { f.Strings("k", true) }, `{"k":"x"}`, "Expected array, received string"},
		{func(f *Fields) { f.Strings("k", true) }, `{"k":["x",1]}`, "Expected string, received number"},
		{func(f *Fields) { f.Array("k", true) }, `{"k":{}}`, "Expected array, received object"},
		{func(f *Fields) { f.Element("k", []byte(`null`)) }, `{}`, "Expected object, received null"},
		{func(f *Fields) { f.Element("k", []byte(`3`)) }, `{}`, "Expected object, received number"},
		{func(f *Fields) { f.Object("k", true) }, `{}`, "Required"},
		{func(f *Fields) { f.Object("k", false) }, `{"k":null}`, "Expected object, received null"},
		{func(f *Fields) { f.Object("k", false) }, `{"k":[1]}`, "Expected object, received array"},
		{func(f *Fields) { f.Adopt(f.Object("k", false)); f.Integer("n", true) }, `{"k":{}}`, "Required"},
		{func(f *Fields) { o := f.Object("k", false); o.Integer("n", false); o.Str("s", false); f.Adopt(o) }, `{"k":{"n":1,"s":2}}`,
			"Expected string, received number"},
	}
	for _, c := range cases {
		f := parse(t, c.body, Options{LenientBody: true})
		c.read(f)
		if got := message(t, f.Err()); got != c.want {
			t.Errorf("%s: %q, want %q", c.body, got, c.want)
		}
	}
}

// The orchestrator's ways: a number beyond float64 is "received string",
// and items are all checked to be objects (null passing as {}) before any
// item's fields.
func TestOrchestratorWays(t *testing.T) {
	f := parse(t, `{"k":1e400}`, Options{HugeNumberIsString: true})
	f.Integer("k", true)
	if got := message(t, f.Err()); got != "Expected number, received string" {
		t.Errorf("1e400: %q", got)
	}
	f = parse(t, `{"k":-1e999}`, Options{HugeNumberIsString: true})
	f.Integer("k", true)
	if got := message(t, f.Err()); got != "Expected number, received string" {
		t.Errorf("-1e999: %q", got)
	}
	f = parse(t, `{"k":1e30}`, Options{HugeNumberIsString: true})
	if n := f.Integer("k", true); n == nil || *n != math.MaxInt64 {
		t.Errorf("1e30 = %v, %v; want saturated", n, f.Err())
	}

	cases := []struct {
		items string
		want  string
	}{
		{`[{"q":"x"},3]`, "Expected object, received number"}, // Element would say "Expected number, received string"
		{`[null]`, "Required"},
		{`[{"q":1},null]`, "Required"},
		{`[null,3]`, "Expected object, received null"},
		{`[[],null]`, "Expected object, received array"},
		{`[{"q":1},{"q":"x"}]`, "Expected number, received string"},
		{`[{"q":1}]`, ""},
		{`[]`, ""},
		{`{}`, "Expected array, received object"},
	}
	for _, c := range cases {
		f := parse(t, `{"items":`+c.items+`}`, Options{HugeNumberIsString: true})
		items := f.Objects("items", true)
		for _, it := range items {
			it.Integer("q", true)
			if f.Adopt(it); f.Err() != nil {
				break
			}
		}
		if got := message(t, f.Err()); got != c.want {
			t.Errorf("items %s: %q, want %q", c.items, got, c.want)
		}
		if f.Err() == nil && items == nil {
			t.Errorf("items %s: nil without a failure", c.items)
		}
	}
}
