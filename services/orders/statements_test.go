package orders_test

import (
	"fmt"
	"log"
	"strings"
	"sync"
	"testing"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// statementLog collects the statements ent's debug driver logs: queries,
// execs, and each transaction's begin and commit.
type statementLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *statementLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		if strings.Contains(line, "query=") || strings.HasSuffix(line, ": started") || strings.HasSuffix(line, ": committed") {
			l.lines = append(l.lines, line)
		}
	}
	return len(p), nil
}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// The round trips of the write path, counted so that they cannot creep
// back: an order created and confirmed under a new key is 9 statements
// (BEGIN, the products with the customer's settings, the credit, the order
// with its customer check, the stock of every line in one update, the
// items, its two events in one insert, the key, COMMIT), the benchmark's
// raw-SQL ceiling, the credit and the outbox's row; a REST order 7 (no
// key), its confirm under a new key 7. A buyer under a spending limit
// costs one statement more (the ledger); its limit and its customer's
// approval rules are read only after they changed. The debug driver
// logs through the standard logger, so the test is not parallel.
func TestWritePathStatements(t *testing.T) {
	var stmts statementLog
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(&stmts)
	log.SetFlags(0)
	t.Cleanup(func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) })

	f := newFixture(t)
	c := f.customer(t, "s@s.com")
	p1, p2, p3 := f.product(t, "S1", 100, 100), f.product(t, "S2", 200, 100), f.product(t, "S3", 300, 100)
	debug := &db.DB{Client: f.db.Client.Debug(), SQL: f.db.SQL, Dialect: f.db.Dialect}
	svc := orders.New(debug, f.customers, orders.Config{Now: f.clock.Now, LiveCustomerInInsert: true})
	lines := []orders.Line{{ProductID: p3, Qty: 1}, {ProductID: p1, Qty: 2}, {ProductID: p2, Qty: 1}}
	// The service reads once whether keys from before scopes live.
	if _, err := svc.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: lines, IdempotencyKey: "stmt-warm"}); err != nil {
		t.Fatal(err)
	}
	stmts.take()

	for i := range 3 {
		if _, err := svc.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: lines, IdempotencyKey: fmt.Sprint("stmt-", i)}); err != nil {
			t.Fatal(err)
		}
		if got := stmts.take(); len(got) != 9 {
			t.Fatalf("create and confirm: %d statements, want 9:\n%s", len(got), strings.Join(got, "\n"))
		}
	}
	created, err := svc.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	if got := stmts.take(); len(got) != 7 {
		t.Fatalf("create: %d statements, want 7:\n%s", len(got), strings.Join(got, "\n"))
	}
	// A confirm under a new key: BEGIN, the key, the order with its items,
	// its status, its event, the credit, COMMIT.
	if _, err := svc.ConfirmOrder(f.ctx, created.ID, "stmt-confirm"); err != nil {
		t.Fatal(err)
	}
	if got := stmts.take(); len(got) != 7 {
		t.Fatalf("confirm: %d statements, want 7:\n%s", len(got), strings.Join(got, "\n"))
	}
	if o, err := svc.ConfirmOrder(f.ctx, created.ID, "stmt-confirm"); err != nil || o.Status != orders.StatusConfirmed {
		t.Fatalf("confirm replay: %+v, %v", o, err)
	}
	if got := stmts.take(); len(got) > 7 {
		t.Fatalf("confirm replay: %d statements, want at most 7:\n%s", len(got), strings.Join(got, "\n"))
	}
	// A replay costs the first attempt, rolled back at the key's insert,
	// then the key and the order read: replays are rare, new keys are not.
	if _, err := svc.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: lines, IdempotencyKey: "stmt-0"}); err != nil {
		t.Fatal(err)
	}
	if got := stmts.take(); len(got) > 13 {
		t.Fatalf("replay: %d statements, want at most 13:\n%s", len(got), strings.Join(got, "\n"))
	} else {
		t.Logf("replay: %d statements", len(got))
	}
	if f.stock(t, p1) != 100-2*5 {
		t.Fatalf("stock of %d: %d, want %d", p1, f.stock(t, p1), 100-2*5)
	}

	// A member under a monthly spending limit, of a customer with a credit
	// limit and an approval rule its orders do not match: once the limit
	// and the rules were read at the customer's governance version, an
	// order costs the ledger's update only; a change of either is read
	// again, once.
	g := f.customer(t, "g@s.com")
	_, buyer := f.member(t, g, "buyer@g.com", services.MemberBuyer)
	if _, err := f.customers.SetSpendingLimit(f.ctx, g, customers.SpendingLimitInput{Role: ptr("buyer"), Period: "MONTH", AmountCents: 1_000_000}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.customers.UpdateSettings(f.ctx, g, customers.SettingsUpdate{CreditLimitCents: ptr(int64(1_000_000))}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.customers.CreateApprovalRule(f.ctx, g, customers.ApprovalRuleInput{Name: "Huge",
		MinTotalCents: ptr(int64(900_000)), ApproverRoles: []string{"approver"}}); err != nil {
		t.Fatal(err)
	}
	governed := func(key string, want int) {
		t.Helper()
		if o, err := svc.CreateAndConfirm(buyer, orders.CreateAndConfirmInput{CustomerID: g, Lines: lines, IdempotencyKey: key}); err != nil || o.Status != orders.StatusConfirmed {
			t.Fatalf("governed order %s: %+v, %v", key, o, err)
		}
		if got := stmts.take(); len(got) != want {
			t.Fatalf("governed order %s: %d statements, want %d:\n%s", key, len(got), want, strings.Join(got, "\n"))
		}
	}
	stmts.take()
	// The first: the limit, the rules, the ledger's update, its first
	// row and the update again.
	governed("gov-0", 14)
	governed("gov-1", 10)
	governed("gov-2", 10)
	if _, err := f.customers.SetSpendingLimit(f.ctx, g, customers.SpendingLimitInput{Role: ptr("buyer"), Period: "MONTH", AmountCents: 2_000_000}); err != nil {
		t.Fatal(err)
	}
	stmts.take()
	governed("gov-3", 12)
	governed("gov-4", 10)
}
