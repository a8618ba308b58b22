package orchestrator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/auth/authtest"
	"github.com/b2b-orders/platform/services"
)

// The local HTTP form refuses forged JWTs and wrong service tokens (401),
// a customer ordering for another customer (403), and takes no stock for
// any of them; the graph sees the caller's own credential, so a customer
// token cannot borrow the orchestrator's service token.
func TestLocalHTTPRefusesForgedCredentials(t *testing.T) {
	e := newEnv(t)
	authn := &auth.Authenticator{Tokens: e.tokens, ServiceToken: serviceToken, Required: true}
	routes := chi.NewRouter()
	e.h.Register(routes)
	local := authn.Middleware(routes)

	customer := func(id int) string {
		tok, err := e.tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: id}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}

	cases := []struct {
		name, authorization string
		status              int
	}{
		{"no credential", "", 401},
		{"service token, wrong", "Bearer wrong", 401},
		{"service token, empty", "Bearer ", 401},
		{"service token, prefix", "Bearer " + serviceToken[:len(serviceToken)-1], 401},
		{"service token, extended", "Bearer " + serviceToken + "x", 401},
		{"customer 2 for customer 1", customer(2), 403},
		// A token of no live customer is refused before anything else,
		// as b2b serve checks every customer token.
		{"customer 999 (none) for customer 1", customer(999), 401},
	}
	for name, tok := range authtest.Forged(t, e.tokens.Secret, time.Now()) {
		if name != authtest.Control {
			cases = append(cases, struct {
				name, authorization string
				status              int
			}{name, "Bearer " + tok, 401})
		}
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"evil-` + strconv.Itoa(i) + `"}`
			for _, path := range []string{"/orchestrator/create-and-confirm-order", "/dev/orchestrator/create-and-confirm-order"} {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if tc.authorization != "" {
					req.Header.Set("Authorization", tc.authorization)
				}
				rec := httptest.NewRecorder()
				local.ServeHTTP(rec, req)
				var r struct {
					Success bool   `json:"success"`
					Error   string `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != tc.status || r.Success || r.Error == "" {
					t.Fatalf("%s: %d %s, want %d", path, rec.Code, rec.Body, tc.status)
				}
			}
		})
	}
	if s := e.stock(t, 1); s != 50 {
		t.Fatalf("stock of product 1 = %d after refused requests, want 50", s)
	}
	// The control: the right service token places the order.
	req := httptest.NewRequest(http.MethodPost, "/orchestrator/create-and-confirm-order",
		strings.NewReader(`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"good"}`))
	req.Header.Set("Authorization", "Bearer "+serviceToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	local.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("service token: %d %s", rec.Code, rec.Body)
	}
	// A body a web page could send to another site without a preflight
	// places nothing, whatever it holds and whoever it claims to be from.
	for i, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain; charset=utf-8"} {
		req := httptest.NewRequest(http.MethodPost, "/orchestrator/create-and-confirm-order",
			strings.NewReader(`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"csrf-`+strconv.Itoa(i)+`"}`))
		req.Header.Set("Authorization", "Bearer "+serviceToken)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		local.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), `"correlationId"`) {
			t.Errorf("Content-Type %q: %d %s, want 415 in the orchestrator's envelope", ct, rec.Code, rec.Body)
		}
	}
	if s := e.stock(t, 1); s != 49 {
		t.Fatalf("stock of product 1 = %d, want 49: one order", s)
	}
}
