package systest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/internal/servetest"
)

// Idempotency keys belong to the caller that sent them, through the real
// binary: two customers using one key on the orchestrator, on REST confirm
// and on the graph never see each other's requests, and a replay still
// answers its own caller with its first result.
func TestIdempotencyKeysAreScoped(t *testing.T) {
	bin := servetest.Build(t)
	env := []string{"B2B_DATA_DIR=" + t.TempDir()}
	p := servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
	bearer := func(args ...string) http.Header {
		tok := strings.TrimSpace(runB2B(t, bin, env, append([]string{"token"}, args...)...))
		return http.Header{"Authorization": {"Bearer " + tok}}
	}
	c1 := bearer("--role", "customer", "--customer-id", "1")
	c2 := bearer("--role", "customer", "--customer-id", "2")

	orchestrate := func(who http.Header, customer int, key string, want int) int {
		t.Helper()
		var out struct {
			Data struct {
				Order struct{ ID int }
			}
		}
		body := `{"customer_id":` + strconv.Itoa(customer) + `,"items":[{"product_id":2,"qty":1}],"idempotency_key":"` + key + `"}`
		mustCall(t, "POST", p.URL("orchestrator", "/orchestrator/create-and-confirm-order"), body, who, want, &out)
		return out.Data.Order.ID
	}
	// The orchestrator: customer 2 takes the key first; customer 1's own
	// request with it is a new order, and each replays its own.
	o2 := orchestrate(c2, 2, "shared-key-1", 201)
	o1 := orchestrate(c1, 1, "shared-key-1", 201)
	if o1 == o2 || o1 == 0 || o2 == 0 {
		t.Fatalf("orders %d and %d", o1, o2)
	}
	if again := orchestrate(c1, 1, "shared-key-1", 201); again != o1 {
		t.Fatalf("customer 1's replay: order %d, want %d", again, o1)
	}
	if again := orchestrate(c2, 2, "shared-key-1", 201); again != o2 {
		t.Fatalf("customer 2's replay: order %d, want %d", again, o2)
	}

	// REST confirm: the same key on each customer's own order.
	place := func(who http.Header, customer int) string {
		t.Helper()
		var o struct{ Data struct{ ID int } }
		mustCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":`+strconv.Itoa(customer)+`,"items":[{"product_id":3,"qty":1}]}`, who, 201, &o)
		return strconv.Itoa(o.Data.ID)
	}
	a, b := place(c1, 1), place(c2, 2)
	mustCall(t, "POST", p.URL("orders", "/api/v1/orders/"+b+"/confirm"), `{"idempotency_key":"confirm-1"}`, c2, 200, nil)
	mustCall(t, "POST", p.URL("orders", "/api/v1/orders/"+a+"/confirm"), `{"idempotency_key":"confirm-1"}`, c1, 200, nil)
	// Within one scope a key still guards one request.
	c := place(c1, 1)
	mustCall(t, "POST", p.URL("orders", "/api/v1/orders/"+c+"/confirm"), `{"idempotency_key":"confirm-1"}`, c1, 400, nil)

	// The graph: createAndConfirmOrder under customer 1's key of the
	// orchestrator is a replay of customer 1's order, not of customer 2's.
	status, got := call(t, "POST", p.URL("graph", "/graphql"),
		`{"query":"mutation { createAndConfirmOrder(input: { customerId: \"1\", items: [{ productId: \"2\", quantity: 1 }], idempotencyKey: \"shared-key-1\" }) { id } }"}`, c1)
	if status != 200 || !strings.Contains(got, `"id":"`+strconv.Itoa(o1)+`"`) {
		t.Fatalf("graph replay: %d %s, want order %d", status, got, o1)
	}
}
