package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/b2b-orders/platform/internal/jsonfields"
)

// readObject reads the request body as a JSON object, to be type-checked
// one field at a time, so that the answer names the first failure in the
// contract's field order with the message the original's validator (zod)
// gave. web.RequireJSON has refused bodies of other types. The body is
// read as the original's parser (Express's json()) read it: an empty body
// is an empty object, so that missing fields answer "Required".
// Errors: errTooLarge past MaxBodyBytes; Invalid "Invalid JSON" for a body
// that is not JSON or is a JSON scalar; Invalid "Expected object, received
// array" for an array.
func readObject(r *http.Request) (*jsonfields.Fields, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return jsonfields.Parse(body, jsonfields.Options{LenientBody: true})
}

// readObjectNulls is readObject that also reports which of the object's
// fields are null: for a number field where null means "remove"
// (jsonfields reads a null number as one of the wrong type).
// Errors: those of readObject.
func readObjectNulls(r *http.Request) (*jsonfields.Fields, map[string]bool, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	f, err := jsonfields.Parse(body, jsonfields.Options{LenientBody: true})
	if err != nil {
		return nil, nil, err
	}
	// Parse took the body as an object, or a blank one as {} (which
	// leaves obj empty).
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(bytes.TrimPrefix(body, []byte("\ufeff")), &obj)
	nulls := map[string]bool{}
	for name, raw := range obj {
		if jsonfields.Kind(raw) == "null" {
			nulls[name] = true
		}
	}
	return f, nulls, nil
}

// readBody reads the request body, at most MaxBodyBytes.
// Errors: errTooLarge past MaxBodyBytes; Invalid "Invalid JSON" when it
// cannot be read.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errTooLarge
		}
		return nil, invalid("", jsonfields.MsgInvalidJSON)
	}
	if len(body) > MaxBodyBytes {
		return nil, errTooLarge
	}
	return body, nil
}
