package orchestrator_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"

	"github.com/b2b-orders/platform/auth"
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

	now := time.Now()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": auth.DefaultIssuer, "aud": auth.DefaultAudience, "sub": "mallory",
			"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "role": "admin"}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, k any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	secret := e.tokens.Secret
	hs := func(edit func(jwt.MapClaims)) string {
		return "Bearer " + sign(jwt.SigningMethodHS256, secret, claims(edit))
	}
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
		{"alg none", "Bearer " + sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), 401},
		{"RS256", "Bearer " + sign(jwt.SigningMethodRS256, rsaKey, claims(nil)), 401},
		{"wrong secret", "Bearer " + sign(jwt.SigningMethodHS256, []byte("not-the-secret-not-the-secret-0123"), claims(nil)), 401},
		{"expired", hs(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), 401},
		{"not yet valid", hs(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }), 401},
		{"wrong issuer", hs(func(c jwt.MapClaims) { c["iss"] = "evil" }), 401},
		{"wrong audience", hs(func(c jwt.MapClaims) { c["aud"] = "evil" }), 401},
		{"missing role", hs(func(c jwt.MapClaims) { delete(c, "role") }), 401},
		{"service token, wrong", "Bearer wrong", 401},
		{"service token, empty", "Bearer ", 401},
		{"service token, prefix", "Bearer " + serviceToken[:len(serviceToken)-1], 401},
		{"service token, extended", "Bearer " + serviceToken + "x", 401},
		{"customer 2 for customer 1", customer(2), 403},
		{"customer 999 for customer 1", customer(999), 403},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"evil-` + strconv.Itoa(i) + `"}`
			for _, path := range []string{"/orchestrator/create-and-confirm-order", "/dev/orchestrator/create-and-confirm-order"} {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
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
	rec := httptest.NewRecorder()
	local.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("service token: %d %s", rec.Code, rec.Body)
	}
}
