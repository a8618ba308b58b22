package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// testServer is the origin httptest.NewRequest uses; the documents'
// servers are pointed at it so that their routes match test requests.
const testServer = "http://example.com" + v1

// documents holds each role's served document, parsed once and validated
// as OpenAPI 3.
var documents sync.Map // role name → *document

type document struct {
	doc    *openapi3.T
	router routers.Router
}

// documentFor returns the document that the role serving rq serves at
// /api/v1/openapi.json, fetched over e's real router.
func documentFor(t testing.TB, e *env, rq request) *document {
	t.Helper()
	role := roleOf(rq)
	if d, ok := documents.Load(role); ok {
		return d.(*document)
	}
	rec := httptest.NewRecorder()
	e.handlerFor(rq).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, v1+"/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET openapi.json on %s: %d", role, rec.Code)
	}
	d := parseDocument(t, rec.Body.Bytes())
	actual, _ := documents.LoadOrStore(role, d)
	return actual.(*document)
}

func parseDocument(t testing.TB, data []byte) *document {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("not a valid OpenAPI 3 document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: testServer}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &document{doc: doc, router: router}
}

// findRoute matches rq against the document. Express ignores one
// trailing slash and so do we; the document does not list both forms.
func (d *document) findRoute(rq request) (*routers.Route, map[string]string, error) {
	path := rq.path
	if p, q, ok := strings.Cut(path, "?"); ok {
		path = strings.TrimSuffix(p, "/") + "?" + q
	} else {
		path = strings.TrimSuffix(path, "/")
	}
	req := httptest.NewRequest(rq.method, path, nil)
	return d.router.FindRoute(req)
}

// checkDocumented validates a real answer against the role's document:
// its status must be documented for the route, and its body must match
// the schema. Requests to routes the document does not have must have
// answered "Endpoint not found".
func checkDocumented(t testing.TB, e *env, rq request, r response) {
	t.Helper()
	d := documentFor(t, e, rq)
	route, params, err := d.findRoute(rq)
	if err != nil {
		if r.status != http.StatusNotFound || errorMessage(t, r.body) != "Endpoint not found" {
			t.Fatalf("%s %s is not in the document (%v) but answered %d %s", rq.method, rq.path, err, r.status, r.body)
		}
		return
	}
	req := httptest.NewRequest(rq.method, rq.path, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.status,
		Header:                 r.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("%s %s answered %d against the document: %v\n%s", rq.method, rq.path, r.status, err, r.body)
	}
	checkRequestDocumented(t, route, params, rq, r)
}

// shapeMessages are the answers to a body of the wrong shape: a request
// that earns one must break the document's schema too.
var shapeMessages = regexp.MustCompile(`^(Required|Invalid JSON|Expected [a-z]+, received [a-z]+)$`)

// keyedRoutes take their required idempotency key in the body or else in
// a header: the one rule OpenAPI cannot state, in the document's words
// and x-messages only.
var keyedRoutes = map[string]bool{"/orders/{id}/confirm": true, "/orders/{id}/approve": true, "/orders/{id}/reject": true, "/orders/{id}/payments": true}

// checkRequestDocumented holds the document to the rules the server
// enforces, both ways: a request the server accepted is one the document
// allows, and a request the server refused for its shape is one the
// document refuses, but for keyedRoutes' "Required".
func checkRequestDocumented(t testing.TB, route *routers.Route, params map[string]string, rq request, r response) {
	t.Helper()
	// The server drops a byte order mark, as the original's parser did.
	body := strings.TrimPrefix(rq.body, "\ufeff")
	req := httptest.NewRequest(rq.method, rq.path, strings.NewReader(body))
	if rq.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.header {
		if k != "Authorization" {
			req.Header.Set(k, v)
		}
	}
	err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: false},
	})
	ok := r.status >= 200 && r.status < 300
	var msg string
	if !ok && strings.HasPrefix(strings.TrimSpace(string(r.body)), "{") {
		msg = errorMessage(t, r.body)
	}
	switch {
	case ok && err != nil:
		t.Fatalf("%s %s: the server accepted (%d) what the document refuses: %v\n%s", rq.method, rq.path, r.status, err, rq.body)
	// Bodies that are no single JSON document, and null (which OpenAPI
	// tools read as no body), are refused by JSON itself, not by a rule
	// a document states.
	case err == nil && r.status == http.StatusBadRequest && shapeMessages.MatchString(msg) &&
		json.Valid([]byte(body)) && strings.TrimSpace(body) != "null" &&
		!(keyedRoutes[route.Path] && msg == "Required"):
		t.Fatalf("%s %s: the server refused %q what the document allows:\n%s", rq.method, rq.path, msg, rq.body)
	}
}

