package systest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// Orders keep coming while the database goes away and comes back, and
// some clients give up mid-request. Afterwards every order that was
// answered 201 is in the database whole, no order is half-written, the
// stock adds up to exactly what the stored orders took, and JetStream
// holds exactly one order.created event for each stored order and none
// for anything that was not stored, as does a signed webhook receiver
// (which answers each event 500 before 200) and a GraphQL subscriber.
func TestFaultsUnderLoad(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	name := dropDatabaseAtEnd(t, server, "b2b_faults")
	env := mysqlEnv(t, server, name, "JWT_SECRET="+smokeJWTSecret, "SERVICE_TOKEN="+smokeServiceToken)
	runB2B(t, bin, env, "migrate")
	runB2B(t, bin, env, "seed")

	dsn := *server
	dsn.DBName = name
	dsn.ParseTime = true
	db, err := sql.Open("mysql", dsn.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Enough stock for every request: a refusal here can only be the outage.
	if _, err := db.Exec(`UPDATE products SET stock = 100000`); err != nil {
		t.Fatal(err)
	}
	stockBefore := stocks(t, db)

	proxy := startProxy(t, server.Addr)
	ns := servetest.StartNATS(t)
	p := servetest.Start(t, bin, append(append(env, "DB_HOST=127.0.0.1", "DB_PORT="+proxy.Port(), "NATS_URL="+ns.URL()), witnessEnv...),
		[]string{"customers", "orders", "graph"}, "--no-migrate", "--roles", "customers,orders,graph",
		"--port", "customers=0", "--port", "orders=0", "--port", "graph=0")
	url := p.URL("orders", "/api/v1/orders")
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	witness := newWitness(t, p.URL("orders", ""), http.Header{"Authorization": {"Bearer " + token}})
	sub := subscribe(t, p.URL("graph", "/graphql"), token)

	const workers, perWorker = 8, 40
	var done atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var answered []int // ids of orders answered 201
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for i := range perWorker {
				body := fmt.Sprintf(`{"customer_id":%d,"items":[{"product_id":%d,"qty":1},{"product_id":%d,"qty":2}]}`,
					1+(w+i)%5, 1+i%10, 1+(i+w+1)%10)
				ctx := context.Background()
				var cancel context.CancelFunc = func() {}
				if w%2 == 1 {
					// Half the workers give up after 0.3 to 50 ms, often
					// while the server is in the middle of the order.
					ctx, cancel = context.WithTimeout(ctx, time.Duration(300+(i*4999)%50000)*time.Microsecond)
				}
				status, id := postOrder(ctx, client, url, body)
				cancel()
				if w%2 == 0 {
					done.Add(1) // the outage is timed by the steady workers
				}
				mu.Lock()
				statuses[status]++
				if status == http.StatusCreated {
					answered = append(answered, id)
				}
				mu.Unlock()
			}
		})
	}
	// The database goes away a quarter of the way through the steady
	// workers' requests and comes back halfway.
	steady := workers / 2 * perWorker
	waitFor(t, &done, steady/4)
	proxy.Cut()
	waitFor(t, &done, steady/2)
	proxy.Restore(t)
	wg.Wait()
	waitStatus(t, p.URL("orders", "/health"), http.StatusOK)

	t.Logf("statuses (0: the client gave up): %v", statuses)
	for status := range statuses {
		if status != 0 && status != http.StatusCreated && status != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d", statuses[status], status)
		}
	}
	if statuses[http.StatusCreated] == 0 || statuses[http.StatusServiceUnavailable] == 0 {
		t.Fatalf("the run saw no successes or no outage: %v", statuses)
	}

	// Every 201 is stored whole.
	for _, id := range answered {
		var total, sum int64
		var items int
		err := db.QueryRow(`SELECT o.total_cents, COUNT(i.id), COALESCE(SUM(i.subtotal_cents), 0)
			FROM orders o LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = ? GROUP BY o.id`, id).Scan(&total, &items, &sum)
		if err != nil || items != 2 || total != sum {
			t.Errorf("order %d answered 201: total %d, %d items summing to %d, %v", id, total, items, sum, err)
		}
	}
	// No order of this run lacks its items (the seed's are ids 1-4).
	var orphans int
	if err := db.QueryRow(`SELECT COUNT(*) FROM orders o WHERE o.id > 4 AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d orders without items (%v)", orphans, err)
	}
	// Stock fell by exactly what the stored orders hold, answered or not.
	taken := map[int]int64{}
	rows, err := db.Query(`SELECT i.product_id, SUM(i.qty) FROM order_items i WHERE i.order_id > 4 GROUP BY i.product_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var pid int
		var qty int64
		if err := rows.Scan(&pid, &qty); err != nil {
			t.Fatal(err)
		}
		taken[pid] = qty
	}
	rows.Close()
	for pid, after := range stocks(t, db) {
		if stockBefore[pid]-taken[pid] != after {
			t.Errorf("product %d: stock %d before, %d taken by stored orders, %d after", pid, stockBefore[pid], taken[pid], after)
		}
	}

	// The events: one order.created per stored order of the run, once.
	var stored int
	if err := db.QueryRow(`SELECT COUNT(*) FROM orders WHERE id > 4`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	evs := streamEvents(t, ns.URL(), stored)
	types := exactlyOnce(t, evs)
	if len(types) != stored {
		t.Errorf("events of %d orders, %d stored", len(types), stored)
	}
	for order, ts := range types {
		var exists bool
		if err := db.QueryRow(`SELECT COUNT(*) > 0 FROM orders WHERE id = ?`, order).Scan(&exists); err != nil || !exists || len(ts) != 1 || ts[0] != "order.created" {
			t.Errorf("order %d: events %v, stored %v (%v)", order, ts, exists, err)
		}
	}
	// And the webhook receiver, refusing each event once, accepted each
	// (at least once, the same webhook-id each time) and nothing else.
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev["id"].(string)
	}
	witness.requireEach(t, ids)
	// And a GraphQL subscriber got each once, in sequence.
	sub.requireExactly(t, evs)
}

// postOrder posts an order; status 0 means the client got no answer.
func postOrder(ctx context.Context, client *http.Client, url, body string) (int, int) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+smokeServiceToken)
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0
	}
	var out struct {
		Data struct{ ID int } `json:"data"`
	}
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out.Data.ID
}

func stocks(t *testing.T, db *sql.DB) map[int]int64 {
	t.Helper()
	rows, err := db.Query(`SELECT id, stock FROM products`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var id int
		var s int64
		if err := rows.Scan(&id, &s); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	return out
}

// waitFor waits, bounded, until n requests have finished.
func waitFor(t *testing.T, done *atomic.Int64, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for done.Load() < int64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d requests finished in time", done.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}
