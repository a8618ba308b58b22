package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
)

const testServiceToken = "service-token-0123456789abcdef"

// outcome is what a handler behind Middleware sees.
type outcome struct {
	principal services.Principal
	refused   bool // Err(ctx) != nil
}

func TestMiddleware(t *testing.T) {
	tk := testTokens()
	customer, err := tk.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 5, Subject: "c5"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := (&Tokens{Secret: tk.Secret, Now: func() time.Time { return testNow().Add(-2 * time.Hour) }}).
		Issue(services.Principal{Role: services.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	none := outcome{}
	refused := outcome{refused: true}

	tests := []struct {
		name         string
		serviceToken string
		required     bool
		headers      []string // Authorization values
		want         outcome
	}{
		{"no credential, required", testServiceToken, true, nil, none},
		{"no credential, not required", testServiceToken, false, nil, outcome{principal: services.Anonymous}},
		{"service token", testServiceToken, true, []string{"Bearer " + testServiceToken}, outcome{principal: services.ServicePrincipal}},
		{"service token, lower-case scheme", testServiceToken, true, []string{"bearer " + testServiceToken}, outcome{principal: services.ServicePrincipal}},
		{"wrong service token", testServiceToken, true, []string{"Bearer wrong"}, refused},
		{"prefix of the service token", testServiceToken, false, []string{"Bearer " + testServiceToken[:10]}, refused},
		{"service token with a suffix", testServiceToken, false, []string{"Bearer " + testServiceToken + "x"}, refused},
		{"empty service token never matches", "", false, []string{"Bearer "}, refused},
		{"JWT", testServiceToken, true, []string{"Bearer " + customer},
			outcome{principal: services.Principal{Role: services.RoleCustomer, CustomerID: 5, Subject: "c5"}}},
		{"expired JWT, required", testServiceToken, true, []string{"Bearer " + expired}, refused},
		{"expired JWT is not anonymous when not required", testServiceToken, false, []string{"Bearer " + expired}, refused},
		{"Basic credential", testServiceToken, false, []string{"Basic dXNlcjpwYXNz"}, refused},
		{"scheme only", testServiceToken, false, []string{"Bearer"}, refused},
		{"token without scheme", testServiceToken, false, []string{testServiceToken}, refused},
		{"two headers", testServiceToken, false, []string{"Bearer " + testServiceToken, "Bearer " + customer}, refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Authenticator{Tokens: tk, ServiceToken: tt.serviceToken, Required: tt.required}
			var got outcome
			var fromCtxErr error
			h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got.principal, fromCtxErr = FromContext(r.Context())
				got.refused = Err(r.Context()) != nil
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.headers {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			// A token's principal carries its expiry (TestVerify checks it).
			got.principal.Expires = time.Time{}

			if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
				t.Fatalf("middleware answered %d %q itself", rec.Code, rec.Body)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("saw %+v, want %+v", got, tt.want)
			}
			switch {
			case got.refused:
				se := services.ErrorOf(fromCtxErr)
				if se.Kind != services.Unauthenticated || se.Message != "Invalid or expired token" {
					t.Fatalf("FromContext error = %v, want Unauthenticated %q", fromCtxErr, "Invalid or expired token")
				}
			case reflect.DeepEqual(got.principal, services.Principal{}):
				if services.KindOf(fromCtxErr) != services.Unauthenticated {
					t.Fatalf("FromContext error = %v, want Unauthenticated", fromCtxErr)
				}
			case fromCtxErr != nil:
				t.Fatalf("FromContext error = %v", fromCtxErr)
			}
		})
	}
}

// A refusal hides a principal that an outer layer put in the context, so
// a caller can never end up with both.
func TestAuthenticateReplacesEarlierDecision(t *testing.T) {
	a := &Authenticator{Tokens: testTokens(), ServiceToken: testServiceToken}
	ctx := a.Authenticate(context.Background(), "Bearer "+testServiceToken)
	ctx = a.Authenticate(ctx, "Bearer wrong")
	if _, err := services.PrincipalFrom(ctx); err == nil {
		t.Fatal("principal survived a refused credential")
	}
	ctx = a.Authenticate(ctx, "Bearer "+testServiceToken)
	if p, err := FromContext(ctx); err != nil || !reflect.DeepEqual(p, services.ServicePrincipal) {
		t.Fatalf("FromContext = %+v, %v", p, err)
	}
}

func TestRequireService(t *testing.T) {
	tests := []struct {
		name         string
		serviceToken string
		header       string
		wantStatus   int
		wantMsg      string
	}{
		{"right token", testServiceToken, "Bearer " + testServiceToken, http.StatusOK, ""},
		{"lower-case scheme", testServiceToken, "bearer " + testServiceToken, http.StatusOK, ""},
		{"missing", testServiceToken, "", http.StatusUnauthorized, "Service token required"},
		{"not Bearer", testServiceToken, "Basic " + testServiceToken, http.StatusUnauthorized, "Service token required"},
		{"token without scheme", testServiceToken, testServiceToken, http.StatusUnauthorized, "Service token required"},
		{"wrong", testServiceToken, "Bearer wrong", http.StatusForbidden, "Invalid service token"},
		{"empty after Bearer", testServiceToken, "Bearer ", http.StatusForbidden, "Invalid service token"},
		{"prefix", testServiceToken, "Bearer " + testServiceToken[:len(testServiceToken)-1], http.StatusForbidden, "Invalid service token"},
		{"a valid JWT is not the service token", testServiceToken, "Bearer " + mustIssue(t), http.StatusForbidden, "Invalid service token"},
		{"unset service token refuses everything", "", "Bearer ", http.StatusForbidden, "Invalid service token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Authenticator{Tokens: testTokens(), ServiceToken: tt.serviceToken, Required: true}
			var seen services.Principal
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p, err := FromContext(r.Context())
				if err != nil {
					t.Errorf("FromContext behind RequireService: %v", err)
				}
				seen = p
			})
			var deniedStatus int
			var deniedMsg string
			deny := func(w http.ResponseWriter, status int, msg string) {
				deniedStatus, deniedMsg = status, msg
				w.WriteHeader(status)
			}
			// Behind Middleware, as the routers mount it.
			h := a.Middleware(a.RequireService(next, deny))
			req := httptest.NewRequest(http.MethodGet, "/api/v1/internal/customers/1", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusOK {
				if deniedStatus != 0 || !reflect.DeepEqual(seen, services.ServicePrincipal) {
					t.Fatalf("denied %d %q, principal %+v", deniedStatus, deniedMsg, seen)
				}
				return
			}
			if deniedStatus != tt.wantStatus || deniedMsg != tt.wantMsg {
				t.Fatalf("deny(%d, %q), want (%d, %q)", deniedStatus, deniedMsg, tt.wantStatus, tt.wantMsg)
			}
		})
	}
}

func mustIssue(t *testing.T) string {
	t.Helper()
	token, err := testTokens().Issue(services.Principal{Role: services.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