// Every operation of both documents, and every status they document but
// 500, is exercised by some contract case (whose answer checkDocumented
// validated). Requests are only matched here, not sent.
func TestOpenAPICoverage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	covered := map[string]bool{} // "role METHOD /path STATUS"
	var all []contractCase
	for _, cases := range [][]contractCase{customerCases, accountCases, orderAccountCases, settingsCases, governanceCases, pricingCases, productCases, orderCases, webhookCases, routingCases, notJSONCases, generatedCases()} {
		all = append(all, cases...)
	}
	for _, tc := range all {
		d := documentFor(t, e, tc.req)
		route, _, err := d.findRoute(tc.req)
		if err != nil {
			continue
		}
		covered[fmt.Sprintf("%s %s %s %d", roleOf(tc.req), route.Method, route.Path, tc.status)] = true
	}
	var missing []string
	for _, role := range []string{"customers", "orders"} {
		d := documentFor(t, e, request{role: role})
		for p, item := range d.doc.Paths.Map() {
			for method, op := range item.Operations() {
				for status, resp := range op.Responses.Map() {
					if status == "500" || status == "503" {
						continue // outages: cmd/b2b's outage test causes them
					}
					if resp.Ref == "#/components/responses/Busy" {
						continue // contention past the retries: rest's TestRetryableAnswersSayWhen
					}
					key := fmt.Sprintf("%s %s %s %s", role, method, p, status)
					if !covered[key] {
						missing = append(missing, key)
					}
				}
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("documented but never exercised:\n%s", strings.Join(missing, "\n"))
	}
}

// The document of each role describes only that role's routes.
func TestOpenAPIPerRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	paths := func(role string) []string {
		var out []string
		for p := range documentFor(t, e, request{role: role}).doc.Paths.Map() {
			out = append(out, p)
		}
		slices.Sort(out)
		return out
	}
	if got := paths("customers"); !slices.Equal(got, []string{"/customers", "/customers/{id}", "/customers/{id}/api-keys", "/customers/{id}/api-keys/{keyId}",
		"/customers/{id}/approval-rules", "/customers/{id}/approval-rules/{ruleId}", "/customers/{id}/credit",
		"/customers/{id}/locations", "/customers/{id}/locations/{locationId}", "/customers/{id}/members", "/customers/{id}/members/{memberId}", "/customers/{id}/settings",
		"/customers/{id}/spending-limits", "/customers/{id}/spending-limits/{limitId}",
		"/internal/customers", "/internal/customers/{id}", "/me", "/openapi.json"}) {
		t.Errorf("customers document paths %v", got)
	}
	if got := paths("orders"); !slices.Equal(got, []string{"/openapi.json", "/orders", "/orders/{id}", "/orders/{id}/approvals", "/orders/{id}/approve", "/orders/{id}/cancel",
		"/orders/{id}/confirm", "/orders/{id}/payments", "/orders/{id}/reject", "/price-lists", "/price-lists/{id}", "/prices", "/products", "/products/{id}",
		"/webhooks", "/webhooks/{id}", "/webhooks/{id}/deliveries"}) {
		t.Errorf("orders document paths %v", got)
	}
}

// Every exact message a contract case answers is listed with the field it
// is about in its response's x-messages, which maps each message to the
// field (or header) it concerns: what clients that match on messages
// ("Required" above all) need to know.
func TestOpenAPIMessagesAreDocumented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var missing []string
	seen := map[string]bool{}
	for _, cases := range [][]contractCase{customerCases, accountCases, orderAccountCases, settingsCases, governanceCases, pricingCases, productCases, orderCases, webhookCases, notJSONCases} {
		for _, tc := range cases {
			if tc.msg == "" || tc.status < 400 {
				continue
			}
			d := documentFor(t, e, tc.req)
			route, _, err := d.findRoute(tc.req)
			if err != nil {
				continue
			}
			key := fmt.Sprintf("%s %s %d %q", route.Method, route.Path, tc.status, tc.msg)
			if seen[key] {
				continue
			}
			seen[key] = true
			resp := route.Operation.Responses.Status(tc.status)
			if resp == nil || resp.Value == nil {
				missing = append(missing, key+": status not documented")
				continue
			}
			msgs, _ := resp.Value.Extensions["x-messages"].(map[string]any)
			if !documentedMessage(msgs, tc.msg) {
				missing = append(missing, key)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("messages not in x-messages:\n%s", strings.Join(missing, "\n"))
	}
}

// placeholder is a {name} in a documented message: the variable part.
var placeholder = regexp.MustCompile(`\\\{[a-z]+\\\}`)

// documentedMessage reports whether msgs lists msg, as it is or as a
// template whose {placeholders} stand for any text, with a field.
func documentedMessage(msgs map[string]any, msg string) bool {
	for template, field := range msgs {
		if f, _ := field.(string); f == "" {
			continue
		}
		re := "^" + placeholder.ReplaceAllString(regexp.QuoteMeta(template), ".+") + "$"
		if regexp.MustCompile(re).MatchString(msg) {
			return true
		}
	}
	return false
}
