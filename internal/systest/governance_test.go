package systest

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// Governance through the real binary on MariaDB: the races of
// governanceRaces against one `b2b serve`. The Galera suite runs the same
// races across its three nodes.
func TestGovernanceRacesOnMariaDB(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	env := mysqlEnv(t, server, dropDatabaseAtEnd(t, server, "b2b_gov"), "JWT_SECRET="+smokeJWTSecret, "SERVICE_TOKEN="+smokeServiceToken)
	runB2B(t, bin, env, "migrate")
	proc := servetest.Start(t, bin, env, []string{"customers", "orders"},
		"--roles", "customers,orders", "--port", "customers=0", "--port", "orders=0", "--no-migrate")
	governanceRaces(t, bin, env, func(_ int, role, path string) string { return proc.URL(role, path) })
}

// govCall sends one request with headers; an error comes back as status 0.
func govCall(method, url, body string, header http.Header) answer {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return answer{body: err.Error()}
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return answer{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), retryAfter: resp.Header.Get("Retry-After")}
}

// untilDefinite repeats a call while it answers busy (409, try again:
// nothing changed), as a client does after Retry-After: under Galera's
// certification many first answers are busy, and a limit is reached only
// by the answers that are not.
func untilDefinite(call func() answer) answer {
	for range 50 {
		a := call()
		if a.status != http.StatusConflict || !strings.Contains(a.body, "try again") {
			return a
		}
		time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond)
	}
	return call()
}

