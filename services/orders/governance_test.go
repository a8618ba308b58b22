package orders_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/ent/member"
	"github.com/b2b-orders/platform/ent/orderevent"
	"github.com/b2b-orders/platform/ent/spendledger"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// member adds a member with role to customer c and returns its id and a
// context acting as it.
func (f *fixture) member(t testing.TB, c int, email string, role services.MemberRole) (int, context.Context) {
	t.Helper()
	m, err := f.db.Client.Member.Create().SetCustomerID(c).SetEmail(email).SetName(email).
		SetRole(memberRole(role)).Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m.ID, services.WithPrincipal(context.Background(), services.Principal{
		Role: services.RoleCustomer, CustomerID: c, Subject: email, MemberID: m.ID, Access: role})
}

func (f *fixture) exposure(t *testing.T, c int) int64 {
	t.Helper()
	cr, err := f.customers.Credit(f.ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return cr.ExposureCents
}

func (f *fixture) spent(t *testing.T, member int) int64 {
	t.Helper()
	rows, err := f.db.Client.SpendLedger.Query().Where(spendledger.MemberID(member)).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, r := range rows {
		sum += r.UsedCents
	}
	return sum
}

// events lists an order's event types and actors, in order.
func (f *fixture) trail(t *testing.T, orderID int) []string {
	t.Helper()
	rows, err := f.db.Client.OrderEvent.Query().Where(orderevent.OrderID(orderID)).Order(orderevent.BySeq()).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, r := range rows {
		var body orders.EventBody
		if err := json.Unmarshal([]byte(r.Payload), &body); err != nil {
			t.Fatal(err)
		}
		if r.Seq != i+1 || body.Seq != r.Seq {
			t.Fatalf("event %d of order %d has seq %d (body %d)", i, orderID, r.Seq, body.Seq)
		}
		out = append(out, r.Type+" by "+body.Actor.String())
	}
	return out
}

func raced(t *testing.T, n int, call func(i int) (orders.Order, error)) ([]orders.Order, []error) {
	t.Helper()
	got, errs := make([]orders.Order, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = call(i) })
	}
	wg.Wait()
	return got, errs
}

// 64 orders of one buyer race against its monthly limit: the accepted
// totals never pass it, and reach it as closely as the order sizes allow;
// the ledger holds exactly what was accepted, and a cancel gives back
// exactly once.
func TestSpendingLimitHoldsUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "spend@acme.com")
	p := f.product(t, "SP", 100, 100_000)
	buyer, asBuyer := f.member(t, c, "buyer@acme.com", services.MemberBuyer)
	if _, err := f.customers.SetSpendingLimit(f.ctx, c, customers.SpendingLimitInput{
		Role: ptr("buyer"), Period: "MONTH", AmountCents: 2_550}); err != nil {
		t.Fatal(err)
	}
	got, errs := raced(t, 64, func(i int) (orders.Order, error) {
		return f.orders.CreateAndConfirm(asBuyer, orders.CreateAndConfirmInput{CustomerID: c,
			Lines: []orders.Line{{ProductID: p, Qty: int64(1 + i%3)}}, IdempotencyKey: fmt.Sprint("s", i)})
	})
	var accepted, smallestRefused int64 = 0, 1 << 40
	for i, err := range errs {
		switch {
		case err == nil:
			accepted += got[i].TotalCents
		case services.ErrorOf(err).Code == services.CodeSpendingLimitExceeded:
			smallestRefused = min(smallestRefused, int64(100*(1+i%3)))
		case services.ErrorOf(err).Code == services.CodeBusy:
		default:
			t.Fatalf("order %d: %v", i, err)
		}
	}
	if accepted > 2_550 || smallestRefused <= 2_550-accepted {
		t.Fatalf("accepted %d of 2550 cents, though an order of %d was refused", accepted, smallestRefused)
	}
	if used := f.spent(t, buyer); used != accepted {
		t.Fatalf("ledger holds %d, accepted %d", used, accepted)
	}
	// A member's own limit wins over its role's: a day limit of 0.
	if _, err := f.customers.SetSpendingLimit(f.ctx, c, customers.SpendingLimitInput{
		MemberID: &buyer, Period: "DAY", AmountCents: 0}); err != nil {
		t.Fatal(err)
	}
	_, err := f.orders.CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if se := services.ErrorOf(err); se.Kind != services.Conflict || se.Code != services.CodeSpendingLimitExceeded {
		t.Fatalf("over the member's own limit: %v", err)
	}
	// Cancels of one order, racing, give its total back once.
	var first orders.Order
	for i, err := range errs {
		if err == nil {
			first = got[i]
			break
		}
	}
	raced(t, 8, func(int) (orders.Order, error) { return f.orders.CancelOrder(asBuyer, first.ID) })
	if used := f.spent(t, buyer); used != accepted-first.TotalCents {
		t.Fatalf("after the cancel the ledger holds %d, want %d", used, accepted-first.TotalCents)
	}
	if e := f.exposure(t, c); e != accepted-first.TotalCents {
		t.Fatalf("exposure %d, want %d", e, accepted-first.TotalCents)
	}
}

