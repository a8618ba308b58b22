package graph_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/internal/gqlcode"
)

// Requests that never become a GraphQL operation (a body that is not a
// GraphQL request, a batch, another content type or method) are refused
// with a 4xx and a coded error, and are not internal errors: nothing is
// logged at level ERROR (rig.send checks both).
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	admin := g.admin(t)
	cases := []struct {
		name, method, contentType, body string
		status                          int
		msg                             string // a prefix of the one error's message
	}{
		{"not JSON", "POST", "application/json", `{bad`, 400, "The request body is not valid JSON"},
		{"two JSON values", "POST", "application/json", `{"query":"{ __typename }"} {}`, 400, "The request body is not valid JSON"},
		{"empty body", "POST", "application/json", ``, 400, "The request body is empty"},
		{"a JSON scalar", "POST", "application/json", `42`, 400, "The request body must be a JSON object"},
		{"no query", "POST", "application/json", `{"qeury":"{ __typename }"}`, 400, "A query is required"},
		{"query not a string", "POST", "application/json", `{"query":1}`, 400, "query must be a string"},
		{"operationName not a string", "POST", "application/json", `{"query":"{ __typename }","operationName":1}`, 400, "operationName must be a string"},
		{"variables an array", "POST", "application/json", `{"query":"{ __typename }","variables":[1]}`, 400, "variables must be a JSON object"},
		{"variables a string", "POST", "application/json", `{"query":"{ __typename }","variables":"x"}`, 400, "variables must be a JSON object"},
		{"extensions a number", "POST", "application/json", `{"query":"{ __typename }","extensions":1}`, 400, "extensions must be a JSON object"},
		{"a charset other than UTF-8", "POST", "application/json; charset=utf-16", `{"query":"{ __typename }"}`, 415, "The request body must be encoded in UTF-8"},
		{"batch", "POST", "application/json", `[{"query":"{ __typename }"},{"query":"{ __typename }"}]`, 400, "Batched operations are not supported"},
		{"batch after spaces", "POST", "application/json", " \n[{\"query\":\"{ __typename }\"}]", 400, "Batched operations are not supported"},
		{"empty batch", "POST", "application/json", `[]`, 400, "Batched operations are not supported"},
		{"text/plain", "POST", "text/plain", `{"query":"{ __typename }"}`, 415, "Content-Type must be application/json"},
		{"no content type", "POST", "", `{"query":"{ __typename }"}`, 415, "Content-Type must be application/json"},
		{"form", "POST", "application/x-www-form-urlencoded", `query=%7B__typename%7D`, 415, "Content-Type must be application/json"},
		{"multipart", "POST", "multipart/form-data; boundary=x", "--x--", 415, "Content-Type must be application/json"},
		{"bad media type", "POST", "application/json; =;", `{"query":"{ __typename }"}`, 415, "Content-Type must be application/json"},
		{"PUT", "PUT", "application/json", `{"query":"{ __typename }"}`, 405, "Method PUT not allowed"},
		{"DELETE", "DELETE", "", ``, 405, "Method DELETE not allowed"},
		{"PATCH", "PATCH", "application/json", `{"query":"{ __typename }"}`, 405, "Method PATCH not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := g.send(t, tc.method, tc.contentType, admin, tc.body)
			if r.status != tc.status || len(r.Errors) != 1 || !strings.HasPrefix(r.Errors[0].Message, tc.msg) || r.Errors[0].code() != gqlcode.BadUserInput {
				t.Fatalf("HTTP %d %s; want %d with one %s error %q…", r.status, r.raw, tc.status, gqlcode.BadUserInput, tc.msg)
			}
		})
	}
}

// Representations that _entities cannot resolve (an unknown or missing
// __typename, a missing or malformed key) are the caller's mistake:
// BAD_USER_INPUT, not an internal error, and nothing logged at ERROR.
func TestEntitiesBadRepresentations(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	admin := g.admin(t)
	query := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } ... on Customer { id } ... on Product { id } } }`
	for _, rep := range []string{
		`{"__typename":"Nope","id":"1"}`,
		`{"__typename":"Query","id":"1"}`,
		`{"id":"1"}`,
		`{"__typename":7,"id":"1"}`,
		`{"__typename":"Order"}`,
		`{"__typename":"Order","id":null}`,
		`{"__typename":"Order","id":"abc"}`,
		`{"__typename":"Customer","id":"-1"}`,
		`{"__typename":"Product","id":{"a":1}}`,
		`{"__typename":"Product","id":"99999999999999999999"}`,
	} {
		t.Run(rep, func(t *testing.T) {
			body := `{"query":` + strconv.Quote(query) + `,"variables":{"r":[{"__typename":"Order","id":"1"},` + rep + `]}}`
			r := g.send(t, http.MethodPost, "application/json", admin, body)
			if len(r.Errors) == 0 {
				t.Fatalf("accepted: %s", r.raw)
			}
			for _, e := range r.Errors {
				if e.code() != gqlcode.BadUserInput {
					t.Fatalf("code %q, want %s: %s", e.code(), gqlcode.BadUserInput, r.raw)
				}
			}
		})
	}
	// A bad key fails its own representation only: the others of the
	// batch resolve, and the error names the one at fault.
	for _, rep := range []string{`{"__typename":"Order"}`, `{"__typename":"Order","id":"abc"}`, `{"__typename":"Order","id":"0"}`, `{"__typename":"Order","id":{"a":1}}`} {
		body := `{"query":` + strconv.Quote(query) + `,"variables":{"r":[{"__typename":"Order","id":"1"},` + rep + `,{"__typename":"Order","id":"2"}]}}`
		r := g.send(t, http.MethodPost, "application/json", admin, body)
		if string(r.Data) != `{"_entities":[{"id":"1"},null,{"id":"2"}]}` || len(r.Errors) != 1 ||
			r.Errors[0].code() != gqlcode.BadUserInput || fmt.Sprint(r.Errors[0].Path) != "[_entities 1]" {
			t.Errorf("%s: %s", rep, r.raw)
		}
	}
}

// GET requests that are no GraphQL request, or ask for a mutation, answer
// errors with a code.
func TestGETRefusalsCarryACode(t *testing.T) {
	t.Parallel()
	g := newRig(t)
	admin := g.admin(t)
	for _, tc := range []struct {
		name, rawQuery string
		status         int
	}{
		{"a mutation", "query=" + url.QueryEscape(`mutation { cancelOrder(id: "2") { id } }`), 405},
		{"no query", "operationName=x", 400},
		{"a repeated parameter", "query=" + url.QueryEscape(`{ __typename }`) + "&query=x", 400},
		{"variables that are not JSON", "query=" + url.QueryEscape(`{ __typename }`) + "&variables=%7B", 400},
		{"extensions that are not JSON", "query=" + url.QueryEscape(`{ __typename }`) + "&extensions=x", 400},
		{"a query string it cannot parse", "query=%zz", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/graphql", nil)
			req.URL.RawQuery = tc.rawQuery
			r := g.do(t, req, admin)
			if r.status != tc.status || len(r.Errors) != 1 || r.Errors[0].code() != gqlcode.BadUserInput {
				t.Fatalf("HTTP %d %s; want %d with one %s error", r.status, r.raw, tc.status, gqlcode.BadUserInput)
			}
		})
	}
	// What it answers well stays as it was.
	r := g.do(t, httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`{ product(id: "1") { sku } }`), nil), admin)
	if r.status != http.StatusOK || string(r.Data) != `{"product":{"sku":"LAPTOP-001"}}` {
		t.Fatalf("GET query: %d %s", r.status, r.raw)
	}
}
