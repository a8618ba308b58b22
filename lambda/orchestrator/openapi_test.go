package orchestrator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/services"
)

// The local form answers as the document it serves says: every answer's
// status, headers and body match it, every exact message is listed with
// its field under x-messages, the document refuses what the server
// refuses for its shape and allows what the server accepts.
func TestLocalHTTPAnswersAsDocumented(t *testing.T) {
	e := newEnv(t)
	authn := &auth.Authenticator{Tokens: e.tokens, ServiceToken: serviceToken, Required: true}
	routes := chi.NewRouter()
	e.h.Register(routes)
	local := httptest.NewServer(authn.Middleware(routes))
	defer local.Close()

	resp, err := local.Client().Get(local.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("not a valid OpenAPI 3 document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: local.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	customer2, err := e.tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 2, Subject: "c2"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	order := func(customer, product, qty, key string) string {
		return `{"customer_id":` + customer + `,"items":[{"product_id":` + product + `,"qty":` + qty + `}],"idempotency_key":"` + key + `"}`
	}
	const path = "/orchestrator/create-and-confirm-order"
	cases := []struct {
		name, body, token, contentType string
		status                         int
	}{
		{"created", order("1", "9", "1", "doc-1"), serviceToken, "", 201},
		{"replayed", order("1", "9", "1", "doc-1"), serviceToken, "", 201},
		{"key of another request", order("1", "9", "2", "doc-1"), serviceToken, "", 409},
		{"no token", order("1", "9", "1", "doc-2"), "", "", 401},
		{"another customer's order", order("1", "9", "1", "doc-3"), customer2, "", 403},
		{"unknown customer", order("999", "9", "1", "doc-4"), serviceToken, "", 404},
		{"unknown product", order("1", "999", "1", "doc-5"), serviceToken, "", 404},
		{"too little stock", order("1", "3", "100000", "doc-6"), serviceToken, "", 400},
		{"qty over the maximum", order("1", "9", "1000001", "doc-7"), serviceToken, "", 400},
		{"qty zero", order("1", "9", "0", "doc-8"), serviceToken, "", 400},
		{"no key", `{"customer_id":1,"items":[{"product_id":9,"qty":1}]}`, serviceToken, "", 400},
		{"empty key", order("1", "9", "1", ""), serviceToken, "", 400},
		{"no items", `{"customer_id":1,"items":[],"idempotency_key":"doc-9"}`, serviceToken, "", 400},
		{"customer as a string", `{"customer_id":"1","items":[{"product_id":9,"qty":1}],"idempotency_key":"doc-10"}`, serviceToken, "", 400},
		{"not JSON", `{"customer_id":`, serviceToken, "", 400},
		{"a tab in the correlation id", `{"customer_id":1,"items":[{"product_id":9,"qty":1}],"idempotency_key":"doc-11","correlation_id":"a\tb"}`, serviceToken, "", 400},
		{"text/plain", order("1", "9", "1", "doc-12"), serviceToken, "text/plain", 415},
		{"too large", `{"pad":"` + strings.Repeat("x", 2<<20) + `"}`, serviceToken, "", 413},
	}
	for _, tc := range cases {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, local.URL+path, strings.NewReader(tc.body))
		ct := tc.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := local.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.status)
			continue
		}
		check, _ := http.NewRequest(http.MethodPost, local.URL+path, strings.NewReader(tc.body))
		check.Header = req.Header.Clone()
		route, params, err := router.FindRoute(check)
		if err != nil {
			t.Fatal(err)
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route},
			Status:                 resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s: %d against the document: %v\n%s", tc.name, resp.StatusCode, err, body)
		}
		var answer struct{ Error string }
		_ = json.Unmarshal(body, &answer)
		if resp.StatusCode >= 400 {
			msgs, _ := route.Operation.Responses.Status(resp.StatusCode).Value.Extensions["x-messages"].(map[string]any)
			if !listed(msgs, answer.Error) {
				t.Errorf("%s: %q is not in the %d answer's x-messages", tc.name, answer.Error, resp.StatusCode)
			}
		}
		// The document and the server agree on what is well formed.
		if resp.StatusCode == http.StatusRequestEntityTooLarge || resp.StatusCode == http.StatusUnsupportedMediaType {
			continue
		}
		check.Body = io.NopCloser(strings.NewReader(tc.body))
		reqErr := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
			Request: check, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		})
		shape := resp.StatusCode == 400 && json.Valid([]byte(tc.body)) && shapeMessage.MatchString(answer.Error)
		switch {
		case resp.StatusCode < 300 && reqErr != nil:
			t.Errorf("%s: the server accepted what the document refuses: %v", tc.name, reqErr)
		case shape && reqErr == nil:
			t.Errorf("%s: the server refused for its shape what the document allows: %s", tc.name, body)
		}
	}
}

// shapeMessage are the refusals of a body the request schema can tell is
// wrong: the document must refuse such a body too.
var shapeMessage = regexp.MustCompile(`^(Required|Expected |Quantity must be (at least|at most)|Number must be|At least one item|Invalid (customer|product) ID|Idempotency key is required|Correlation ID must be at most)`)

// listed reports whether msgs lists msg, as it is or as a template whose
// {placeholders} stand for any text.
func listed(msgs map[string]any, msg string) bool {
	for template := range msgs {
		re := "^" + regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(regexp.QuoteMeta(template), ".+") + "$"
		if regexp.MustCompile(re).MatchString(msg) {
			return true
		}
	}
	return false
}
