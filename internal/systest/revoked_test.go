package systest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// A customer deleted by an admin is locked out with its token, through the
// real binary, on every transport that serves its data: at once in the
// process that deleted it, and within a second (auth.DefaultLiveTTL) in a
// process of its own, as compose splits the roles.
func TestDeletedCustomerTokenIsRefused(t *testing.T) {
	bin := servetest.Build(t)
	env := []string{"B2B_DATA_DIR=" + t.TempDir(), "JWT_SECRET=" + smokeJWTSecret, "SERVICE_TOKEN=" + smokeServiceToken}
	one := servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
	// The orders role alone, on the same store, asking the first process's
	// customers role.
	split := servetest.Start(t, bin, append(append([]string(nil), env...), "CUSTOMERS_API_BASE="+one.URL("customers", "")),
		[]string{"orders"}, "--roles", "orders", "--port", "orders=0", "--no-migrate")
	token := func(args ...string) http.Header {
		tok := strings.TrimSpace(runB2B(t, bin, env, append([]string{"token"}, args...)...))
		return http.Header{"Authorization": {"Bearer " + tok}}
	}
	admin, c3 := token("--role", "admin"), token("--role", "customer", "--customer-id", "3")

	type probe struct{ name, method, url, body string }
	probes := []probe{
		{"list orders", "GET", one.URL("orders", "/api/v1/orders"), ""},
		{"read its order", "GET", one.URL("orders", "/api/v1/orders/3"), ""},
		{"cancel its order", "POST", one.URL("orders", "/api/v1/orders/3/cancel"), ""},
		{"read itself", "GET", one.URL("customers", "/api/v1/customers/3"), ""},
		{"the graph", "POST", one.URL("graph", "/graphql"), `{"query":"{ orders { edges { node { id } } } }"}`},
		{"the orchestrator", "POST", one.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
			`{"customer_id":3,"items":[{"product_id":1,"qty":1}],"idempotency_key":"revoked-1"}`},
	}
	split401 := probe{"the split orders role", "GET", split.URL("orders", "/api/v1/orders"), ""}
	// Before: the token works (and the split role has seen it live).
	for _, p := range []probe{probes[0], probes[1], probes[3], split401} {
		if s, b := call(t, p.method, p.url, p.body, c3); s != 200 {
			t.Fatalf("%s before the delete: %d %s", p.name, s, b)
		}
	}
	mustCall(t, "DELETE", one.URL("customers", "/api/v1/customers/3"), "", admin, 204, nil)

	refused := func(status int, body string) bool {
		return status == 401 && strings.Contains(body, "Invalid or expired token") ||
			status == 200 && strings.Contains(body, `"UNAUTHENTICATED"`)
	}
	for _, p := range probes {
		if s, b := call(t, p.method, p.url, p.body, c3); !refused(s, b) {
			t.Errorf("%s after the delete: %d %s", p.name, s, b)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, b := call(t, split401.method, split401.url, "", c3)
		if refused(s, b) {
			break
		}
		if s != 200 || time.Now().After(deadline) {
			t.Fatalf("%s after the delete: %d %s", split401.name, s, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Other customers and the staff are not affected.
	if s, b := call(t, "GET", one.URL("orders", "/api/v1/orders"), "", token("--role", "customer", "--customer-id", "1")); s != 200 {
		t.Errorf("customer 1: %d %s", s, b)
	}
	if s, b := call(t, "GET", split.URL("orders", "/api/v1/orders/3"), "", admin); s != 200 {
		t.Errorf("admin: %d %s", s, b)
	}
}
