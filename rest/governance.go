package rest

import (
	"context"
	"net/http"
	"strings"

	"github.com/b2b-orders/platform/internal/jsonfields"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// Buyer governance (docs/governance.md): a customer's credit, spending
// limits and approval rules below /customers/{id} (customers role), and
// the approval, rejection and payment of orders (orders role). The
// settings (time zone, credit limit) are customers.go's.

type creditBody struct {
	CustomerID       int    `json:"customer_id"`
	CreditLimitCents *int64 `json:"credit_limit_cents"`
	ExposureCents    int64  `json:"exposure_cents"`
	AvailableCents   *int64 `json:"available_cents"`
}

func creditDTO(c customers.Credit) creditBody {
	return creditBody{CustomerID: c.CustomerID, CreditLimitCents: c.LimitCents, ExposureCents: c.ExposureCents,
		AvailableCents: c.AvailableCents}
}

type spendingLimitBody struct {
	ID          int                  `json:"id"`
	CustomerID  int                  `json:"customer_id"`
	MemberID    *int                 `json:"member_id"`
	Role        *services.MemberRole `json:"role"`
	Period      services.Period      `json:"period"`
	AmountCents int64                `json:"amount_cents"`
	CreatedAt   timestamp            `json:"created_at"`
}

func spendingLimitDTO(l customers.SpendingLimit) spendingLimitBody {
	return spendingLimitBody{ID: l.ID, CustomerID: l.CustomerID, MemberID: l.MemberID, Role: l.Role, Period: l.Period,
		AmountCents: l.AmountCents, CreatedAt: timestamp(l.CreatedAt)}
}

type approvalRuleBody struct {
	ID                int                   `json:"id"`
	CustomerID        int                   `json:"customer_id"`
	Name              string                `json:"name"`
	MinTotalCents     *int64                `json:"min_total_cents"`
	PlacedByRoles     []services.MemberRole `json:"placed_by_roles"`
	OverSpendingLimit bool                  `json:"over_spending_limit"`
	ApproverRoles     []services.MemberRole `json:"approver_roles"`
	CreatedAt         timestamp             `json:"created_at"`
}

func approvalRuleDTO(r customers.ApprovalRule) approvalRuleBody {
	return approvalRuleBody{ID: r.ID, CustomerID: r.CustomerID, Name: r.Name, MinTotalCents: r.MinTotalCents,
		PlacedByRoles: orEmpty(r.PlacedByRoles), OverSpendingLimit: r.OverSpendingLimit, ApproverRoles: orEmpty(r.ApproverRoles),
		CreatedAt: timestamp(r.CreatedAt)}
}

type decisionBody struct {
	Level     int            `json:"level"`
	Decision  string         `json:"decision"`
	Actor     services.Actor `json:"actor"`
	Reason    *string        `json:"reason"`
	DecidedAt timestamp      `json:"decided_at"`
}

func decisionDTO(d orders.Decision) decisionBody {
	out := decisionBody{Level: d.Level, Decision: "rejected", Actor: d.By, Reason: d.Reason, DecidedAt: timestamp(d.At)}
	if d.Approved {
		out.Decision = "approved"
	}
	return out
}

// orEmpty answers a list that has no elements as [], never null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// credit: GET /customers/{id}/credit → 200 credit.
func (h *customersHandler) credit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	c, err := h.svc.Credit(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(creditDTO(c)))
}

// spendingLimits: GET /customers/{id}/spending-limits → 200 every limit,
// in id order (a customer has few: no pages).
func (h *customersHandler) spendingLimits(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	ls, err := h.svc.SpendingLimits(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(services.Map(ls, spendingLimitDTO)))
}