// Periods follow the customer's time zone: an order at 23:30 UTC on
// Sunday is Monday in Berlin, a new day and a new week.
func TestSpendingPeriodsFollowTheTimeZone(t *testing.T) {
	berlin, err := services.LoadTimeZone("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC) // a Sunday
	for _, c := range []struct {
		p         services.Period
		loc       *time.Location
		want      string
		wantLocal string
	}{
		{services.PeriodDay, time.UTC, "DAY:2026-12-06", "DAY:2026-12-07"},
		{services.PeriodWeek, time.UTC, "WEEK:2026-11-30", "WEEK:2026-12-07"},
		{services.PeriodMonth, time.UTC, "MONTH:2026-12", "MONTH:2026-12"},
		{services.PeriodNone, time.UTC, "", ""},
	} {
		if got := c.p.Key(at, time.UTC); got != c.want {
			t.Errorf("%s in UTC: %q, want %q", c.p, got, c.want)
		}
		if got := c.p.Key(at, berlin); got != c.wantLocal {
			t.Errorf("%s in Berlin: %q, want %q", c.p, got, c.wantLocal)
		}
	}
	if _, err := services.LoadTimeZone("Mars/Olympus"); services.KindOf(err) != services.Invalid {
		t.Fatalf("an unknown zone: %v", err)
	}
}

// 64 confirms race against the credit limit: exposure never passes it,
// holds exactly the confirmed totals, and payments give back once.
func TestCreditLimitHoldsUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "credit@acme.com")
	p := f.product(t, "CR", 100, 100_000)
	if _, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{CreditLimitCents: ptr(int64(3_050))}); err != nil {
		t.Fatal(err)
	}
	// Half the orders are placed first and confirmed in the race, half
	// placed confirmed in it.
	created := make([]orders.Order, 32)
	for i := range created {
		o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: int64(1 + i%3)}}})
		if err != nil {
			t.Fatal(err)
		}
		created[i] = o
	}
	got, errs := raced(t, 64, func(i int) (orders.Order, error) {
		if i%2 == 0 {
			return f.orders.ConfirmOrder(f.ctx, created[i/2].ID, fmt.Sprint("c", i))
		}
		return f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c,
			Lines: []orders.Line{{ProductID: p, Qty: int64(1 + i%3)}}, IdempotencyKey: fmt.Sprint("cc", i)})
	})
	var accepted int64
	var paid orders.Order
	for i, err := range errs {
		switch {
		case err == nil:
			accepted += got[i].TotalCents
			paid = got[i]
		case services.ErrorOf(err).Code == services.CodeCreditLimitExceeded, services.ErrorOf(err).Code == services.CodeBusy:
		default:
			t.Fatalf("order %d: %v", i, err)
		}
	}
	if accepted > 3_050 || accepted < 3_050-300 {
		t.Fatalf("confirmed %d cents against a limit of 3050", accepted)
	}
	if e := f.exposure(t, c); e != accepted {
		t.Fatalf("exposure %d, confirmed %d", e, accepted)
	}
	// Payment: staff only, idempotent, once.
	if _, err := f.orders.PayOrder(services.WithPrincipal(context.Background(), services.Principal{Role: services.RoleCustomer, CustomerID: c}),
		paid.ID, "pay-1"); services.KindOf(err) != services.PermissionDenied {
		t.Fatalf("a customer paying: %v", err)
	}
	_, errs = raced(t, 4, func(i int) (orders.Order, error) { return f.orders.PayOrder(f.ctx, paid.ID, fmt.Sprint("pay-", i%2)) })
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if e := f.exposure(t, c); e != accepted-paid.TotalCents {
		t.Fatalf("after the payment exposure is %d, want %d", e, accepted-paid.TotalCents)
	}
	o, err := f.orders.GetOrder(f.ctx, paid.ID)
	if err != nil || o.PaidAt == nil || o.PaidBy == nil {
		t.Fatalf("paid order: %+v, %v", o, err)
	}
	if _, err := f.orders.CancelOrder(f.ctx, paid.ID); services.ErrorOf(err).Code != services.CodeInvalidTransition {
		t.Fatalf("canceling a paid order: %v", err)
	}
	// Paying a canceled order is refused and changes nothing.
	o, err = f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.CancelOrder(f.ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.PayOrder(f.ctx, o.ID, "pay-canceled"); services.ErrorOf(err).Code != services.CodeInvalidTransition {
		t.Fatalf("paying a canceled order: %v", err)
	}
	cr, err := f.customers.Credit(f.ctx, c)
	if err != nil || *cr.AvailableCents != 3_050-cr.ExposureCents {
		t.Fatalf("credit %+v, %v", cr, err)
	}
	events := f.trail(t, paid.ID)
	if last := events[len(events)-1]; last != "order.paid by admin:admin" {
		t.Fatalf("events of the paid order: %v", events)
	}
}

