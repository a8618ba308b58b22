package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/services"
	orderssvc "github.com/b2b-orders/platform/services/orders"
)

// The seed's accounts (db/seed/accounts.sql): customer 1 has members 1
// (admin), 2 (buyer limited to location 2) and 3 (viewer); customer 2 has
// member 4 (admin). Product 10 costs 999 cents.

type approvalView struct {
	Levels            []string
	Approved          int
	ConfirmOnApproval bool
	ExpiresAt         *string
}

type decisionView struct {
	Level     int
	Approved  bool
	Actor     *actorView
	Reason    *string
	DecidedAt string
}

type govOrder struct {
	ID          string
	Status      string
	TotalCents  int
	ConfirmedAt *string
	ConfirmedBy *actorView
	CanceledBy  *actorView
	PaidAt      *string
	PaidBy      *actorView
	Approval    *approvalView
	Decisions   []decisionView
}

type creditView struct {
	LimitCents     *int
	ExposureCents  int
	AvailableCents *int
}

const (
	govOrderFields = `id status totalCents confirmedAt confirmedBy { type id member { id name } } canceledBy { type id member { id } }
		paidAt paidBy { type id } approval { levels approved confirmOnApproval expiresAt }
		decisions { level approved actor { type id member { id name } } reason decidedAt }`
	approveOp = `mutation($in: ApproveOrderInput!) { approveOrder(input: $in) { ` + govOrderFields + ` } }`
	rejectOp  = `mutation($in: RejectOrderInput!) { rejectOrder(input: $in) { ` + govOrderFields + ` } }`
	paidOp    = `mutation($in: MarkOrderPaidInput!) { markOrderPaid(input: $in) { ` + govOrderFields + ` } }`
	creditOp  = `{ customer(id: "1") { credit { limitCents exposureCents availableCents } } }`
)

// reasonIs fails unless g's extensions.reason is want.
func reasonIs(t *testing.T, g gqlError, want string) {
	t.Helper()
	if got, _ := g.Extensions["reason"].(string); got != want {
		t.Fatalf("reason = %q (%+v), want %s", got, g, want)
	}
}

// govSetup invites an approver into customer 1 and gives the customer a
// rule: orders of 5,000 cents or more need the approver's approval. It
// returns the approver's member id.
func govSetup(t *testing.T, e *env) (approverID int) {
	t.Helper()
	admin1 := e.member(1, 1)
	var invited struct{ MemberInvite struct{ ID string } }
	e.ok(admin1, `mutation { memberInvite(customerId: "1", input: {email: "ann@acme.com", name: "Ann Approver", role: APPROVER}) { id } }`, nil, &invited)
	id, err := strconv.Atoi(invited.MemberInvite.ID)
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		ApprovalRuleCreate struct {
			ID                string
			Name              string
			MinTotalCents     *int
			PlacedByRoles     []string
			OverSpendingLimit bool
			ApproverRoles     []string
		}
	}
	e.ok(admin1, `mutation { approvalRuleCreate(customerId: "1", input: {name: " Large orders ", minTotalCents: 5000, approverRoles: [APPROVER]}) {
		id name minTotalCents placedByRoles overSpendingLimit approverRoles createdAt } }`, nil, &rule)
	if r := rule.ApprovalRuleCreate; r.Name != "Large orders" || r.MinTotalCents == nil || *r.MinTotalCents != 5000 || len(r.PlacedByRoles) != 0 ||
		r.OverSpendingLimit || len(r.ApproverRoles) != 1 || r.ApproverRoles[0] != "APPROVER" {
		t.Fatalf("approvalRuleCreate: %+v", r)
	}
	return id
}

// placeOrder places (and, through createAndConfirmOrder, confirms) an order
// of qty × product 10 (999 cents) for customer 1.
func placeOrder(t *testing.T, e *env, auth string, qty int, confirm bool, key string) govOrder {
	t.Helper()
	in := map[string]any{"customerId": "1", "items": []any{map[string]any{"productId": "10", "quantity": qty}}}
	if confirm {
		in["idempotencyKey"] = key
		var got struct{ CreateAndConfirmOrder govOrder }
		e.ok(auth, `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { `+govOrderFields+` } }`, vars("in", in), &got)
		return got.CreateAndConfirmOrder
	}
	var got struct{ CreateOrder govOrder }
	e.ok(auth, `mutation($in: CreateOrderInput!) { createOrder(input: $in) { `+govOrderFields+` } }`, vars("in", in), &got)
	return got.CreateOrder
}

func decide(id, key string, reason ...string) map[string]any {
	in := map[string]any{"id": id, "idempotencyKey": key}
	if len(reason) > 0 {
		in["reason"] = reason[0]
	}
	return vars("in", in)
}

