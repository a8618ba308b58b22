package rest

import (
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
	return jsonfields.Parse(body, jsonfields.Options{LenientBody: true})
}
