package orders_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// BenchmarkGovernance measures CreateAndConfirm, in parallel over 64
// customers of one member each, without governance and with a spending
// limit, a credit limit, both, and both with an approval rule the orders
// do not match: the ratios of one run are the cost of each. The limits
// are never reached. On MariaDB with B2B_TEST_MYSQL_DSN (see
// docs/benchmarks.md). Besides the time, it reports the CPU an order
// costs this process (go-cpu-ns/op) and, when the server runs on this
// machine, the MariaDB server (db-cpu-ns/op): with both on the same two
// cores, CPU varies less between runs than time does.
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
			cpu := startCPU()
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
			cpu.report(b)
		})
	}
}

// cpuMark is the CPU time this process and the local MariaDB server (0
// when none is found) had used at the start of a benchmark.
type cpuMark struct {
	self, db time.Duration
	dbPID    int
}

func startCPU() cpuMark {
	m := cpuMark{dbPID: databasePID()}
	m.self, m.db = selfCPU(), processCPU(m.dbPID)
	return m
}

// report adds the CPU used since m per operation to b's results.
func (m cpuMark) report(b *testing.B) {
	b.ReportMetric(float64(selfCPU()-m.self)/float64(b.N), "go-cpu-ns/op")
	if m.dbPID != 0 {
		b.ReportMetric(float64(processCPU(m.dbPID)-m.db)/float64(b.N), "db-cpu-ns/op")
	}
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// databasePID finds a MariaDB or MySQL server process on this machine.
func databasePID() int {
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if comm, err := os.ReadFile("/proc/" + d.Name() + "/comm"); err == nil {
			if c := strings.TrimSpace(string(comm)); c == "mariadbd" || c == "mysqld" {
				return pid
			}
		}
	}
	return 0
}

// processCPU is the user and system time of process pid, from
// /proc/pid/stat (in clock ticks of 10 ms on Linux).
func processCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