// An order over an approval rule's threshold is placed PENDING_APPROVAL
// (createAndConfirmOrder answers it, no error); its buyer may not approve
// it, nor may an admin who placed one approve its own (self_approval), nor
// another customer's member see it; the approver's approval confirms it,
// with the decision recorded and a replay changing nothing; a rejection
// cancels another and gives its stock back.
func TestApprovals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	approver := e.member(1, govSetup(t, e))
	admin1, buyer2, admin4 := e.member(1, 1), e.member(1, 2), e.member(2, 4)

	// Below the threshold: no approval.
	small := placeOrder(t, e, buyer2, 2, true, "gov-small")
	if small.Status != "CONFIRMED" || small.Approval != nil || len(small.Decisions) != 0 {
		t.Fatalf("an order below the threshold: %+v", small)
	}

	o := placeOrder(t, e, buyer2, 10, true, "gov-1")
	if o.Status != "PENDING_APPROVAL" || o.TotalCents != 9990 || o.ConfirmedAt != nil || o.Decisions == nil || len(o.Decisions) != 0 ||
		o.Approval == nil || len(o.Approval.Levels) != 1 || o.Approval.Levels[0] != "APPROVER" || o.Approval.Approved != 0 ||
		!o.Approval.ConfirmOnApproval || o.Approval.ExpiresAt == nil {
		t.Fatalf("an order over the threshold: %+v", o)
	}
	if exp, err := time.Parse(time.RFC3339Nano, *o.Approval.ExpiresAt); err != nil || !exp.Equal(e.now.Add(72*time.Hour)) {
		t.Fatalf("expiresAt = %s, want %s (%v)", *o.Approval.ExpiresAt, e.now.Add(72*time.Hour), err)
	}
	// The same key again answers with the pending order.
	if again := placeOrder(t, e, buyer2, 10, true, "gov-1"); again.ID != o.ID || again.Status != "PENDING_APPROVAL" {
		t.Fatalf("createAndConfirmOrder, replayed: %+v", again)
	}
	var pending struct{ Orders edgesOf[struct{ ID string }] }
	e.ok(approver, `{ orders(status: PENDING_APPROVAL) { edges { node { id } } } }`, nil, &pending)
	if ids := pending.Orders.ids(idOf); len(ids) != 1 || ids[0] != o.ID {
		t.Fatalf("orders(status: PENDING_APPROVAL): %v", ids)
	}

	// Its buyer may not approve (a buyer approves nothing); another
	// customer's admin does not see it; staff are no member.
	e.fails(buyer2, approveOp, decide(o.ID, "a-0"), gqlcode.Forbidden)
	e.fails(admin4, approveOp, decide(o.ID, "a-0"), gqlcode.NotFound)
	e.fails(e.token(services.RoleStaff, 0), approveOp, decide(o.ID, "a-0"), gqlcode.Forbidden)
	e.fails(approver, approveOp, decide(o.ID, "a-0", strings.Repeat("x", 501)), gqlcode.BadUserInput)
	// An admin approves what an approver may, but not an order it placed.
	own := placeOrder(t, e, admin1, 6, false, "")
	reasonIs(t, e.fails(admin1, approveOp, decide(own.ID, "a-own"), gqlcode.Forbidden), services.CodeSelfApproval)
	reasonIs(t, e.fails(admin1, rejectOp, decide(own.ID, "r-own"), gqlcode.Forbidden), services.CodeSelfApproval)

	var approved struct{ ApproveOrder govOrder }
	e.ok(approver, approveOp, decide(o.ID, "a-1", "  within budget "), &approved)
	a := approved.ApproveOrder
	if a.Status != "CONFIRMED" || a.ConfirmedAt == nil || a.ConfirmedBy == nil || a.ConfirmedBy.Type != "member" ||
		a.ConfirmedBy.Member == nil || a.ConfirmedBy.Member.Name != "Ann Approver" || a.Approval == nil || a.Approval.Approved != 1 {
		t.Fatalf("approved: %+v", a)
	}
	if len(a.Decisions) != 1 || a.Decisions[0].Level != 1 || !a.Decisions[0].Approved || a.Decisions[0].Reason == nil ||
		*a.Decisions[0].Reason != "within budget" || a.Decisions[0].Actor == nil || a.Decisions[0].Actor.Member == nil ||
		a.Decisions[0].Actor.Member.Name != "Ann Approver" || a.Decisions[0].DecidedAt != *a.ConfirmedAt {
		t.Fatalf("the decision: %+v", a.Decisions)
	}
	// The same key again answers with the order as it is; another key
	// meets an order no longer pending.
	approved = struct{ ApproveOrder govOrder }{}
	e.ok(approver, approveOp, decide(o.ID, "a-1", "  within budget "), &approved)
	if r := approved.ApproveOrder; r.Status != "CONFIRMED" || len(r.Decisions) != 1 {
		t.Fatalf("approveOrder, replayed: %+v", r)
	}
	reasonIs(t, e.fails(approver, approveOp, decide(o.ID, "a-2"), gqlcode.FailedPrecondition), services.CodeInvalidTransition)
	// The buyer reads the decision on its order; a list of orders reads
	// the decisions of all of them.
	var read struct {
		Orders edgesOf[govOrder]
	}
	e.ok(buyer2, `{ orders(first: 50) { edges { node { `+govOrderFields+` } } } }`, nil, &read)
	decided := 0
	for _, ed := range read.Orders.Edges {
		decided += len(ed.Node.Decisions)
		if ed.Node.ID == o.ID && (len(ed.Node.Decisions) != 1 || ed.Node.Decisions[0].Actor.Member.Name != "Ann Approver") {
			t.Fatalf("the buyer's read of the approved order: %+v", ed.Node)
		}
	}
	if decided != 1 {
		t.Fatalf("%d decisions among the buyer's orders, want 1: %+v", decided, read.Orders)
	}

	// A rejection cancels the order and gives its stock back.
	stock := func() int {
		var p struct{ Product struct{ Stock int } }
		e.ok(e.admin(), `{ product(id: "10") { stock } }`, nil, &p)
		return p.Product.Stock
	}
	before := stock()
	r := placeOrder(t, e, buyer2, 7, false, "")
	if r.Status != "PENDING_APPROVAL" || r.Approval == nil || r.Approval.ConfirmOnApproval || stock() != before-7 {
		t.Fatalf("an order over the threshold, placed: %+v", r)
	}
	e.fails(admin4, rejectOp, decide(r.ID, "r-0"), gqlcode.NotFound)
	var rejected struct{ RejectOrder govOrder }
	e.ok(approver, rejectOp, decide(r.ID, "r-1", "not now"), &rejected)
	if x := rejected.RejectOrder; x.Status != "CANCELED" || x.CanceledBy == nil || x.CanceledBy.Type != "member" || len(x.Decisions) != 1 ||
		x.Decisions[0].Approved || x.Decisions[0].Reason == nil || *x.Decisions[0].Reason != "not now" || x.ConfirmedAt != nil {
		t.Fatalf("rejected: %+v", x)
	}
	if got := stock(); got != before {
		t.Fatalf("stock after the rejection: %d, want %d", got, before)
	}
	// Approving the rejected order is no transition.
	reasonIs(t, e.fails(approver, approveOp, decide(r.ID, "a-3"), gqlcode.FailedPrecondition), services.CodeInvalidTransition)

	// createOrder's order, once approved, is CREATED: its buyer confirms it.
	c := placeOrder(t, e, buyer2, 6, false, "")
	var cr struct{ ApproveOrder govOrder }
	e.ok(admin1, approveOp, decide(c.ID, "a-4"), &cr)
	if cr.ApproveOrder.Status != "CREATED" || cr.ApproveOrder.ConfirmedAt != nil || len(cr.ApproveOrder.Decisions) != 1 {
		t.Fatalf("an order placed without confirmation, approved by an admin: %+v", cr.ApproveOrder)
	}
	e.ok(buyer2, `mutation { confirmOrder(id: "`+c.ID+`", idempotencyKey: "c-4") { id } }`, nil, nil)

	// Two levels: approver, then admin; the approver may not take both.
	var two struct{ ApprovalRuleCreate struct{ ID string } }
	e.ok(admin1, `mutation { approvalRuleCreate(customerId: "1", input: {name: "Huge", minTotalCents: 20000, approverRoles: [APPROVER, ADMIN]}) { id } }`, nil, &two)
	h := placeOrder(t, e, buyer2, 21, true, "gov-huge")
	if h.Approval == nil || len(h.Approval.Levels) != 2 || h.Approval.Levels[1] != "ADMIN" {
		t.Fatalf("the most levels apply: %+v", h)
	}
	var first struct{ ApproveOrder govOrder }
	e.ok(approver, approveOp, decide(h.ID, "h-1"), &first)
	if f := first.ApproveOrder; f.Status != "PENDING_APPROVAL" || f.Approval.Approved != 1 || len(f.Decisions) != 1 {
		t.Fatalf("the first of two levels: %+v", f)
	}
	e.fails(approver, approveOp, decide(h.ID, "h-2"), gqlcode.Forbidden)
	var second struct{ ApproveOrder govOrder }
	e.ok(admin1, approveOp, decide(h.ID, "h-3"), &second)
	if s := second.ApproveOrder; s.Status != "CONFIRMED" || s.Approval.Approved != 2 || len(s.Decisions) != 2 || s.Decisions[1].Level != 2 ||
		s.Decisions[1].Actor.ID != "1" {
		t.Fatalf("the second level: %+v", s)
	}

	// The rules as the customer's admin reads them; deleting one.
	var rules struct {
		Customer struct {
			ApprovalRules []struct {
				ID            string
				ApproverRoles []string
			}
		}
	}
	e.ok(admin1, `{ customer(id: "1") { approvalRules { id approverRoles } } }`, nil, &rules)
	if len(rules.Customer.ApprovalRules) != 2 || rules.Customer.ApprovalRules[1].ID != two.ApprovalRuleCreate.ID {
		t.Fatalf("approvalRules: %+v", rules)
	}
	e.fails(buyer2, `{ customer(id: "1") { approvalRules { id } } }`, nil, gqlcode.Forbidden)
	e.fails(admin4, `mutation($id: ID!) { approvalRuleDelete(customerId: "1", id: $id) }`, vars("id", two.ApprovalRuleCreate.ID), gqlcode.NotFound)
	e.fails(admin4, `mutation($id: ID!) { approvalRuleDelete(customerId: "2", id: $id) }`, vars("id", two.ApprovalRuleCreate.ID), gqlcode.NotFound)
	e.ok(admin1, `mutation($id: ID!) { approvalRuleDelete(customerId: "1", id: $id) }`, vars("id", two.ApprovalRuleCreate.ID), nil)
	e.fails(e.admin(), `mutation { approvalRuleCreate(customerId: "1", input: {name: "x", approverRoles: [APPROVER]}) { id } }`, nil, gqlcode.BadUserInput)
	e.fails(e.admin(), `mutation { approvalRuleCreate(customerId: "1", input: {name: "x", minTotalCents: 1, approverRoles: [BUYER]}) { id } }`, nil, gqlcode.BadUserInput)
}

