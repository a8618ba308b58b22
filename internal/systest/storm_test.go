package systest

// Storms on MariaDB through the real binary, split as compose runs it:
// many clients racing for one order, one product's last units and one
// idempotency key. Whatever the database makes of the race (deadlocks
// included), no client is answered 5xx and the stock comes out exact.

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// answer is what a storm's client got.
type answer struct {
	status     int
	body       string
	retryAfter string
}

// stormCall is call for goroutines: an error comes back as status 0.
func stormCall(method, url, body, token string) answer {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return answer{body: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return answer{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), retryAfter: resp.Header.Get("Retry-After")}
}

// storm runs n clients at once, each after a jitter of up to 20 ms.
func storm(n int, client func(i int) answer) []answer {
	out := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			time.Sleep(rand.N(20 * time.Millisecond))
			out[i] = client(i)
		})
	}
	wg.Wait()
	return out
}

// noServerErrors fails for every answer that is not a client-side one, and
// for a "try again" conflict that does not say when.
func noServerErrors(t *testing.T, what string, answers []answer, allowed ...int) {
	t.Helper()
	for _, a := range answers {
		if a.status == http.StatusConflict && strings.Contains(a.body, "try again") && a.retryAfter == "" {
			t.Errorf("%s: 409 %s without Retry-After", what, a.body)
		}
		ok := false
		for _, s := range allowed {
			ok = ok || a.status == s
		}
		if !ok {
			t.Errorf("%s: %d %s", what, a.status, a.body)
		}
	}
}

func TestStormsAnswerNoServerError(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	name := dropDatabaseAtEnd(t, server, "b2b_storm")
	env := mysqlEnv(t, server, name, "RATE_LIMIT=off", "JWT_SECRET="+smokeJWTSecret, "SERVICE_TOKEN="+smokeServiceToken)
	runB2B(t, bin, env, "migrate")
	serve := func(roleName string, extra ...string) *servetest.Process {
		return servetest.Start(t, bin, append(append([]string(nil), env...), extra...), []string{roleName},
			"--roles", roleName, "--port", roleName+"=0", "--no-migrate")
	}
	customersP := serve("customers")
	ordersP := serve("orders", "CUSTOMERS_API_BASE=http://"+customersP.Addr("customers"))
	graphP := serve("graph")
	orchestratorP := serve("orchestrator", "GRAPH_URL=http://"+graphP.Addr("graph")+"/graphql")
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	auth := http.Header{"Authorization": {"Bearer " + token}}

	var customer struct{ Data struct{ ID int } }
	mustCall(t, "POST", customersP.URL("customers", "/api/v1/customers"), `{"name":"Storm Corp","email":"storm@example.com"}`, auth, 201, &customer)
	cid := strconv.Itoa(customer.Data.ID)
	product := func(sku string, stock int) string {
		var p struct{ Data struct{ ID int } }
		mustCall(t, "POST", ordersP.URL("orders", "/api/v1/products"),
			fmt.Sprintf(`{"sku":%q,"name":"Storm","price_cents":100,"stock":%d}`, sku, stock), auth, 201, &p)
		return strconv.Itoa(p.Data.ID)
	}
	stock := func(pid string) int {
		var p struct{ Data struct{ Stock int } }
		mustCall(t, "GET", ordersP.URL("orders", "/api/v1/products/"+pid), "", auth, 200, &p)
		return p.Data.Stock
	}
	orders := ordersP.URL("orders", "/api/v1/orders")

	t.Run("confirm races cancel", func(t *testing.T) {
		pid := product("STORM-CC", 1000)
		for round := range 32 {
			var o struct{ Data struct{ ID int } }
			mustCall(t, "POST", orders, `{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":5}]}`, auth, 201, &o)
			id := strconv.Itoa(o.Data.ID)
			key := fmt.Sprintf(`{"idempotency_key":"storm-cc-%d"}`, round)
			answers := storm(32, func(i int) answer {
				if i%2 == 0 {
					return stormCall("POST", orders+"/"+id+"/confirm", key, token)
				}
				return stormCall("POST", orders+"/"+id+"/cancel", "", token)
			})
			// A confirm after the cancel is refused (400); a cancel after
			// the cancel is 200 with no effect.
			noServerErrors(t, "round "+strconv.Itoa(round), answers, 200, 400, 409)
		}
		if s := stock(pid); s != 1000 {
			t.Errorf("stock %d, want 1000: every order was cancelled", s)
		}
	})

	t.Run("64 buyers for 10 units", func(t *testing.T) {
		pid := product("STORM-LAST", 10)
		answers := storm(64, func(int) answer {
			return stormCall("POST", orders, `{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":1}]}`, token)
		})
		noServerErrors(t, "buyers", answers, 201, 400, 409)
		won := 0
		for _, a := range answers {
			if a.status == 201 {
				won++
			}
		}
		if s := stock(pid); won != 10 || s != 0 {
			t.Errorf("%d orders placed, stock %d; want 10 and 0", won, s)
		}
	})

	t.Run("one orchestrator key raced", func(t *testing.T) {
		pid := product("STORM-KEY", 100)
		body := `{"customer_id":` + cid + `,"items":[{"product_id":` + pid + `,"qty":3}],"idempotency_key":"storm-key"}`
		answers := storm(24, func(int) answer {
			return stormCall("POST", orchestratorP.URL("orchestrator", "/orchestrator/create-and-confirm-order"), body, token)
		})
		noServerErrors(t, "orchestrator", answers, 201, 200, 409)
		if s := stock(pid); s != 97 {
			t.Errorf("stock %d, want 97: one order", s)
		}
	})
}
