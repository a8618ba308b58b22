package systest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/b2b-orders/platform/internal/servetest"
)

// receiver is a webhook receiver on loopback that verifies every
// request's signature with the Standard Webhooks algorithm (the official
// library's Verify, which also checks the timestamp's tolerance) and
// answers with the statuses of answer, by how often it saw the id.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	answer func(seen int) int
	mu     sync.Mutex
	// byID counts the requests per webhook-id; bodies keeps the last body.
	byID   map[string]int
	bodies map[string]map[string]any
}

func newReceiver(t *testing.T, secret string, answer func(seen int) int) *receiver {
	r := &receiver{t: t, secret: secret, answer: answer, byID: map[string]int{}, bodies: map[string]map[string]any{}}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := wh.Verify(body, req.Header); err != nil {
			t.Errorf("receiver: signature of %s: %v", req.Header.Get("webhook-id"), err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev map[string]any
		if err := json.Unmarshal(body, &ev); err != nil || ev["id"] != req.Header.Get("webhook-id") {
			t.Errorf("receiver: body %s for webhook-id %s", body, req.Header.Get("webhook-id"))
		}
		r.mu.Lock()
		id := req.Header.Get("webhook-id")
		r.byID[id]++
		r.bodies[id] = ev
		seen := r.byID[id]
		r.mu.Unlock()
		w.WriteHeader(r.answer(seen))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.byID {
		out[k] = v
	}
	return out
}

// witnessEnv lets a flaky witness (below) receive webhooks: a loopback
// receiver allowed, retries a fraction of a second apart.
var witnessEnv = []string{"WEBHOOK_ALLOW_HOSTS=127.0.0.1", "WEBHOOK_RETRY_FIRST=100ms", "WEBHOOK_RETRY_MAX=300ms",
	"WEBHOOK_RETRY_PERIOD=10m", "WEBHOOK_TIMEOUT=5s"}

// newWitness registers, for every event type, a receiver that answers 500
// the first time it sees an event and 200 the second.
func newWitness(t *testing.T, ordersURL string, auth http.Header) *receiver {
	t.Helper()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	r := newReceiver(t, secret, func(seen int) int {
		if seen == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	registerWebhook(t, ordersURL, `{"url":"`+r.srv.URL+`","secret":"`+secret+`"}`, auth)
	return r
}

// requireEach waits until the witness has accepted every event of ids
// (its second sight of each, after a 500), and fails for any event it saw
// that is not in ids. Deliveries are at least once: an attempt whose
// answer cannot be recorded (the database cut mid-attempt) is sent again,
// under the same webhook-id, which is what a receiver deduplicates by;
// deduplicated so, the receiver holds each event of ids exactly once.
func (r *receiver) requireEach(t *testing.T, ids []string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	eventually(t, fmt.Sprintf("the webhook receiver's %d events", len(want)), func() bool {
		c := r.counts()
		for id := range want {
			if c[id] < 2 {
				return false
			}
		}
		return true
	})
	again := 0
	for id, n := range r.counts() {
		if !want[id] {
			t.Errorf("webhook event %s: received %d times, and it is no event of the run", id, n)
		}
		if n > 2 {
			again++
		}
	}
	t.Logf("webhooks: %d events accepted, %d of them sent again after they were accepted", len(want), again)
}

// eventually polls cond until it holds, failing the test after a generous
// deadline (the deliverer's turns are a second apart at most).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type deliveryDTO struct {
	ID        int    `json:"id"`
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
	Log       []struct {
		Attempt    int    `json:"attempt"`
		StatusCode *int   `json:"status_code"`
		Error      string `json:"error"`
	} `json:"log"`
}

// deliveries reads an endpoint's whole delivery log over REST.
func deliveries(t *testing.T, url string, auth http.Header) []deliveryDTO {
	t.Helper()
	var all []deliveryDTO
	cursor := 0
	for {
		var page struct {
			Data       []deliveryDTO
			Pagination struct {
				Cursor  int
				HasMore bool
			}
		}
		mustCall(t, "GET", fmt.Sprintf("%s/deliveries?limit=100&cursor=%d", url, cursor), "", auth, 200, &page)
		all = append(all, page.Data...)
		if !page.Pagination.HasMore {
			return all
		}
		cursor = page.Pagination.Cursor
	}
}

func registerWebhook(t *testing.T, ordersURL, body string, auth http.Header) (int, string) {
	t.Helper()
	var created struct {
		Data struct {
			ID     int
			Secret string
		}
	}
	mustCall(t, "POST", ordersURL+"/api/v1/webhooks", body, auth, 201, &created)
	return created.Data.ID, created.Data.Secret
}

// Through the real binary on the embedded store: an order placed over
// REST reaches a loopback receiver (allowed by WEBHOOK_ALLOW_HOSTS) that
// answers 500 and then 200: delivered once successfully after one retry,
// both attempts under the same webhook-id with valid signatures, the log
// and the metrics say so. An endpoint on a loopback address the
// allow-list does not name is refused at dial time (failed attempts with
// the guard's error, never a request), and an endpoint that fails for the
// whole retry period is disabled.
func TestWebhooksThroughBinary(t *testing.T) {
	bin := servetest.Build(t)
	env := []string{"B2B_DATA_DIR=" + t.TempDir(), "JWT_SECRET=" + smokeJWTSecret, "SERVICE_TOKEN=" + smokeServiceToken,
		"WEBHOOK_ALLOW_HOSTS=127.0.0.1", "WEBHOOK_RETRY_FIRST=100ms", "WEBHOOK_RETRY_MAX=200ms", "WEBHOOK_RETRY_PERIOD=3s", "WEBHOOK_TIMEOUT=2s"}
	p := servetest.Start(t, bin, env, []string{"orders"}, "--roles", "customers,orders", "--port", "customers=0", "--port", "orders=0")
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	auth := http.Header{"Authorization": {"Bearer " + token}}
	orders := p.URL("orders", "")

	flaky := newReceiver(t, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", func(seen int) int {
		if seen == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	flakyID, _ := registerWebhook(t, orders, `{"url":"`+flaky.srv.URL+`/hooks","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","event_types":["order.created"]}`, auth)
	// The generated secret signs too.
	downID, downSecret := registerWebhook(t, orders, `{"url":"https://down.example.com/"}`, auth)
	down := newReceiver(t, downSecret, func(int) int { return http.StatusServiceUnavailable })
	mustCall(t, "PATCH", fmt.Sprintf("%s/api/v1/webhooks/%d", orders, downID), `{"url":"`+down.srv.URL+`"}`, auth, 200, nil)
	_, port, _ := net.SplitHostPort(flaky.srv.Listener.Addr().String())
	guardedID, _ := registerWebhook(t, orders, `{"url":"http://127.0.0.2:`+port+`/hooks"}`, auth)

	var o struct{ Data struct{ ID int } }
	mustCall(t, "POST", orders+"/api/v1/orders", `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`, auth, 201, &o)

	hook := func(id int) string { return orders + "/api/v1/webhooks/" + strconv.Itoa(id) }
	eventually(t, "the flaky receiver's delivery", func() bool {
		ds := deliveries(t, hook(flakyID), auth)
		return len(ds) == 1 && ds[0].State == "delivered"
	})
	d := deliveries(t, hook(flakyID), auth)[0]
	if d.Attempts != 2 || len(d.Log) != 2 || *d.Log[0].StatusCode != 500 || d.Log[0].Error != "answered 500" || *d.Log[1].StatusCode != 200 || d.EventType != "order.created" {
		t.Fatalf("delivery %+v", d)
	}
	counts := flaky.counts()
	if len(counts) != 1 || counts[d.EventID] != 2 {
		t.Fatalf("receiver saw %v, want the event %s twice (500, then 200)", counts, d.EventID)
	}
	flaky.mu.Lock()
	ev := flaky.bodies[d.EventID]
	flaky.mu.Unlock()
	if ev["type"] != "order.created" || ev["order"].(map[string]any)["id"] != float64(o.Data.ID) {
		t.Fatalf("payload %v", ev)
	}

	// Failing for the whole period: disabled, its deliveries failed.
	eventually(t, "the failing endpoint to be disabled", func() bool {
		var ep struct{ Data struct{ Enabled bool } }
		mustCall(t, "GET", hook(downID), "", auth, 200, &ep)
		return !ep.Data.Enabled
	})
	var ep struct {
		Data struct {
			DisabledAt     *string `json:"disabled_at"`
			DisabledReason string  `json:"disabled_reason"`
		}
	}
	mustCall(t, "GET", hook(downID), "", auth, 200, &ep)
	if ep.Data.DisabledAt == nil || !strings.Contains(ep.Data.DisabledReason, "longer than 3s") {
		t.Fatalf("disabled endpoint %+v", ep.Data)
	}
	for _, d := range deliveries(t, hook(downID), auth) {
		if d.State != "failed" || len(d.Log) == 0 || *d.Log[0].StatusCode != 503 {
			t.Fatalf("delivery of a disabled endpoint %+v", d)
		}
	}
	if !strings.Contains(p.Logs(), `"msg":"webhook endpoint disabled"`) || !strings.Contains(p.Logs(), `"msg":"webhook attempt failed"`) {
		t.Errorf("log lacks the failed attempts or the disabling:\n%s", p.Logs())
	}

	// The guard: the attempts failed with its error, the receiver heard nothing of them.
	eventually(t, "an attempt to the guarded address", func() bool {
		ds := deliveries(t, hook(guardedID), auth)
		return len(ds) == 1 && len(ds[0].Log) > 0
	})
	g := deliveries(t, hook(guardedID), auth)[0]
	if g.Log[0].StatusCode != nil || !strings.Contains(g.Log[0].Error, "refused: the address is private, loopback or link-local and not in WEBHOOK_ALLOW_HOSTS (127.0.0.2)") {
		t.Fatalf("guarded delivery %+v", g)
	}

	id := strconv.Itoa(flakyID)
	requireMetric(t, p.URL("orders", "/metrics"), `b2b_webhook_attempts_total{endpoint="`+id+`"} 2`, `b2b_webhook_failures_total{endpoint="`+id+`"} 1`)
	_, page := call(t, "GET", p.URL("orders", "/metrics"), "", nil)
	if !strings.Contains(page, "b2b_webhook_endpoints_disabled_total ") || strings.Contains(page, "b2b_webhook_endpoints_disabled_total 0\n") {
		t.Errorf("b2b_webhook_endpoints_disabled_total did not move:\n%s", page)
	}
}

// Two replicas on one MariaDB, both relaying and delivering: every event
// reaches the receiver once, each delivery was claimed once (one attempt).
func TestWebhooksTwoReplicas(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	name := dropDatabaseAtEnd(t, server, "b2b_webhooks")
	env := mysqlEnv(t, server, name, "JWT_SECRET="+smokeJWTSecret, "SERVICE_TOKEN="+smokeServiceToken, "RATE_LIMIT=off",
		"WEBHOOK_ALLOW_HOSTS=127.0.0.0/8")
	runB2B(t, bin, env, "migrate")
	runB2B(t, bin, env, "seed")
	start := func() *servetest.Process {
		return servetest.Start(t, bin, env, []string{"orders"}, "--roles", "customers,orders", "--port", "customers=0", "--port", "orders=0", "--no-migrate")
	}
	a, b := start(), start()
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	auth := http.Header{"Authorization": {"Bearer " + token}}
	rcv := newReceiver(t, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", func(int) int { return http.StatusNoContent })
	id, _ := registerWebhook(t, a.URL("orders", ""), `{"url":"`+rcv.srv.URL+`","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, auth)

	var wg sync.WaitGroup
	for i, p := range []*servetest.Process{a, b, a, b} {
		wg.Go(func() {
			for j := range 5 {
				var o struct{ Data struct{ ID int } }
				mustCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`, auth, 201, &o)
				mustCall(t, "POST", p.URL("orders", fmt.Sprintf("/api/v1/orders/%d/confirm", o.Data.ID)), fmt.Sprintf(`{"idempotency_key":"wh-%d-%d"}`, i, j), auth, 200, nil)
			}
		})
	}
	wg.Wait()
	const want = 20 * 2
	hook := a.URL("orders", "/api/v1/webhooks/"+strconv.Itoa(id))
	eventually(t, "every delivery", func() bool {
		ds := deliveries(t, hook, auth)
		for _, d := range ds {
			if d.State != "delivered" {
				return false
			}
		}
		return len(ds) == want
	})
	ds := deliveries(t, hook, auth)
	events := map[string]bool{}
	for _, d := range ds {
		if d.Attempts != 1 || len(d.Log) != 1 || events[d.EventID] {
			t.Fatalf("delivery %+v: claimed more than once, or an event fanned out twice", d)
		}
		events[d.EventID] = true
	}
	counts := rcv.counts()
	if len(counts) != want {
		t.Fatalf("receiver saw %d events, want %d", len(counts), want)
	}
	for id, n := range counts {
		if n != 1 || !events[id] {
			t.Fatalf("event %s received %d times (in the log: %v)", id, n, events[id])
		}
	}
	// Both replicas delivered (claims spread), or at least the sum is right.
	total := 0
	for _, p := range []*servetest.Process{a, b} {
		_, page := call(t, "GET", p.URL("orders", "/metrics"), "", nil)
		for line := range strings.SplitSeq(page, "\n") {
			if v, ok := strings.CutPrefix(line, `b2b_webhook_attempts_total{endpoint="`+strconv.Itoa(id)+`"} `); ok {
				n, _ := strconv.Atoi(v)
				total += n
			}
		}
	}
	if total != want {
		t.Fatalf("attempts counted by the replicas: %d, want %d", total, want)
	}
}