// setSpendingLimit: POST /customers/{id}/spending-limits {member_id |
// role, period, amount_cents} → 200 the limit: it sets the one limit of
// that member or role, created or replaced.
func (h *customersHandler) setSpendingLimit(w http.ResponseWriter, r *http.Request) {
	id, f, err := customerAndBody(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	var in customers.SpendingLimitInput
	if m := f.Integer("member_id", false); m != nil {
		n := clampInt(*m)
		in.MemberID = &n
	}
	in.Role = f.Str("role", false)
	period, amount := f.Str("period", true), f.Integer("amount_cents", true)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	in.Period, in.AmountCents = *period, *amount
	l, err := h.svc.SetSpendingLimit(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(spendingLimitDTO(l)))
}

// deleteSpendingLimit: DELETE /customers/{id}/spending-limits/{limitID} →
// 204.
func (h *customersHandler) deleteSpendingLimit(w http.ResponseWriter, r *http.Request) {
	deleteSub(h.errs, w, r, "limitID", "Invalid spending limit ID", h.svc.DeleteSpendingLimit)
}

// approvalRules: GET /customers/{id}/approval-rules → 200 every rule, in
// id order (at most customers.MaxApprovalRules: no pages).
func (h *customersHandler) approvalRules(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	rs, err := h.svc.ApprovalRules(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(services.Map(rs, approvalRuleDTO)))
}

// createApprovalRule: POST /customers/{id}/approval-rules {name,
// min_total_cents?, placed_by_roles?, over_spending_limit?,
// approver_roles} → 201 rule.
func (h *customersHandler) createApprovalRule(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, nulls, err := readObjectNulls(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	name := f.Str("name", true)
	minTotal, _ := nullableInteger(f, nulls, "min_total_cents")
	placers := f.Strings("placed_by_roles", false)
	over := f.Boolean("over_spending_limit", false)
	approvers := f.Strings("approver_roles", true)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := customers.ApprovalRuleInput{Name: *name, MinTotalCents: minTotal, PlacedByRoles: placers, ApproverRoles: approvers}
	if over != nil {
		in.OverSpendingLimit = *over
	}
	rule, err := h.svc.CreateApprovalRule(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(approvalRuleDTO(rule)))
}

// deleteApprovalRule: DELETE /customers/{id}/approval-rules/{ruleID} →
// 204.
func (h *customersHandler) deleteApprovalRule(w http.ResponseWriter, r *http.Request) {
	deleteSub(h.errs, w, r, "ruleID", "Invalid approval rule ID", h.svc.DeleteApprovalRule)
}

// approve: POST /orders/{id}/approve {idempotency_key?, reason?} with the
// key in the body or else in Idempotency-Key (or X-Idempotency-Key) → 200
// the order after the approval, with the read item shape.
func (h *ordersHandler) approve(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, h.svc.ApproveOrder)
}

// reject: POST /orders/{id}/reject, as approve → 200 the order after the
// rejection (CANCELED).
func (h *ordersHandler) reject(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, h.svc.RejectOrder)
}

func (h *ordersHandler) decide(w http.ResponseWriter, r *http.Request,
	decide func(ctx context.Context, id int, key string, reason *string) (orders.Order, error)) {
	id, err := pathID(r, services.MsgInvalidOrderID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	bodyKey, reason := f.Str("idempotency_key", false), f.NullableStr("reason")
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	key, err := changeKey(r, bodyKey)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	o, err := decide(r.Context(), id, key, reason)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(storedOrderDTO(o)))
}

// pay: POST /orders/{id}/payments {idempotency_key?} with the key in the
// body or else in Idempotency-Key (or X-Idempotency-Key) → 200 the order,
// paid, with the read item shape. Staff only.
func (h *ordersHandler) pay(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidOrderID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	bodyKey := f.Str("idempotency_key", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	key, err := changeKey(r, bodyKey)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	o, err := h.svc.PayOrder(r.Context(), id, key)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(storedOrderDTO(o)))
}

// approvals: GET /orders/{id}/approvals → 200 the order's approval
// decisions, in level order ([] for an order without). The order is read
// first, so that one the caller may not see is 404 as on GET
// /orders/{id}: Decisions leaves such ids out without a word.
func (h *ordersHandler) approvals(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidOrderID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	if _, err := h.svc.GetOrder(r.Context(), id); err != nil {
		h.errs.write(w, r, err)
		return
	}
	ds, err := h.svc.Decisions(r.Context(), []int{id})
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(services.Map(ds[id], decisionDTO)))
}

// nullableInteger reads an optional integer field for which null means
// none: the value (nil when absent or null) and whether it was null.
func nullableInteger(f *jsonfields.Fields, nulls map[string]bool, name string) (n *int64, null bool) {
	if nulls[name] {
		return nil, true
	}
	return f.Integer(name, false), false
}

// changeKey is the idempotency key of a keyed change of an order
// (approve, reject, pay): the body's idempotency_key, which wins, else the
// Idempotency-Key header, else X-Idempotency-Key — confirm's two places
// and the header create reads too.
// Errors: Invalid "Required" when none has one.
func changeKey(r *http.Request, body *string) (string, error) {
	for _, k := range []*string{body, headerKey(r.Header.Values(web.IdempotencyKeyHeader)),
		headerKey(r.Header.Values(web.XIdempotencyKeyHeader))} {
		if k != nil {
			return *k, nil
		}
	}
	return "", invalid("idempotency_key", jsonfields.MsgRequired)
}

// headerKey is a key header's values as one key, nil when the header is
// absent. Node joins repeated headers with ", "; so do we.
func headerKey(values []string) *string {
	if len(values) == 0 {
		return nil
	}
	k := strings.Join(values, ", ")
	return &k
}