// Two levels of approval: the buyer cannot decide its own order, each
// level needs its role and another approver, the last approval confirms
// an order placed through create-and-confirm, a replay answers the same,
// and every step is an event with its actor.
func TestApprovalFlow(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "approve@acme.com")
	p := f.product(t, "AP", 100, 1_000)
	_, asBuyer := f.member(t, c, "b@acme.com", services.MemberBuyer)
	approver, asApprover := f.member(t, c, "a@acme.com", services.MemberApprover)
	_, asApprover2 := f.member(t, c, "a2@acme.com", services.MemberApprover)
	admin, asAdmin := f.member(t, c, "ad@acme.com", services.MemberAdmin)
	other := f.customer(t, "other@acme.com")
	_, asStranger := f.member(t, other, "x@other.com", services.MemberAdmin)
	if _, err := f.customers.CreateApprovalRule(asAdmin, c, customers.ApprovalRuleInput{Name: "Large orders",
		MinTotalCents: ptr(int64(500)), ApproverRoles: []string{"approver", "admin"}}); err != nil {
		t.Fatal(err)
	}
	small, err := f.orders.CreateAndConfirm(asBuyer, orders.CreateAndConfirmInput{CustomerID: c,
		Lines: []orders.Line{{ProductID: p, Qty: 4}}, IdempotencyKey: "small"})
	if err != nil || small.Status != orders.StatusConfirmed {
		t.Fatalf("an order below the rule: %+v, %v", small, err)
	}
	o, err := f.orders.CreateAndConfirm(asBuyer, orders.CreateAndConfirmInput{CustomerID: c,
		Lines: []orders.Line{{ProductID: p, Qty: 6}}, IdempotencyKey: "large"})
	if err != nil || o.Status != orders.StatusPendingApproval || !o.ConfirmOnApproval || len(o.ApprovalRoles) != 2 {
		t.Fatalf("an order the rule matches: %+v, %v", o, err)
	}
	if stock := f.stock(t, p); stock != 1_000-10 {
		t.Fatalf("stock %d: a pending order holds its stock", stock)
	}
	if e := f.exposure(t, c); e != 400 {
		t.Fatalf("exposure %d: a pending order takes no credit", e)
	}
	if _, err := f.orders.ConfirmOrder(asBuyer, o.ID, "confirm-pending"); services.ErrorOf(err).Code != services.CodeInvalidTransition {
		t.Fatalf("confirming a pending order: %v", err)
	}
	for name, ctx := range map[string]context.Context{"buyer": asBuyer, "staff": f.ctx} {
		if _, err := f.orders.ApproveOrder(ctx, o.ID, "by-"+name, nil); services.KindOf(err) != services.PermissionDenied {
			t.Fatalf("approval by the %s: %v", name, err)
		}
	}
	if _, err := f.orders.ApproveOrder(asStranger, o.ID, "stranger", nil); services.KindOf(err) != services.NotFound {
		t.Fatalf("approval by another customer's admin: %v", err)
	}
	if _, err := f.orders.ApproveOrder(asApprover, o.ID, "bad", ptr("ok\x00")); services.KindOf(err) != services.Invalid {
		t.Fatalf("a reason with a control character: %v", err)
	}
	first, err := f.orders.ApproveOrder(asApprover, o.ID, "level-1", ptr("within budget"))
	if err != nil || first.Status != orders.StatusPendingApproval || first.Approvals != 1 {
		t.Fatalf("first level: %+v, %v", first, err)
	}
	again, err := f.orders.ApproveOrder(asApprover, o.ID, "level-1", ptr("within budget"))
	if err != nil || again.Approvals != 1 {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	if _, err := f.orders.ApproveOrder(asApprover, o.ID, "level-1", ptr("other reason")); services.ErrorOf(err).Code != services.CodeKeyReused {
		t.Fatalf("the key for another request: %v", err)
	}
	if _, err := f.orders.ApproveOrder(asApprover2, o.ID, "level-2-approver", nil); services.KindOf(err) != services.PermissionDenied {
		t.Fatalf("the admin level by an approver: %v", err)
	}
	// The admin who approved level 1 could not approve level 2: here an
	// admin that did not.
	done, err := f.orders.ApproveOrder(asAdmin, o.ID, "level-2", nil)
	if err != nil || done.Status != orders.StatusConfirmed || done.ConfirmedAt == nil {
		t.Fatalf("last level: %+v, %v", done, err)
	}
	if e := f.exposure(t, c); e != 1_000 {
		t.Fatalf("exposure %d after the approval confirmed the order", e)
	}
	if _, err := f.orders.ApproveOrder(asAdmin, o.ID, "level-3", nil); services.ErrorOf(err).Code != services.CodeInvalidTransition {
		t.Fatalf("approving a confirmed order: %v", err)
	}
	want := []string{"order.created by member:%d", "order.approval_requested by member:%d", "order.approved by member:%d",
		"order.approved by member:%d", "order.confirmed by member:%d"}
	buyerID := o.PlacedBy.ID
	for i, who := range []string{buyerID, buyerID, fmt.Sprint(approver), fmt.Sprint(admin), fmt.Sprint(admin)} {
		want[i] = fmt.Sprintf(want[i][:len(want[i])-2]+"%s", who)
	}
	if got := f.trail(t, o.ID); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
	ds, err := f.orders.Decisions(asBuyer, []int{o.ID})
	if err != nil || len(ds[o.ID]) != 2 || ds[o.ID][0].Reason == nil || *ds[o.ID][0].Reason != "within budget" {
		t.Fatalf("decisions: %+v, %v", ds, err)
	}
	// The same admin cannot decide both levels.
	o2, err := f.orders.CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 5}}})
	if err != nil || o2.Status != orders.StatusPendingApproval || o2.ConfirmOnApproval {
		t.Fatalf("a created order the rule matches: %+v, %v", o2, err)
	}
	if _, err := f.orders.ApproveOrder(asAdmin, o2.ID, "o2-1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.ApproveOrder(asAdmin, o2.ID, "o2-2", nil); services.ErrorOf(err).Code != services.CodeSelfApproval {
		t.Fatalf("one admin for both levels: %v", err)
	}
}