// governanceRaces races the counters governance keeps, through the REST
// API of the processes at(i, role, path) names (spread over i): 64 orders
// of eight buyers against their spending limit, 64 confirms against a
// credit limit, and approve racing reject racing cancel on one order.
// Every limit holds to the cent, reached as closely as the order sizes
// allow; what a refused or canceled order took comes back exactly once;
// nothing answers 5xx.
func governanceRaces(t *testing.T, bin string, env []string, at func(i int, role, path string) string) {
	token := func(args ...string) http.Header {
		return http.Header{"Authorization": {"Bearer " + strings.TrimSpace(runB2B(t, bin, env, append([]string{"token"}, args...)...))}}
	}
	staff := token("--role", "admin")
	newCustomer := func(email string) (string, http.Header) {
		var c struct{ Data struct{ ID int } }
		mustCall(t, "POST", at(0, "customers", "/api/v1/customers"), `{"name":"Gov","email":"`+email+`"}`, staff, 201, &c)
		id := strconv.Itoa(c.Data.ID)
		return id, token("--role", "customer", "--customer-id", id)
	}
	member := func(cid string, admin http.Header, email, role string) (string, http.Header) {
		var m struct{ Data struct{ ID int } }
		mustCall(t, "POST", at(0, "customers", "/api/v1/customers/"+cid+"/members"), `{"email":"`+email+`","name":"M","role":"`+role+`"}`, admin, 201, &m)
		id := strconv.Itoa(m.Data.ID)
		return id, token("--role", "customer", "--customer-id", cid, "--member-id", id)
	}
	product := func(sku string, stock int) string {
		var p struct{ Data struct{ ID int } }
		mustCall(t, "POST", at(0, "orders", "/api/v1/products"), fmt.Sprintf(`{"sku":%q,"name":"Gov","price_cents":100,"stock":%d}`, sku, stock), staff, 201, &p)
		return strconv.Itoa(p.Data.ID)
	}
	stock := func(i int, pid string) int {
		var p struct{ Data struct{ Stock int } }
		mustCall(t, "GET", at(i, "orders", "/api/v1/products/"+pid), "", staff, 200, &p)
		return p.Data.Stock
	}
	type order struct {
		ID         int    `json:"id"`
		Status     string `json:"status"`
		TotalCents int64  `json:"total_cents"`
	}
	decode := func(a answer) order {
		var o struct{ Data order }
		if err := json.Unmarshal([]byte(a.body), &o); err != nil {
			t.Fatalf("%d %s: %v", a.status, a.body, err)
		}
		return o.Data
	}
	sfx := strconv.FormatInt(time.Now().UnixNano(), 36)

	t.Run("64 orders of eight buyers against their spending limit", func(t *testing.T) {
		cid, admin := newCustomer("spend-" + sfx + "@gov.example")
		mustCall(t, "POST", at(0, "customers", "/api/v1/customers/"+cid+"/spending-limits"), `{"role":"buyer","period":"MONTH","amount_cents":1050}`, admin, 200, nil)
		pid := product("GOV-SP-"+sfx, 100_000)
		buyers := make([]http.Header, 8)
		for b := range buyers {
			_, buyers[b] = member(cid, admin, fmt.Sprintf("b%d-%s@gov.example", b, sfx), "buyer")
		}
		answers := storm(64, func(i int) answer {
			return untilDefinite(func() answer {
				return govCall("POST", at(i, "orders", "/api/v1/orders"), `{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":`+strconv.Itoa(1+i%3)+`}]}`, buyers[i%8])
			})
		})
		noServerErrors(t, "orders", answers, 201, 409)
		accepted, smallestRefused, busy := make([]int64, 8), make([]int64, 8), make([]int, 8)
		var total int64
		for i, a := range answers {
			b, size := i%8, int64(100*(1+i%3))
			switch {
			case a.status == 201:
				accepted[b] += decode(a).TotalCents
				total += size
			case a.status == http.StatusConflict && strings.Contains(a.body, "try again"):
				busy[b]++
			case strings.Contains(a.body, "Spending limit exceeded"):
				if smallestRefused[b] == 0 || size < smallestRefused[b] {
					smallestRefused[b] = size
				}
			}
		}
		for b := range buyers {
			if accepted[b] > 1050 {
				t.Errorf("buyer %d: accepted %d cents over its limit of 1050", b, accepted[b])
			}
			if busy[b] > 0 {
				// Still busy after every retry (seen under Galera's
				// certification): the limit held, but its orders did
				// not all get a definite answer to reach it with.
				t.Logf("buyer %d: %d orders still busy after retries; %d cents accepted", b, busy[b], accepted[b])
				continue
			}
			// Each buyer asks for more than its limit (about 1600 cents):
			// some of its orders must be refused.
			if smallestRefused[b] == 0 {
				t.Errorf("buyer %d: no order refused, %d cents accepted", b, accepted[b])
			}
			if accepted[b] > 1050 || smallestRefused[b] != 0 && smallestRefused[b] <= 1050-accepted[b] {
				t.Errorf("buyer %d: accepted %d of 1050 cents, though an order of %d was refused", b, accepted[b], smallestRefused[b])
			}
		}
		if got := 100_000 - stock(1, pid); int64(got)*100 != total {
			t.Errorf("stock taken %d units for %d cents accepted", got, total)
		}
	})

	t.Run("64 confirms against the credit limit", func(t *testing.T) {
		cid, admin := newCustomer("credit-" + sfx + "@gov.example")
		mustCall(t, "PATCH", at(0, "customers", "/api/v1/customers/"+cid+"/settings"), `{"credit_limit_cents":3050}`, staff, 200, nil)
		pid := product("GOV-CR-"+sfx, 100_000)
		ids := make([]string, 64)
		for i := range ids {
			var o struct{ Data order }
			mustCall(t, "POST", at(i, "orders", "/api/v1/orders"), `{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":`+strconv.Itoa(1+i%3)+`}]}`, admin, 201, &o)
			ids[i] = strconv.Itoa(o.Data.ID)
		}
		answers := storm(64, func(i int) answer {
			return untilDefinite(func() answer {
				return govCall("POST", at(i, "orders", "/api/v1/orders/"+ids[i]+"/confirm"), `{"idempotency_key":"gov-cr-`+ids[i]+`"}`, admin)
			})
		})
		noServerErrors(t, "confirms", answers, 200, 409)
		var confirmed int64
		stillBusy := 0
		for _, a := range answers {
			switch {
			case a.status == 200:
				confirmed += decode(a).TotalCents
			case a.status == http.StatusConflict && strings.Contains(a.body, "try again"):
				stillBusy++
			}
		}
		if stillBusy > 0 {
			t.Logf("%d confirms still busy after retries", stillBusy)
		}
		if confirmed > 3050 || stillBusy == 0 && confirmed < 3050-300 {
			t.Errorf("confirmed %d cents against a credit limit of 3050", confirmed)
		}
		var credit struct {
			Data struct {
				ExposureCents  int64 `json:"exposure_cents"`
				AvailableCents int64 `json:"available_cents"`
			}
		}
		mustCall(t, "GET", at(2, "customers", "/api/v1/customers/"+cid+"/credit"), "", staff, 200, &credit)
		if credit.Data.ExposureCents != confirmed || credit.Data.AvailableCents != 3050-confirmed {
			t.Errorf("credit %+v after %d cents confirmed", credit.Data, confirmed)
		}
	})

	t.Run("approve races reject races cancel", func(t *testing.T) {
		cid, admin := newCustomer("approve-" + sfx + "@gov.example")
		mustCall(t, "POST", at(0, "customers", "/api/v1/customers/"+cid+"/approval-rules"),
			`{"name":"Buyers","placed_by_roles":["buyer"],"approver_roles":["approver"]}`, admin, 201, nil)
		_, buyer := member(cid, admin, "buyer-"+sfx+"@gov.example", "buyer")
		_, approver := member(cid, admin, "approver-"+sfx+"@gov.example", "approver")
		pid := product("GOV-AP-"+sfx, 1_000)
		outcomes := map[string]int{}
		for round := range 6 {
			var o struct{ Data order }
			mustCall(t, "POST", at(round, "orders", "/api/v1/orders"), `{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":5}]}`, buyer, 201, &o)
			if o.Data.Status != "PENDING_APPROVAL" {
				t.Fatalf("round %d: %+v", round, o.Data)
			}
			id := strconv.Itoa(o.Data.ID)
			answers := storm(12, func(i int) answer {
				h := approver.Clone()
				h.Set("Idempotency-Key", fmt.Sprintf("gov-%d-%d", round, i%6))
				switch i % 3 {
				case 0:
					return govCall("POST", at(i, "orders", "/api/v1/orders/"+id+"/approve"), `{"reason":"ok"}`, h)
				case 1:
					return govCall("POST", at(i, "orders", "/api/v1/orders/"+id+"/reject"), `{"reason":"no"}`, h)
				}
				return govCall("POST", at(i, "orders", "/api/v1/orders/"+id+"/cancel"), "", buyer)
			})
			noServerErrors(t, "round "+strconv.Itoa(round), answers, 200, 400, 409)
			var final struct{ Data order }
			mustCall(t, "GET", at(round+1, "orders", "/api/v1/orders/"+id), "", staff, 200, &final)
			outcomes[final.Data.Status]++
			switch final.Data.Status {
			case "CREATED":
				if s := stock(round, pid); s != 1_000-5 {
					t.Fatalf("round %d approved: stock %d", round, s)
				}
				mustCall(t, "POST", at(round, "orders", "/api/v1/orders/"+id+"/cancel"), "", buyer, 200, nil)
			case "CANCELED":
			default:
				t.Fatalf("round %d ended %s", round, final.Data.Status)
			}
			if s := stock(round+2, pid); s != 1_000 {
				t.Fatalf("round %d: stock %d after the order ended, want 1000", round, s)
			}
		}
		t.Logf("outcomes: %v", outcomes)
	})
}
