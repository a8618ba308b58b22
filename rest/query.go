package rest

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
)

// query reads the contract's query parameters and keeps the first failure.
type query struct {
	values url.Values
	err    error
}

// parseQuery reads the query string.
// Errors: Invalid "Invalid query parameters" when it cannot be parsed.
func parseQuery(r *http.Request) *query {
	v, err := url.ParseQuery(r.URL.RawQuery)
	q := &query{values: v}
	if err != nil {
		q.err = invalid("", msgInvalidQuery)
	}
	return q
}

// one returns the parameter's value, "" when absent. A repeated parameter
// is a failure: the original parsed it into an array, which its validator
// refused.
func (q *query) one(name string) string {
	vs := q.values[name]
	if len(vs) > 1 && q.err == nil {
		q.err = invalid(name, msgInvalidQuery)
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// number reads an integer parameter leniently, as the original did: a
// missing or non-numeric value is 0, which the services read as "the
// default" (limit) or "from the start" (cursor); values beyond int saturate.
func (q *query) number(name string) int {
	n, err := strconv.Atoi(q.one(name))
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0
	}
	return n
}

// time reads an RFC 3339 timestamp; nil when absent.
func (q *query) time(name string) *time.Time {
	s := q.one(name)
	if s == "" {
		if _, present := q.values[name]; present && q.err == nil {
			q.err = invalid(name, msgInvalidQuery)
		}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if q.err == nil {
			q.err = invalid(name, msgInvalidQuery)
		}
		return nil
	}
	return &t
}

// pathID reads the {id} path parameter: a positive decimal integer, or
// Invalid with msg ("Invalid customer ID" and the like).
func pathID(r *http.Request, msg string) (int, error) {
	return idParam(chi.URLParam(r, "id"), msg)
}

// idParam reads a path id: a positive decimal integer, or Invalid with msg.
func idParam(s, msg string) (int, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, invalid("id", msg)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, invalid("id", msg)
	}
	return n, nil
}
