package systest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// BenchmarkGalera places orders (POST /api/v1/orders, one line, quantity
// 1) from 32 clients through three `b2b serve` processes, in one run:
//   - one-server: the three over one MariaDB server with the cluster
//     nodes' settings;
//   - multi-writer: over a 3-node Galera cluster, each process on a node
//     of its own;
//   - single-writer: over the same cluster, every process on node 1 (what
//     routing one database's writes to one node gives).
//
// each with orders spread over 300 products and with every order on one
// of 3 hot products. It reports the placed orders per second, the share of
// answers that were 409 "try again" (certification conflicts that
// outlived the retries), of 5xx, and the p99 of every answer. Everything,
// the load included, shares the machine's cores.
//
//	B2B_GALERA=1 go test -run '^$' -bench BenchmarkGalera -benchtime 5s ./cmd/b2b
func BenchmarkGalera(b *testing.B) {
	if os.Getenv("B2B_GALERA") != "1" {
		b.Skip("starts MariaDB servers and a Galera cluster of its own: B2B_GALERA=1")
	}
	bin := servetest.Build(b)
	// One cluster for both of its topologies, each on a database of its
	// own.
	cluster := servetest.StartGalera(b, 3)
	topologies := []struct {
		name string
		// db starts (or reuses) the database servers and names the node
		// of each of the three processes.
		db func(b *testing.B) (g *servetest.Galera, nodeOf func(proc int) int, params map[string]string)
	}{
		{"one-server", func(b *testing.B) (*servetest.Galera, func(int) int, map[string]string) {
			return servetest.StartServer(b), func(int) int { return 0 }, nil
		}},
		{"multi-writer", func(b *testing.B) (*servetest.Galera, func(int) int, map[string]string) {
			return cluster, func(p int) int { return p }, map[string]string{"wsrep_sync_wait": "1"}
		}},
		{"single-writer", func(b *testing.B) (*servetest.Galera, func(int) int, map[string]string) {
			return cluster, func(int) int { return 0 }, map[string]string{"wsrep_sync_wait": "1"}
		}},
	}
	for ti, top := range topologies {
		b.Run(top.name, func(b *testing.B) {
			g, nodeOf, params := top.db(b)
			name := "b2b_bench_" + strconv.Itoa(ti)
			env := galeraDatabase(b, g, name, params)
			runB2B(b, bin, env(0), "migrate")
			runB2B(b, bin, env(0), "seed")
			var procs []*servetest.Process
			for p := range 3 {
				procs = append(procs, servetest.Start(b, bin, env(nodeOf(p)), []string{"customers", "orders"},
					"--roles", "customers,orders", "--port", "customers=0", "--port", "orders=0", "--no-migrate"))
			}
			token := strings.TrimSpace(runB2B(b, bin, env(0), "token", "--role", "admin"))
			spread := benchProducts(b, procs[0].URL("orders", "/api/v1/products"), token, name, 300)
			hot := spread[:3]
			for _, mode := range []struct {
				name     string
				products []int
			}{{"spread", spread}, {"hot3", hot}} {
				b.Run(mode.name, func(b *testing.B) {
					placeOrders(b, procs, token, mode.products)
				})
			}
		})
	}
}

// placeOrders is one cell of BenchmarkGalera: b.N orders from 32
// clients, round robin over procs.
func placeOrders(b *testing.B, procs []*servetest.Process, token string, products []int) {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next, placed, conflicts, failed atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	b.SetParallelism(16) // 32 clients on two cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := next.Add(1)
			url := procs[i%int64(len(procs))].URL("orders", "/api/v1/orders")
			body := fmt.Sprintf(`{"customer_id":1,"items":[{"product_id":%d,"qty":1}]}`, products[rand.N(len(products))])
			req, _ := http.NewRequest("POST", url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(start))
			switch {
			case resp.StatusCode == http.StatusCreated:
				placed.Add(1)
			case resp.StatusCode == http.StatusConflict:
				conflicts.Add(1)
			default:
				failed.Add(1)
			}
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(placed.Load())/b.Elapsed().Seconds(), "orders/s")
	b.ReportMetric(float64(conflicts.Load())/n, "409/op")
	b.ReportMetric(float64(failed.Load())/n, "failed/op")
	if len(latencies) > 0 {
		slices.Sort(latencies)
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.ReportMetric(0, "ns/op") // orders/s says it, for the orders placed
}

// benchProducts creates n products with stock nobody exhausts.
func benchProducts(b *testing.B, url, token, prefix string, n int) []int {
	b.Helper()
	ids := make([]int, n)
	for i := range ids {
		a := stormCall("POST", url, fmt.Sprintf(`{"sku":"%s-%d","name":"Bench","price_cents":100,"stock":1000000000}`, prefix, i), token)
		if a.status != http.StatusCreated {
			b.Fatalf("create product: %d %s", a.status, a.body)
		}
		var id int
		if _, err := fmt.Sscanf(a.body[strings.Index(a.body, `"id":`)+5:], "%d", &id); err != nil {
			b.Fatalf("product id in %s: %v", a.body, err)
		}
		ids[i] = id
	}
	return ids
}