// Approve, reject and cancel race on one order: exactly one outcome, and
// stock and spend come back exactly once.
func TestApproveRejectCancelRace(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "race@acme.com")
	p := f.product(t, "RA", 100, 1_000)
	buyer, asBuyer := f.member(t, c, "b@acme.com", services.MemberBuyer)
	_, asApprover := f.member(t, c, "a@acme.com", services.MemberApprover)
	_, asApprover2 := f.member(t, c, "a2@acme.com", services.MemberApprover)
	asAdmin := services.WithPrincipal(context.Background(), services.Principal{Role: services.RoleCustomer, CustomerID: c})
	if _, err := f.customers.CreateApprovalRule(asAdmin, c, customers.ApprovalRuleInput{Name: "Buyers",
		PlacedByRoles: []string{"buyer"}, ApproverRoles: []string{"approver"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.customers.SetSpendingLimit(asAdmin, c, customers.SpendingLimitInput{MemberID: &buyer, Period: "WEEK", AmountCents: 100_000}); err != nil {
		t.Fatal(err)
	}
	for round := range 4 {
		o, err := f.orders.CreateAndConfirm(asBuyer, orders.CreateAndConfirmInput{CustomerID: c,
			Lines: []orders.Line{{ProductID: p, Qty: 3}}, IdempotencyKey: fmt.Sprint("race-", round)})
		if err != nil || o.Status != orders.StatusPendingApproval {
			t.Fatalf("%+v, %v", o, err)
		}
		_, errs := raced(t, 6, func(i int) (orders.Order, error) {
			key := fmt.Sprint("r", round, "-", i)
			switch i % 3 {
			case 0:
				return f.orders.ApproveOrder(asApprover, o.ID, key, nil)
			case 1:
				return f.orders.RejectOrder(asApprover2, o.ID, key, ptr("no"))
			}
			return f.orders.CancelOrder(asBuyer, o.ID)
		})
		for _, err := range errs {
			if code := services.ErrorOf(err).Code; err != nil && code != services.CodeInvalidTransition && code != services.CodeBusy && code != services.CodeSelfApproval {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		final, err := f.orders.GetOrder(f.ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		events := f.trail(t, o.ID)
		switch final.Status {
		case orders.StatusConfirmed:
			if f.stock(t, p) != 1_000-3 || f.spent(t, buyer) != 300 || f.exposure(t, c) != 300 {
				t.Fatalf("round %d approved: stock %d, spend %d, exposure %d", round, f.stock(t, p), f.spent(t, buyer), f.exposure(t, c))
			}
			// Reset for the next round: cancel within the window.
			if _, err := f.orders.CancelOrder(asBuyer, o.ID); err != nil {
				t.Fatal(err)
			}
		case orders.StatusCanceled:
		default:
			t.Fatalf("round %d: %s", round, final.Status)
		}
		if f.stock(t, p) != 1_000 || f.spent(t, buyer) != 0 || f.exposure(t, c) != 0 {
			t.Fatalf("round %d (%v): stock %d, spend %d, exposure %d", round, events, f.stock(t, p), f.spent(t, buyer), f.exposure(t, c))
		}
	}
}

// An order over the buyer's limit goes to approval when a rule asks for
// it, and still counts against the spend; an approval that expires
// cancels the order and gives everything back.
func TestOverLimitToApprovalAndExpiry(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "over@acme.com")
	p := f.product(t, "OV", 100, 1_000)
	buyer, asBuyer := f.member(t, c, "b@acme.com", services.MemberBuyer)
	_, asApprover := f.member(t, c, "a@acme.com", services.MemberApprover)
	if _, err := f.customers.SetSpendingLimit(f.ctx, c, customers.SpendingLimitInput{MemberID: &buyer, Period: "NONE", AmountCents: 500}); err != nil {
		t.Fatal(err)
	}
	line := []orders.Line{{ProductID: p, Qty: 6}}
	if _, err := f.orders.CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: line}); services.ErrorOf(err).Code != services.CodeSpendingLimitExceeded {
		t.Fatalf("over a per-order limit without a rule: %v", err)
	}
	if _, err := f.customers.CreateApprovalRule(f.ctx, c, customers.ApprovalRuleInput{Name: "Over budget",
		OverSpendingLimit: true, ApproverRoles: []string{"approver"}}); err != nil {
		t.Fatal(err)
	}
	ok, err := f.orders.CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 5}}})
	if err != nil || ok.Status != orders.StatusCreated {
		t.Fatalf("within the limit: %+v, %v", ok, err)
	}
	o, err := f.orders.CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: line})
	if err != nil || o.Status != orders.StatusPendingApproval {
		t.Fatalf("over the limit with a rule: %+v, %v", o, err)
	}
	f.clock.Advance(72*time.Hour + time.Second)
	if _, err := f.orders.ApproveOrder(asApprover, o.ID, "late", nil); services.ErrorOf(err).Code != services.CodeApprovalExpired {
		t.Fatalf("approving after expiry: %v", err)
	}
	n, err := f.orders.ExpireApprovals(context.Background(), 100)
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	if n, _ := f.orders.ExpireApprovals(context.Background(), 100); n != 0 {
		t.Fatalf("expired again: %d", n)
	}
	got, err := f.orders.GetOrder(f.ctx, o.ID)
	if err != nil || got.Status != orders.StatusCanceled || got.CanceledBy == nil || *got.CanceledBy != services.SystemActor {
		t.Fatalf("after expiry: %+v, %v", got, err)
	}
	if f.stock(t, p) != 1_000-5 {
		t.Fatalf("stock %d after the expiry", f.stock(t, p))
	}
	// Without its limit the buyer is not over it: the order is placed.
	limits, err := f.customers.SpendingLimits(f.ctx, c)
	if err != nil || len(limits) != 1 {
		t.Fatalf("limits %+v, %v", limits, err)
	}
	if err := f.customers.DeleteSpendingLimit(f.ctx, c, limits[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.customers.DeleteSpendingLimit(f.ctx, c, limits[0].ID); services.KindOf(err) != services.NotFound {
		t.Fatalf("deleting it again: %v", err)
	}
	free, err := f.orders.CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: line})
	if err != nil || free.Status != orders.StatusCreated {
		t.Fatalf("after the limit was removed: %+v, %v", free, err)
	}
}

