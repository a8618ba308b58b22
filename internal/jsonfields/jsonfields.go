// Package jsonfields decodes JSON request bodies one field at a time, as
// the original's validator (zod) checked them: the answer names the first
// failure in the contract's field order, with zod's message ("Required",
// "Expected number, received string", ...). The REST API and the
// orchestrator both decode with it; Options holds where their answers
// have always differed.
//
// Every failure is an Invalid *services.Error (services.InvalidField)
// naming the field at fault ("" for the body); its Error() is the message
// alone, which the orchestrator answers as it is.
package jsonfields

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/b2b-orders/platform/services"
)

// The messages of the decoder that are not about a field's type.
const (
	MsgInvalidJSON = "Invalid JSON"
	MsgRequired    = "Required"
)

// Options are where the surfaces' decoders answer differently. The zero
// value reads a body as the orchestrator does and numbers as the REST API
// does; each field names the other surface's way.
type Options struct {
	// LenientBody reads a body as the REST original's body parser
	// (Express's json()) and validator did: a leading UTF-8 byte order
	// mark is dropped, an empty or blank body is the empty object (so
	// that missing fields answer "Required"), and an array body answers
	// "Expected object, received array". Without it, anything but a JSON
	// object is "Invalid JSON".
	LenientBody bool
	// HugeNumberIsString answers a number beyond float64 (1e400)
	// "Expected number, received string" rather than "Expected integer,
	// received float": the orchestrator's answer since it first decoded
	// numbers into float64 and took any failure for a string.
	HugeNumberIsString bool
}

// Fields reads typed fields of a JSON object and keeps the first failure;
// after one, every read returns nil.
type Fields struct {
	obj  map[string]json.RawMessage
	opts Options
	err  error
}

// Parse reads body, which must be a JSON object, for reading field by
// field.
// Errors (Invalid, field ""): "Invalid JSON" for a body that is not JSON,
// or is a JSON scalar (and, without Options.LenientBody, an empty body or
// an array); "Expected object, received array" for an array with
// Options.LenientBody.
func Parse(body []byte, opts Options) (*Fields, error) {
	if opts.LenientBody {
		body = bytes.Trim(bytes.TrimPrefix(body, []byte("\ufeff")), " \t\r\n")
		if len(body) == 0 {
			return &Fields{obj: map[string]json.RawMessage{}, opts: opts}, nil
		}
	}
	if !json.Valid(body) {
		return nil, services.InvalidField("", MsgInvalidJSON)
	}
	switch k := Kind(body); k {
	case "object":
		f := &Fields{opts: opts}
		if err := json.Unmarshal(body, &f.obj); err != nil {
			return nil, services.InvalidField("", MsgInvalidJSON)
		}
		return f, nil
	case "array":
		if opts.LenientBody {
			return nil, typeError("", "object", k)
		}
	}
	// Express's strict parser took only objects and arrays, and the
	// orchestrator only objects.
	return nil, services.InvalidField("", MsgInvalidJSON)
}

// Kind names the type of a JSON value as zod's messages do ("Expected
// string, received number"): string, number, boolean, object, array,
// null, or undefined for an absent value.
func Kind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "undefined"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// Err returns the first failure, nil when every read succeeded.
func (f *Fields) Err() error { return f.err }

// Fail records the caller's own check of field failing with msg, in field
// order: it is kept only when no earlier read failed.
func (f *Fields) Fail(field, msg string) {
	if f.err == nil {
		f.err = services.InvalidField(field, msg)
	}
}

func typeError(field, expected, received string) error {
	return services.InvalidField(field, "Expected "+expected+", received "+received)
}

func (f *Fields) get(name string, required bool) (json.RawMessage, bool) {
	if f.err != nil {
		return nil, false
	}
	raw, ok := f.obj[name]
	if !ok {
		if required {
			f.Fail(name, MsgRequired)
		}
		return nil, false
	}
	return raw, true
}

// Str reads a string field; nil when it is absent (and not required).
func (f *Fields) Str(name string, required bool) *string {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	return f.decodeString(name, raw)
}

// Has reports whether the object has the field, null included.
func (f *Fields) Has(name string) bool {
	_, ok := f.obj[name]
	return ok
}

// NullableStr reads an optional string field for which null, as well as
// absence, means none: nil then.
func (f *Fields) NullableStr(name string) *string {
	if raw, ok := f.obj[name]; ok && Kind(raw) == "null" {
		return nil
	}
	return f.Str(name, false)
}

func (f *Fields) decodeString(name string, raw json.RawMessage) *string {
	if k := Kind(raw); k != "string" {
		f.err = typeError(name, "string", k)
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		f.err = services.InvalidField(name, MsgInvalidJSON)
		return nil
	}
	return &s
}

// Integer reads a whole-number field; nil when it is absent (and not
// required). JSON numbers such as 2.0 or 1e2 are whole, as they are in
// JavaScript; values beyond int64 saturate, so that the caller's range
// checks answer for them.
func (f *Fields) Integer(name string, required bool) *int64 {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	if k := Kind(raw); k != "number" {
		f.err = typeError(name, "number", k)
		return nil
	}
	if f.opts.HugeNumberIsString {
		// ParseFloat fails on a JSON number only when it is beyond float64.
		if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
			f.err = typeError(name, "number", "string")
			return nil
		}
	}
	n, whole := wholeNumber(string(raw))
	if !whole {
		f.err = typeError(name, "integer", "float")
		return nil
	}
	return &n
}

