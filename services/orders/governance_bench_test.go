package orders_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// BenchmarkGovernance measures CreateAndConfirm, in parallel over 64
// customers of one member each, without governance and with a spending
// limit, a credit limit, both, and both with an approval rule the orders
// do not match: the ratios of one run are the cost of each. The limits
// are never reached. On MariaDB with B2B_TEST_MYSQL_DSN (see
// docs/benchmarks.md).
func BenchmarkGovernance(b *testing.B) {
	for _, c := range []struct {
		name                string
		spend, credit, rule bool
	}{
		{name: "none"},
		{name: "spend", spend: true},
		{name: "credit", credit: true},
		{name: "spend+credit", spend: true, credit: true},
		{name: "spend+credit+rule", spend: true, credit: true, rule: true},
	} {
		b.Run(c.name, func(b *testing.B) {
			f := newFixture(b)
			const n = 64
			buyers := make([]context.Context, n)
			ids := make([]int, n)
			for i := range n {
				ids[i] = f.customer(b, fmt.Sprintf("bench%d@acme.com", i))
				_, buyers[i] = f.member(b, ids[i], fmt.Sprintf("buyer%d@acme.com", i), services.MemberBuyer)
				if c.spend {
					if _, err := f.customers.SetSpendingLimit(f.ctx, ids[i], customers.SpendingLimitInput{Role: ptr("buyer"), Period: "MONTH", AmountCents: 2_000_000_000}); err != nil {
						b.Fatal(err)
					}
				}
				if c.credit {
					if _, err := f.customers.UpdateSettings(f.ctx, ids[i], customers.SettingsUpdate{CreditLimitCents: ptr(int64(2_000_000_000))}); err != nil {
						b.Fatal(err)
					}
				}
				if c.rule {
					if _, err := f.customers.CreateApprovalRule(f.ctx, ids[i], customers.ApprovalRuleInput{Name: "Huge",
						MinTotalCents: ptr(int64(1_000_000_000)), ApproverRoles: []string{"approver"}}); err != nil {
						b.Fatal(err)
					}
				}
			}
			products := make([]int, 32)
			for i := range products {
				products[i] = f.product(b, fmt.Sprint("B", i), 100, 1_000_000_000)
			}
			var next atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(1))
					lines := []orders.Line{{ProductID: products[i%len(products)], Qty: 1}, {ProductID: products[(i+7)%len(products)], Qty: 2}}
					o, err := f.orders.CreateAndConfirm(buyers[i%n], orders.CreateAndConfirmInput{CustomerID: ids[i%n], Lines: lines,
						IdempotencyKey: fmt.Sprint("bench-", i)})
					if err != nil && services.ErrorOf(err).Code != services.CodeBusy {
						b.Fatal(err)
					}
					if err == nil && o.Status != orders.StatusConfirmed {
						b.Fatalf("status %s", o.Status)
					}
				}
			})
		})
	}
}