// Payments and the credit: staff mark a confirmed order paid, which gives
// its total back to the customer's credit; a customer may not; the credit
// limit refuses the confirmation (and the approval that confirms) past it.
func TestPaymentsAndCredit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	approver := e.member(1, govSetup(t, e))
	staff := e.token(services.RoleStaff, 0)
	admin1, buyer2 := e.member(1, 1), e.member(1, 2)
	credit := func() creditView {
		t.Helper()
		var c struct{ Customer struct{ Credit *creditView } }
		e.ok(staff, creditOp, nil, &c)
		if c.Customer.Credit == nil {
			t.Fatal("no credit")
		}
		return *c.Customer.Credit
	}
	// The seed's confirmed order 1 (389,700 cents) is customer 1's exposure.
	if c := credit(); c.LimitCents != nil || c.ExposureCents != 389700 || c.AvailableCents != nil {
		t.Fatalf("credit: %+v", c)
	}
	o := placeOrder(t, e, buyer2, 3, true, "pay-1")
	if c := credit(); o.Status != "CONFIRMED" || c.ExposureCents != 389700+2997 {
		t.Fatalf("after a confirmation: %+v, %+v", o, c)
	}
	// The customer's admin reads its credit; its buyer may not (null,
	// FORBIDDEN), nor another customer's member.
	var own struct{ Customer struct{ Credit *creditView } }
	e.ok(admin1, creditOp, nil, &own)
	if own.Customer.Credit == nil || own.Customer.Credit.ExposureCents != 389700+2997 {
		t.Fatalf("the admin's read: %+v", own)
	}
	r := e.do(buyer2, `{ customer(id: "1") { name credit { exposureCents } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].code() != gqlcode.Forbidden || string(r.Data) != `{"customer":{"credit":null,"name":"ACME Corporation"}}` {
		t.Fatalf("the buyer's read: %s %+v", r.Data, r.Errors)
	}
	e.fails(e.member(2, 4), creditOp, nil, gqlcode.NotFound)

	// Payment: staff only; again under the key changes nothing; an
	// order that is not confirmed cannot be paid.
	e.fails(admin1, paidOp, decide(o.ID, "p-1"), gqlcode.Forbidden)
	e.fails(e.customer(1), paidOp, decide(o.ID, "p-1"), gqlcode.Forbidden)
	var paid struct{ MarkOrderPaid govOrder }
	e.ok(staff, paidOp, decide(o.ID, "p-1"), &paid)
	if p := paid.MarkOrderPaid; p.PaidAt == nil || p.PaidBy == nil || p.PaidBy.Type != "staff" || p.Status != "CONFIRMED" {
		t.Fatalf("markOrderPaid: %+v", p)
	}
	if c := credit(); c.ExposureCents != 389700 {
		t.Fatalf("credit after the payment: %+v", c)
	}
	paid = struct{ MarkOrderPaid govOrder }{}
	e.ok(staff, paidOp, decide(o.ID, "p-1"), &paid)
	if paid.MarkOrderPaid.PaidAt == nil {
		t.Fatalf("markOrderPaid, replayed: %+v", paid.MarkOrderPaid)
	}
	reasonIs(t, e.fails(staff, paidOp, decide("4", "p-2"), gqlcode.FailedPrecondition), services.CodeInvalidTransition)
	e.fails(staff, paidOp, decide("999", "p-3"), gqlcode.NotFound)
	// A paid order cannot be canceled.
	e.fails(staff, `mutation { cancelOrder(id: "`+o.ID+`") { id } }`, nil, gqlcode.FailedPrecondition)
	var byStaff struct{ Order govOrder }
	e.ok(buyer2, `{ order(id: "`+o.ID+`") { `+govOrderFields+` } }`, nil, &byStaff)
	if byStaff.Order.PaidAt == nil || *byStaff.Order.PaidAt != *paid.MarkOrderPaid.PaidAt {
		t.Fatalf("the paid order, read: %+v", byStaff.Order)
	}

	// A credit limit: staff only; 3,000 cents left.
	const settings = `mutation($in: CustomerSettingsInput!) { customerSettingsUpdate(customerId: "1", input: $in) { timeZone creditLimitCents } }`
	e.fails(admin1, settings, vars("in", map[string]any{"creditLimitCents": 1}), gqlcode.Forbidden)
	var set struct {
		CustomerSettingsUpdate struct {
			TimeZone         string
			CreditLimitCents *int
		}
	}
	e.ok(staff, settings, vars("in", map[string]any{"creditLimitCents": 389700 + 3000}), &set)
	if s := set.CustomerSettingsUpdate; s.TimeZone != "UTC" || s.CreditLimitCents == nil || *s.CreditLimitCents != 392700 {
		t.Fatalf("settings: %+v", s)
	}
	if c := credit(); c.LimitCents == nil || *c.LimitCents != 392700 || c.AvailableCents == nil || *c.AvailableCents != 3000 {
		t.Fatalf("credit with a limit: %+v", c)
	}
	// Past it: createAndConfirmOrder is refused; an order pending
	// approval that would confirm past it cannot be approved.
	reasonIs(t, e.fails(buyer2, `mutation { createAndConfirmOrder(input: {customerId: "1", items: [{productId: "10", quantity: 4}], idempotencyKey: "cl-1"}) { id } }`,
		nil, gqlcode.Conflict), services.CodeCreditLimitExceeded)
	big := placeOrder(t, e, buyer2, 6, true, "cl-2")
	if big.Status != "PENDING_APPROVAL" {
		t.Fatalf("placed for approval past the credit limit: %+v", big)
	}
	reasonIs(t, e.fails(approver, approveOp, decide(big.ID, "cl-a"), gqlcode.Conflict), services.CodeCreditLimitExceeded)
	// The customer's admin sets its time zone; staff lift the limit.
	e.ok(admin1, settings, vars("in", map[string]any{"timeZone": "Europe/Berlin"}), &set)
	e.fails(admin1, settings, vars("in", map[string]any{"timeZone": "Mars/Olympus"}), gqlcode.BadUserInput)
	e.ok(staff, settings, vars("in", map[string]any{"clearCreditLimit": true}), &set)
	if s := set.CustomerSettingsUpdate; s.TimeZone != "Europe/Berlin" || s.CreditLimitCents != nil {
		t.Fatalf("settings: %+v", s)
	}
	var ok struct{ ApproveOrder govOrder }
	e.ok(approver, approveOp, decide(big.ID, "cl-a"), &ok)
	if ok.ApproveOrder.Status != "CONFIRMED" {
		t.Fatalf("approved once the limit is lifted: %+v", ok.ApproveOrder)
	}
}

// Spending limits: a member's or a role's, set and deleted by the
// customer's admin; an order past the limit is refused with a coded error,
// unless a rule sends such orders to approval.
func TestSpendingLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin1, buyer2, admin4 := e.member(1, 1), e.member(1, 2), e.member(2, 4)
	const set = `mutation($c: ID!, $in: SpendingLimitInput!) { spendingLimitSet(customerId: $c, input: $in) { id member { id name } role period amountCents createdAt } }`
	type limitView struct {
		ID          string
		Member      *struct{ ID, Name string }
		Role        *string
		Period      string
		AmountCents int
	}
	var byMember struct{ SpendingLimitSet limitView }
	e.ok(admin1, set, vars("c", "1", "in", map[string]any{"memberId": "2", "period": "MONTH", "amountCents": 3000}), &byMember)
	if l := byMember.SpendingLimitSet; l.Member == nil || l.Member.Name != "Bob Buyer" || l.Role != nil || l.Period != "MONTH" || l.AmountCents != 3000 {
		t.Fatalf("a member's limit: %+v", l)
	}
	var byRole struct{ SpendingLimitSet limitView }
	e.ok(admin1, set, vars("c", "1", "in", map[string]any{"role": "BUYER", "period": "DAY", "amountCents": 100}), &byRole)
	if l := byRole.SpendingLimitSet; l.Member != nil || l.Role == nil || *l.Role != "BUYER" || l.Period != "DAY" {
		t.Fatalf("a role's limit: %+v", l)
	}
	// Refusals: both or neither of member and role, a bad period, another
	// customer's member, a buyer, another customer.
	e.fails(admin1, set, vars("c", "1", "in", map[string]any{"memberId": "2", "role": "BUYER", "period": "DAY", "amountCents": 1}), gqlcode.BadUserInput)
	e.fails(admin1, set, vars("c", "1", "in", map[string]any{"period": "DAY", "amountCents": 1}), gqlcode.BadUserInput)
	e.fails(admin1, set, vars("c", "1", "in", map[string]any{"role": "BUYER", "period": "YEAR", "amountCents": 1}), gqlcode.BadUserInput)
	e.fails(admin1, set, vars("c", "1", "in", map[string]any{"role": "BUYER", "period": "DAY", "amountCents": -1}), gqlcode.BadUserInput)
	e.fails(admin1, set, vars("c", "1", "in", map[string]any{"memberId": "4", "period": "DAY", "amountCents": 1}), gqlcode.NotFound)
	e.fails(buyer2, set, vars("c", "1", "in", map[string]any{"memberId": "2", "period": "DAY", "amountCents": 1000000}), gqlcode.Forbidden)
	e.fails(admin4, set, vars("c", "1", "in", map[string]any{"memberId": "4", "period": "DAY", "amountCents": 1}), gqlcode.NotFound)

	// The member's own limit wins: 3,000 a month.
	placeOrder(t, e, buyer2, 2, false, "")
	g := e.fails(buyer2, `mutation { createOrder(input: {customerId: "1", items: [{productId: "10", quantity: 2}]}) { id } }`, nil, gqlcode.Conflict)
	reasonIs(t, g, services.CodeSpendingLimitExceeded)
	// Another customer's members are not limited by it.
	e.ok(admin4, `mutation { createOrder(input: {customerId: "2", items: [{productId: "10", quantity: 20}]}) { id } }`, nil, nil)

	// A rule for orders over the limit sends them to approval instead.
	e.ok(admin1, `mutation { approvalRuleCreate(customerId: "1", input: {name: "Over budget", overSpendingLimit: true, approverRoles: [ADMIN]}) { id overSpendingLimit } }`, nil, nil)
	over := placeOrder(t, e, buyer2, 2, false, "")
	if over.Status != "PENDING_APPROVAL" || over.Approval == nil || over.Approval.Levels[0] != "ADMIN" {
		t.Fatalf("an order over the limit under an overSpendingLimit rule: %+v", over)
	}

	var list struct {
		Customer struct{ SpendingLimits []limitView }
	}
	e.ok(admin1, `{ customer(id: "1") { spendingLimits { id member { id name } role period amountCents } } }`, nil, &list)
	if ls := list.Customer.SpendingLimits; len(ls) != 2 || ls[0].ID != byMember.SpendingLimitSet.ID || ls[1].ID != byRole.SpendingLimitSet.ID {
		t.Fatalf("spendingLimits: %+v", ls)
	}
	e.fails(buyer2, `{ customer(id: "1") { spendingLimits { id } } }`, nil, gqlcode.Forbidden)

	// Deleted, the member's limit gives way to its role's (100 a day):
	// a small order goes to approval.
	const del = `mutation($c: ID!, $id: ID!) { spendingLimitDelete(customerId: $c, id: $id) }`
	e.fails(admin4, del, vars("c", "2", "id", byMember.SpendingLimitSet.ID), gqlcode.NotFound)
	var deleted struct{ SpendingLimitDelete bool }
	e.ok(admin1, del, vars("c", "1", "id", byMember.SpendingLimitSet.ID), &deleted)
	if !deleted.SpendingLimitDelete {
		t.Fatal("spendingLimitDelete answered false")
	}
	e.fails(admin1, del, vars("c", "1", "id", byMember.SpendingLimitSet.ID), gqlcode.NotFound)
	if o := placeOrder(t, e, buyer2, 1, false, ""); o.Status != "PENDING_APPROVAL" {
		t.Fatalf("over the role's limit: %+v", o)
	}
	e.ok(admin1, del, vars("c", "1", "id", byRole.SpendingLimitSet.ID), nil)
	if o := placeOrder(t, e, buyer2, 2, false, ""); o.Status != "CREATED" {
		t.Fatalf("without limits: %+v", o)
	}
}

// govEvent is an orderEvents message with the governance fields.
type govEvent struct {
	Type    string
	Payload struct {
		Data struct {
			OrderEvents struct {
				Type  string
				Seq   int
				Actor *actorView
				Order govOrder
			}
		}
		Errors []struct{ Message string }
	}
}

// The events of approvals, payments and expiry, as a subscriber receives
// them: the new types, the order's approval, payment and decisions as
// they were at each event, the approver as the confirmer of the order
// its approval confirmed, and the system actor of an expiry; a decision
// past the expiry is refused (approval_expired).
func TestGovernanceEvents(t *testing.T) {
	t.Parallel()
	bus := &relay.Bus{}
	e := newEnv(t, withOptions(server.Options{Events: bus}))
	approverID := govSetup(t, e)
	buyer2, staff := e.member(1, 2), e.token(services.RoleStaff, 0)
	relayed := func() {
		t.Helper()
		if _, err := e.svc.Orders.RelayEvents(t.Context(), 100, func(_ context.Context, evs []orderssvc.Event) (int, error) {
			bus.Deliver(evs)
			return len(evs), nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	// The service token does not expire, as the env's tokens do by the
	// wall clock.
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	// The env authenticates the upgrade request, as b2b serve's
	// middleware does; the init payload repeats the credential.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(srv.URL, "http://", "ws://", 1)+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   http.Header{"Authorization": {"Bearer " + testServiceToken}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	for _, m := range []map[string]any{
		{"type": "connection_init", "payload": map[string]any{}},
		{"id": "1", "type": "subscribe", "payload": map[string]any{
			"query": `subscription { orderEvents { type seq actor { type id member { id } } order { ` + govOrderFields + ` } } }`}},
	} {
		if err := wsjson.Write(ctx, c, m); err != nil {
			t.Fatal(err)
		}
	}
	feed := make(chan govEvent, 64)
	go func() {
		defer close(feed)
		for {
			var raw wsMessage
			if err := wsjson.Read(t.Context(), c, &raw); err != nil {
				return
			}
			if raw.Type != "next" && raw.Type != "error" && raw.Type != "complete" { // connection_ack, pings
				continue
			}
			m := govEvent{Type: raw.Type}
			_ = json.Unmarshal(raw.Payload, &m.Payload)
			select {
			case feed <- m:
			case <-t.Context().Done():
				return
			}
		}
	}()
	awaitSubscribed(t, func() string {
		o := placeOrder(t, e, e.admin(), 1, false, "")
		relayed()
		return o.ID
	}, func(wait time.Duration) (string, bool) {
		select {
		case m, ok := <-feed:
			return m.Payload.Data.OrderEvents.Order.ID, ok
		case <-time.After(wait):
			return "", false
		}
	})

	a := placeOrder(t, e, buyer2, 10, true, "ev-a")
	b := placeOrder(t, e, buyer2, 10, true, "ev-b")
	e.ok(e.member(1, approverID), approveOp, decide(b.ID, "ev-b-a", "fine"), nil)
	e.ok(staff, paidOp, decide(b.ID, "ev-b-p"), nil)
	r := placeOrder(t, e, buyer2, 10, false, "")
	e.ok(e.member(1, approverID), rejectOp, decide(r.ID, "ev-r-r", "fine"), nil)

	e.clock.Advance(72 * time.Hour)
	approver := e.member(1, approverID) // the tokens issued before have expired
	reasonIs(t, e.fails(approver, approveOp, decide(a.ID, "ev-a-a"), gqlcode.FailedPrecondition), services.CodeApprovalExpired)
	reasonIs(t, e.fails(approver, rejectOp, decide(a.ID, "ev-a-r"), gqlcode.FailedPrecondition), services.CodeApprovalExpired)
	if n, err := e.svc.Orders.ExpireApprovals(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("ExpireApprovals: %d, %v", n, err)
	}
	var got struct{ Order govOrder }
	e.ok(e.member(1, 2), `{ order(id: "`+a.ID+`") { `+govOrderFields+` } }`, nil, &got)
	if x := got.Order.CanceledBy; got.Order.Status != "CANCELED" || x == nil || x.Type != "system" || x.ID != "approval_expiry" || x.Member != nil ||
		len(got.Order.Decisions) != 0 {
		t.Fatalf("expired: %+v", got.Order)
	}
	relayed()

	// Each event as "order type seq actor status decisions confirmedBy
	// canceledBy paidBy paid".
	who := func(a *actorView) string {
		if a == nil {
			return "-"
		}
		return a.Type + ":" + a.ID
	}
	approverActor := "member:" + strconv.Itoa(approverID)
	want := []string{
		a.ID + " order.created 1 member:2 PENDING_APPROVAL 0 - - - false",
		a.ID + " order.approval_requested 2 member:2 PENDING_APPROVAL 0 - - - false",
		b.ID + " order.created 1 member:2 PENDING_APPROVAL 0 - - - false",
		b.ID + " order.approval_requested 2 member:2 PENDING_APPROVAL 0 - - - false",
		b.ID + " order.approved 3 " + approverActor + " CONFIRMED 1 " + approverActor + " - - false",
		b.ID + " order.confirmed 4 " + approverActor + " CONFIRMED 1 " + approverActor + " - - false",
		b.ID + " order.paid 5 staff:test CONFIRMED 1 - - staff:test true",
		r.ID + " order.created 1 member:2 PENDING_APPROVAL 0 - - - false",
		r.ID + " order.approval_requested 2 member:2 PENDING_APPROVAL 0 - - - false",
		r.ID + " order.rejected 3 " + approverActor + " CANCELED 1 - " + approverActor + " - false",
		r.ID + " order.canceled 4 " + approverActor + " CANCELED 1 - " + approverActor + " - false",
		a.ID + " order.canceled 3 system:approval_expiry CANCELED 0 - system:approval_expiry - false",
	}
	for i, w := range want {
		m := receive(t, "events", feed)
		ev := m.Payload.Data.OrderEvents
		if m.Type != "next" || len(m.Payload.Errors) > 0 {
			t.Fatalf("event %d: %+v", i, m)
		}
		o := ev.Order
		got := fmt.Sprintf("%s %s %d %s %s %d %s %s %s %v", o.ID, ev.Type, ev.Seq, who(ev.Actor), o.Status, len(o.Decisions),
			who(o.ConfirmedBy), who(o.CanceledBy), who(o.PaidBy), o.PaidAt != nil)
		if got != w {
			t.Fatalf("event %d: %s, want %s", i, got, w)
		}
		if o.Approval == nil || o.Approval.ExpiresAt == nil || len(o.Approval.Levels) != 1 {
			t.Fatalf("event %d: the order's approval: %+v", i, o.Approval)
		}
		approved := 0
		if o.ID == b.ID && ev.Seq > 2 {
			approved = 1
		}
		if o.Approval.Approved != approved || len(o.Decisions) > 0 && (o.Decisions[0].Reason == nil || *o.Decisions[0].Reason != "fine" ||
			o.Decisions[0].Approved != (o.ID == b.ID)) {
			t.Fatalf("event %d: %+v", i, o)
		}
	}
}

// The exposure is a sum of order totals, which can pass Int's 32 bits on a
// customer without a limit: the graph answers it exactly, as a Long.
func TestExposurePastInt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staff := e.token(services.RoleStaff, 0)
	var p struct{ CreateProduct struct{ ID string } }
	e.ok(staff, `mutation { createProduct(input: {sku: "BIG-1", name: "Turbine", priceCents: 1500000000, stock: 5}) { id } }`, nil, &p)
	for i := range 2 {
		in := map[string]any{"customerId": "1", "idempotencyKey": fmt.Sprint("big-", i),
			"items": []any{map[string]any{"productId": p.CreateProduct.ID, "quantity": 1}}}
		var got struct{ CreateAndConfirmOrder govOrder }
		e.ok(staff, `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { `+govOrderFields+` } }`, vars("in", in), &got)
		if got.CreateAndConfirmOrder.Status != "CONFIRMED" {
			t.Fatalf("order %d: %+v", i, got.CreateAndConfirmOrder)
		}
	}
	r := e.do(staff, creditOp, nil)
	if len(r.Errors) != 0 || string(r.Data) != `{"customer":{"credit":{"availableCents":null,"exposureCents":3000389700,"limitCents":null}}}` {
		t.Fatalf("credit: %s %+v", r.Data, r.Errors)
	}
}