// Bad governance input gets a coded error and changes nothing.
func TestGovernanceValidation(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "bad@acme.com")
	_, asBuyer := f.member(t, c, "b@acme.com", services.MemberBuyer)
	for name, in := range map[string]customers.SpendingLimitInput{
		"negative":       {Role: ptr("buyer"), Period: "DAY", AmountCents: -1},
		"absurd":         {Role: ptr("buyer"), Period: "DAY", AmountCents: 1 << 40},
		"no period":      {Role: ptr("buyer"), Period: "YEAR", AmountCents: 1},
		"no role":        {Role: ptr("owner"), Period: "DAY", AmountCents: 1},
		"both":           {Role: ptr("buyer"), MemberID: ptr(1), Period: "DAY", AmountCents: 1},
		"neither":        {Period: "DAY", AmountCents: 1},
		"another member": {MemberID: ptr(999_999), Period: "DAY", AmountCents: 1},
	} {
		_, err := f.customers.SetSpendingLimit(f.ctx, c, in)
		if k := services.KindOf(err); k != services.Invalid && !(name == "another member" && k == services.NotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.customers.SetSpendingLimit(asBuyer, c, customers.SpendingLimitInput{Role: ptr("buyer"), Period: "DAY", AmountCents: 1}); services.KindOf(err) != services.PermissionDenied {
		t.Errorf("a buyer setting limits: %v", err)
	}
	for name, in := range map[string]customers.ApprovalRuleInput{
		"no condition":    {Name: "x", ApproverRoles: []string{"approver"}},
		"buyer approves":  {Name: "x", MinTotalCents: ptr(int64(1)), ApproverRoles: []string{"buyer"}},
		"three levels":    {Name: "x", MinTotalCents: ptr(int64(1)), ApproverRoles: []string{"approver", "admin", "admin"}},
		"no levels":       {Name: "x", MinTotalCents: ptr(int64(1))},
		"negative amount": {Name: "x", MinTotalCents: ptr(int64(-5)), ApproverRoles: []string{"approver"}},
		"no name":         {Name: " ", MinTotalCents: ptr(int64(1)), ApproverRoles: []string{"approver"}},
	} {
		if _, err := f.customers.CreateApprovalRule(f.ctx, c, in); services.KindOf(err) != services.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{CreditLimitCents: ptr(int64(-1))}); services.KindOf(err) != services.Invalid {
		t.Errorf("a negative credit limit: %v", err)
	}
	if _, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{CreditLimitCents: ptr(int64(5)), ClearCreditLimit: true}); services.KindOf(err) != services.Invalid {
		t.Errorf("a credit limit given and cleared: %v", err)
	}
	if _, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{TimeZone: ptr("Nowhere/Else")}); services.KindOf(err) != services.Invalid {
		t.Errorf("an unknown time zone: %v", err)
	}
	asAdmin := services.WithPrincipal(context.Background(), services.Principal{Role: services.RoleCustomer, CustomerID: c})
	if _, err := f.customers.UpdateSettings(asAdmin, c, customers.SettingsUpdate{CreditLimitCents: ptr(int64(5))}); services.KindOf(err) != services.PermissionDenied {
		t.Errorf("a customer setting its own credit limit: %v", err)
	}
	if ls, err := f.customers.SpendingLimits(f.ctx, c); err != nil || len(ls) != 0 {
		t.Errorf("limits after refusals: %+v, %v", ls, err)
	}
}

