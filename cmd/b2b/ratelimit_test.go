package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
)

func TestRateLimit(t *testing.T) {
	a := fullApp(t, io.Discard, Config{RateLimit: RateLimit{Requests: 2, Window: time.Minute}})
	h := a.handler(role{name: "customers", routes: mountCustomersREST})
	admin := http.Header{"Authorization": {bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "ops"})}}
	staff := http.Header{"Authorization": {bearer(t, services.Principal{Role: services.RoleStaff, Subject: "desk"})}}
	service := http.Header{"Authorization": {"Bearer " + obsServiceToken}}

	for i := range 2 {
		if rec := send(t, h, "GET", "/api/v1/customers", "", admin); rec.Code != 200 {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := send(t, h, "GET", "/api/v1/customers", "", admin)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "60" ||
		rec.Body.String() != `{"success":false,"error":"Too many requests, please retry later"}`+"\n" {
		t.Fatalf("over the limit on REST: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// The same client on the graph: a GraphQL error.
	rec = send(t, h, "POST", "/graphql", `{"query":"{ customers(first: 1) { edges { node { id } } } }"}`, admin)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), `"code":"RATE_LIMITED"`) {
		t.Fatalf("over the limit on the graph: %d %s", rec.Code, rec.Body)
	}
	// Another user has a budget of its own.
	if rec := send(t, h, "GET", "/api/v1/customers", "", staff); rec.Code != 200 {
		t.Errorf("another user: %d", rec.Code)
	}

	// Never limited: probes, metrics, the service token, the internal
	// route (whoever calls it).
	for range 5 {
		for _, p := range []string{"/health", "/livez", "/readyz", "/metrics"} {
			if rec := send(t, h, "GET", p, "", admin); rec.Code != 200 {
				t.Errorf("%s: %d", p, rec.Code)
			}
		}
		if rec := send(t, h, "POST", "/graphql", `{"query":"{ customers(first: 1) { edges { node { id } } } }"}`, service); rec.Code != 200 {
			t.Errorf("service token on the graph: %d %s", rec.Code, rec.Body)
		}
		if rec := send(t, h, "GET", "/api/v1/internal/customers/1", "", nil); rec.Code == http.StatusTooManyRequests {
			t.Errorf("internal route without a credential: %d", rec.Code)
		}
	}

	// Callers without a valid credential are told apart by address.
	for i := range 3 {
		rec := send(t, h, "GET", "/api/v1/customers", "", http.Header{"Authorization": {"Bearer forged"}})
		want := http.StatusUnauthorized
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Errorf("anonymous request %d: %d, want %d", i, rec.Code, want)
		}
	}
}

// Off (the default): no limit, no rate-limit headers.
func TestRateLimitOff(t *testing.T) {
	a := fullApp(t, io.Discard, Config{})
	h := a.handler(role{name: "customers", routes: mountCustomersREST})
	admin := http.Header{"Authorization": {bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "ops"})}}
	for i := range 20 {
		rec := send(t, h, "GET", "/api/v1/customers", "", admin)
		if rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("request %d: %d, limit header %q", i, rec.Code, rec.Header().Get("X-RateLimit-Limit"))
		}
	}
}