// Boolean reads a true/false field; nil when it is absent (and not
// required).
func (f *Fields) Boolean(name string, required bool) *bool {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	if k := Kind(raw); k != "boolean" {
		f.err = typeError(name, "boolean", k)
		return nil
	}
	b := string(raw) == "true"
	return &b
}

// Strings reads an array of strings; nil when it is absent (and not
// required). An element of another type answers "Expected string,
// received ..." for the array's field.
func (f *Fields) Strings(name string, required bool) []string {
	elems := f.Array(name, required)
	if elems == nil {
		return nil
	}
	out := make([]string, 0, len(elems))
	for _, raw := range elems {
		s := f.decodeString(name, raw)
		if s == nil {
			return nil
		}
		out = append(out, *s)
	}
	return out
}

// Integers reads an array of whole numbers; nil when it is absent (and
// not required), an empty slice for [].
func (f *Fields) Integers(name string, required bool) []int64 {
	elems := f.Array(name, required)
	if elems == nil {
		return nil
	}
	out := make([]int64, 0, len(elems))
	for _, raw := range elems {
		if k := Kind(raw); k != "number" {
			f.err = typeError(name, "number", k)
			return nil
		}
		n, whole := wholeNumber(string(raw))
		if !whole {
			f.err = typeError(name, "integer", "float")
			return nil
		}
		out = append(out, n)
	}
	return out
}

// Array reads an array field as its raw elements, an empty slice (not nil)
// for []; nil when it is absent (and not required).
func (f *Fields) Array(name string, required bool) []json.RawMessage {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	if k := Kind(raw); k != "array" {
		f.err = typeError(name, "array", k)
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		f.err = services.InvalidField(name, MsgInvalidJSON)
		return nil
	}
	if elems == nil {
		elems = []json.RawMessage{}
	}
	return elems
}

// Element reads one element of an array field as an object, or records
// "Expected object, received ..." and returns nil. The caller reads the
// element's fields before it takes the next element, and copies the
// element's first failure back with Adopt: the REST API's order, where a
// field of the first element fails before a second element that is no
// object.
func (f *Fields) Element(name string, raw json.RawMessage) *Fields {
	if f.err != nil {
		return nil
	}
	if k := Kind(raw); k != "object" {
		f.err = typeError(name, "object", k)
		return nil
	}
	sub := &Fields{opts: f.opts}
	if err := json.Unmarshal(raw, &sub.obj); err != nil {
		f.err = services.InvalidField(name, MsgInvalidJSON)
		return nil
	}
	return sub
}

// Object reads an object field, to be read field by field; nil when it
// is absent (and not required) or is not an object, which records
// "Expected object, received ..." (null included: a caller for which null
// means none checks for it first). The caller copies the object's first
// failure back with Adopt.
func (f *Fields) Object(name string, required bool) *Fields {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	return f.Element(name, raw)
}

// Objects reads an array field of objects with every element checked
// before any element's fields are read: the orchestrator's order. An
// element that is neither an object nor null fails the field, with
// "Expected object, received ..." naming the first element that is not an
// object (a null one included). When every element is an object or null,
// a null element reads as the empty object, so that its fields answer
// "Required". The result is nil when the field is absent (and not
// required) or failed, otherwise one Fields per element (none for []);
// the caller copies each element's failure back with Adopt.
func (f *Fields) Objects(name string, required bool) []*Fields {
	elems := f.Array(name, required)
	if elems == nil {
		return nil
	}
	firstOther, stray := "", false
	for _, raw := range elems {
		k := Kind(raw)
		if k != "object" && firstOther == "" {
			firstOther = k
		}
		if k != "object" && k != "null" {
			stray = true
		}
	}
	if stray {
		f.err = typeError(name, "object", firstOther)
		return nil
	}
	out := make([]*Fields, len(elems))
	for i, raw := range elems {
		out[i] = &Fields{obj: map[string]json.RawMessage{}, opts: f.opts}
		if Kind(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, &out[i].obj); err != nil {
			f.err = services.InvalidField(name, MsgInvalidJSON)
			return nil
		}
	}
	return out
}

// Adopt takes over the first failure of an element's fields.
func (f *Fields) Adopt(sub *Fields) {
	if f.err == nil && sub != nil {
		f.err = sub.err
	}
}

// wholeNumber parses a JSON number literal and reports whether it is a
// whole number.
func wholeNumber(lit string) (int64, bool) {
	if !strings.ContainsAny(lit, ".eE") {
		// On overflow ParseInt returns the saturated value.
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, false
		}
		return n, true
	}
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(v, 0) || v != math.Trunc(v) {
		return 0, false
	}
	switch {
	case v >= math.MaxInt64:
		return math.MaxInt64, true
	case v <= math.MinInt64:
		return math.MinInt64, true
	}
	return int64(v), true
}
