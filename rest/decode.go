package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/b2b-orders/platform/internal/web"
)

// object is a request body whose fields are type-checked one at a time,
// so that the answer names the first failure in the contract's field order
// with the message the original's validator (zod) gave.
type object map[string]json.RawMessage

// readObject reads the request body as a JSON object; web.RequireJSON has
// refused bodies of other types. An empty body is an empty object, as the
// original's body parser left it, so that missing fields answer "Required".
// Errors: errTooLarge past MaxBodyBytes; Invalid "Invalid JSON" for a body
// that is not JSON or is a JSON scalar; Invalid "Expected object, received
// array" for an array.
func readObject(r *http.Request) (object, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errTooLarge
		}
		return nil, invalid("", msgInvalidJSON)
	}
	if len(body) > MaxBodyBytes {
		return nil, errTooLarge
	}
	// The original's parser dropped a UTF-8 byte order mark.
	body = bytes.Trim(bytes.TrimPrefix(body, []byte("\ufeff")), " \t\r\n")
	if len(body) == 0 {
		return object{}, nil
	}
	if !json.Valid(body) {
		return nil, invalid("", msgInvalidJSON)
	}
	switch k := web.JSONKind(body); k {
	case "object":
		var obj object
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, invalid("", msgInvalidJSON)
		}
		return obj, nil
	case "array":
		return nil, typeError("", "object", k)
	default:
		// The original's parser accepted only objects and arrays.
		return nil, invalid("", msgInvalidJSON)
	}
}

func typeError(field, expected, received string) error {
	return invalid(field, "Expected "+expected+", received "+received)
}

// fields reads typed fields of an object and keeps the first failure;
// after one, every read returns nil.
type fields struct {
	obj object
	err error
}

func (f *fields) get(name string, required bool) (json.RawMessage, bool) {
	if f.err != nil {
		return nil, false
	}
	raw, ok := f.obj[name]
	if !ok {
		if required {
			f.err = invalid(name, msgRequired)
		}
		return nil, false
	}
	return raw, true
}

// str reads a string field; nil when it is absent (and not required).
func (f *fields) str(name string, required bool) *string {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	if k := web.JSONKind(raw); k != "string" {
		f.err = typeError(name, "string", k)
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		f.err = invalid(name, msgInvalidJSON)
		return nil
	}
	return &s
}

// integer reads a whole-number field. JSON numbers such as 2.0 or 1e2 are
// whole, as they are in JavaScript; values beyond int64 saturate, so the
// services' range checks answer for them.
func (f *fields) integer(name string, required bool) *int64 {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	if k := web.JSONKind(raw); k != "number" {
		f.err = typeError(name, "number", k)
		return nil
	}
	n, whole := wholeNumber(string(raw))
	if !whole {
		f.err = typeError(name, "integer", "float")
		return nil
	}
	return &n
}

// boolean reads a true/false field; nil when it is absent (and not required).
func (f *fields) boolean(name string, required bool) *bool {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	if k := web.JSONKind(raw); k != "boolean" {
		f.err = typeError(name, "boolean", k)
		return nil
	}
	b := string(raw) == "true"
	return &b
}

// strings reads an array of strings; nil when it is absent (and not required).
func (f *fields) strings(name string, required bool) []string {
	elems := f.array(name, required)
	if elems == nil {
		return nil
	}
	out := make([]string, 0, len(elems))
	for _, raw := range elems {
		if k := web.JSONKind(raw); k != "string" {
			f.err = typeError(name, "string", k)
			return nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			f.err = invalid(name, msgInvalidJSON)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// array reads an array field as its raw elements.
func (f *fields) array(name string, required bool) []json.RawMessage {
	raw, ok := f.get(name, required)
	if !ok {
		return nil
	}
	if k := web.JSONKind(raw); k != "array" {
		f.err = typeError(name, "array", k)
		return nil
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		f.err = invalid(name, msgInvalidJSON)
		return nil
	}
	if elems == nil {
		elems = []json.RawMessage{}
	}
	return elems
}

// element reads one element of an array field as an object, or records
// the failure and returns nil. The caller copies the element's own first
// failure back with adopt.
func (f *fields) element(name string, raw json.RawMessage) *fields {
	if f.err != nil {
		return nil
	}
	if k := web.JSONKind(raw); k != "object" {
		f.err = typeError(name, "object", k)
		return nil
	}
	sub := &fields{}
	if err := json.Unmarshal(raw, &sub.obj); err != nil {
		f.err = invalid(name, msgInvalidJSON)
		return nil
	}
	return sub
}

// adopt takes over the first failure of an element's fields.
func (f *fields) adopt(sub *fields) {
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