func memberRole(r services.MemberRole) member.Role { return member.Role(r) }

// A retry under its key of an order that took the last of the buyer's
// spend, the customer's credit or a unique PO number answers the first
// order: the first order's own effects do not refuse its replay. A replay
// of an approval answers only a caller who may approve.
func TestKeyedRetriesNearTheLimits(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "retry@acme.com")
	p := f.product(t, "RT", 100, 1_000)
	buyer, asBuyer := f.member(t, c, "b@acme.com", services.MemberBuyer)
	_, asApprover := f.member(t, c, "a@acme.com", services.MemberApprover)
	if _, err := f.customers.SetSpendingLimit(f.ctx, c, customers.SpendingLimitInput{MemberID: &buyer, Period: "MONTH", AmountCents: 1_000}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{CreditLimitCents: ptr(int64(900)),
		PONumberRequired: ptr(true), PONumberUnique: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	in := orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 8}}, PONumber: ptr("PO-1"), IdempotencyKey: "retry"}
	first, err := f.orders.CreateAndConfirm(asBuyer, in)
	if err != nil {
		t.Fatal(err)
	}
	_, errs := raced(t, 4, func(int) (orders.Order, error) {
		again, err := f.orders.CreateAndConfirm(asBuyer, in)
		if err == nil && again.ID != first.ID {
			t.Errorf("a retry placed order %d", again.ID)
		}
		return again, err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatalf("a retry of the first order: %v", err)
		}
	}
	if f.spent(t, buyer) != 800 || f.exposure(t, c) != 800 {
		t.Fatalf("spend %d, exposure %d after retries", f.spent(t, buyer), f.exposure(t, c))
	}
	if _, err := f.customers.CreateApprovalRule(f.ctx, c, customers.ApprovalRuleInput{Name: "All",
		MinTotalCents: ptr(int64(0)), ApproverRoles: []string{"approver"}}); err != nil {
		t.Fatal(err)
	}
	o, err := f.orders.CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, PONumber: ptr("PO-2")})
	if err != nil || o.Status != orders.StatusPendingApproval {
		t.Fatalf("%+v, %v", o, err)
	}
	if _, err := f.orders.ApproveOrder(asApprover, o.ID, "ok", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.orders.ApproveOrder(asBuyer, o.ID, "ok", nil); services.KindOf(err) != services.PermissionDenied {
		t.Fatalf("a buyer replaying the approver's key: %v", err)
	}
}

