package app

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/config"
	"github.com/b2b-orders/platform/services"
)

func TestRateLimit(t *testing.T) {
	a := fullApp(t, io.Discard, config.Config{RateLimit: config.RateLimit{Requests: 2, Window: time.Minute}})
	h := a.Handler(role(t, "customers"))
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

// A GraphQL operation costs one per root field: aliasing a mutation ten
// times in one request is ten requests' worth, and over the budget it is
// refused whole, before any of its fields runs.
func TestRateLimitCountsRootFields(t *testing.T) {
	a := fullApp(t, io.Discard, config.Config{RateLimit: config.RateLimit{Requests: 5, Window: time.Minute}})
	if _, err := a.store.Seed(t.Context()); err != nil {
		t.Fatal(err)
	}
	h := a.Handler(role(t, "graph"))
	customer := http.Header{"Authorization": {bearer(t, services.Principal{Role: services.RoleCustomer, CustomerID: 1, Subject: "c1"})}}
	var b strings.Builder
	b.WriteString(`{"query":"mutation { `)
	for i := range 10 {
		fmt.Fprintf(&b, `o%d: createOrder(input: {customerId: \"1\", items: [{productId: \"1\", quantity: 1}]}) { id } `, i)
	}
	b.WriteString(`}"}`)
	before := countRows(t, a, "orders")
	rec := send(t, h, "POST", "/graphql", b.String(), customer)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), `"code":"RATE_LIMITED"`) {
		t.Fatalf("ten root fields on a budget of five: %d %s", rec.Code, rec.Body)
	}
	if after := countRows(t, a, "orders"); after != before {
		t.Fatalf("orders went from %d to %d", before, after)
	}
	// Four root fields fit what is left after that request's one.
	rec = send(t, h, "POST", "/graphql", `{"query":"{ a: customer(id: \"1\") { id } b: customer(id: \"1\") { id } c: customer(id: \"1\") { id } d: customer(id: \"1\") { id } }"}`, customer)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "errors") {
		t.Fatalf("four root fields: %d %s", rec.Code, rec.Body)
	}
	rec = send(t, h, "POST", "/graphql", `{"query":"{ __typename }"}`, customer)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("past the budget: %d %s", rec.Code, rec.Body)
	}
}

// Off (the default): no limit, no rate-limit headers.
func TestRateLimitOff(t *testing.T) {
	a := fullApp(t, io.Discard, config.Config{})
	h := a.Handler(role(t, "customers"))
	admin := http.Header{"Authorization": {bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "ops"})}}
	for i := range 20 {
		rec := send(t, h, "GET", "/api/v1/customers", "", admin)
		if rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("request %d: %d, limit header %q", i, rec.Code, rec.Header().Get("X-RateLimit-Limit"))
		}
	}
}

func countRows(t *testing.T, a *App, table string) int {
	t.Helper()
	var n int
	if err := a.store.SQL.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
