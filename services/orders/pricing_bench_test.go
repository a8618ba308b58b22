package orders_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

// BenchmarkPricing measures CreateAndConfirm, in parallel over 64
// customers, without price lists and with two that apply to every
// customer — a base list and the customer's own contract list, each with
// three breaks on every product — so every line resolves among two lists
// and their breaks. The ratio of one run is the cost of contract prices.
// On MariaDB with B2B_TEST_MYSQL_DSN; it reports CPU as
// BenchmarkGovernance does (see docs/benchmarks.md).
func BenchmarkPricing(b *testing.B) {
	for _, lists := range []bool{false, true} {
		name := "none"
		if lists {
			name = "two-lists"
		}
		b.Run(name, func(b *testing.B) {
			f := newFixture(b)
			const n = 64
			ids := make([]int, n)
			for i := range n {
				ids[i] = f.customer(b, fmt.Sprintf("bench%d@acme.com", i))
			}
			products := make([]int, 32)
			for i := range products {
				products[i] = f.product(b, fmt.Sprint("B", i), 100, 1_000_000_000)
			}
			if lists {
				breaks := func(price int64) []orders.PriceEntry {
					var out []orders.PriceEntry
					for _, p := range products {
						out = append(out, orders.PriceEntry{ProductID: p, MinQty: 1, UnitPriceCents: price},
							orders.PriceEntry{ProductID: p, MinQty: 2, UnitPriceCents: price - 5},
							orders.PriceEntry{ProductID: p, MinQty: 10, UnitPriceCents: price - 10})
					}
					return out
				}
				f.priceList(b, orders.PriceListInput{Name: "Base", Entries: breaks(95)})
				for _, c := range ids {
					f.priceList(b, orders.PriceListInput{Name: fmt.Sprint("Contract ", c), Priority: 1, CustomerIDs: []int{c}, Entries: breaks(90)})
				}
			}
			var next atomic.Int64
			cpu := startCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1))
					lines := []orders.Line{{ProductID: products[i%len(products)], Qty: 1}, {ProductID: products[(i+7)%len(products)], Qty: 2}}
					o, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: ids[i%n], Lines: lines,
						IdempotencyKey: fmt.Sprint("bench-", i)})
					if err != nil && services.ErrorOf(err).Code != services.CodeBusy {
						b.Fatal(err)
					}
					if err == nil && lists {
						for _, it := range o.Items {
							if it.PriceListID == nil || it.UnitPriceCents != 95-5*it.Qty {
								b.Fatalf("item %+v", it)
							}
						}
					}
				}
			})
			cpu.report(b)
		})
	}
}