// Every replica places orders under the limits and rules as they are now:
// a change made through any replica reaches the others' next order, though
// each keeps what it read (by the customer's governance version).
func TestGovernanceChangesReachEveryReplica(t *testing.T) {
	f := newFixture(t)
	replicas := []*orders.Service{f.orders, orders.New(f.db, f.customers, orders.Config{Now: f.clock.Now, LiveCustomerInInsert: true})}
	c := f.customer(t, "replicas@acme.com")
	p := f.product(t, "RP", 100, 10_000)
	buyer, asBuyer := f.member(t, c, "b@acme.com", services.MemberBuyer)
	place := func(r int, qty int64) (orders.Order, error) {
		return replicas[r].CreateOrder(asBuyer, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: qty}}})
	}
	// want places an order of qty on each replica in turn and checks its
	// outcome: a status, or an error code.
	want := func(step string, qty int64, status orders.Status, code string) {
		t.Helper()
		for r := range replicas {
			o, err := place(r, qty)
			if code != "" {
				if services.ErrorOf(err).Code != code {
					t.Fatalf("%s, replica %d: %+v, %v; want %s", step, r, o, err, code)
				}
				continue
			}
			if err != nil || o.Status != status {
				t.Fatalf("%s, replica %d: %+v, %v; want %s", step, r, o, err, status)
			}
		}
	}
	setLimit := func(in customers.SpendingLimitInput) int {
		t.Helper()
		l, err := f.customers.SetSpendingLimit(f.ctx, c, in)
		if err != nil {
			t.Fatal(err)
		}
		return l.ID
	}
	want("no limit", 9, orders.StatusCreated, "")
	roleLimit := setLimit(customers.SpendingLimitInput{Role: ptr("buyer"), Period: "NONE", AmountCents: 800})
	want("the role's limit", 9, "", services.CodeSpendingLimitExceeded)
	want("the role's limit", 8, orders.StatusCreated, "")
	setLimit(customers.SpendingLimitInput{Role: ptr("buyer"), Period: "NONE", AmountCents: 500})
	want("the role's limit lowered", 8, "", services.CodeSpendingLimitExceeded)
	own := setLimit(customers.SpendingLimitInput{MemberID: &buyer, Period: "NONE", AmountCents: 1_000})
	want("the member's own limit over the role's", 8, orders.StatusCreated, "")
	rule, err := f.customers.CreateApprovalRule(f.ctx, c, customers.ApprovalRuleInput{Name: "Big", MinTotalCents: ptr(int64(700)), ApproverRoles: []string{"approver"}})
	if err != nil {
		t.Fatal(err)
	}
	want("a rule", 8, orders.StatusPendingApproval, "")
	want("a rule", 6, orders.StatusCreated, "")
	if err := f.customers.DeleteApprovalRule(f.ctx, c, rule.ID); err != nil {
		t.Fatal(err)
	}
	want("the rule deleted", 8, orders.StatusCreated, "")
	if err := f.customers.DeleteSpendingLimit(f.ctx, c, own); err != nil {
		t.Fatal(err)
	}
	want("the member's limit deleted", 8, "", services.CodeSpendingLimitExceeded)
	if err := f.customers.DeleteSpendingLimit(f.ctx, c, roleLimit); err != nil {
		t.Fatal(err)
	}
	want("every limit deleted", 20, orders.StatusCreated, "")
}
