package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// DecisionsPerOrder is what Order.decisions counts for in the complexity
// limit: an order asks for one or two levels of approval
// (customers.CreateApprovalRule refuses more), and each level is decided
// once, a rejection ending it.
const DecisionsPerOrder = 2

// SpendingLimitsPerCustomer is what Customer.spendingLimits counts for in
// the complexity limit: a customer has at most one limit per role (four)
// and one per member; few name more than a handful of members.
const SpendingLimitsPerCustomer = 20

// OrderApproval is the approval an order asked for when it was placed.
type OrderApproval struct {
	Levels            []MemberRole
	Approved          int
	ConfirmOnApproval bool
	ExpiresAt         *time.Time
}

// ApprovalDecision is one approval decision on an order.
type ApprovalDecision struct {
	Level    int
	Approved bool
	// Actor is who decided; nil when the record does not say.
	Actor     *Actor
	Reason    *string
	DecidedAt time.Time
}

// ApproveOrderInput is the argument of approveOrder.
type ApproveOrderInput struct {
	ID             int
	IdempotencyKey string
	Reason         *string
}

// RejectOrderInput is the argument of rejectOrder.
type RejectOrderInput struct {
	ID             int
	IdempotencyKey string
	Reason         *string
}

// MarkOrderPaidInput is the argument of markOrderPaid.
type MarkOrderPaidInput struct {
	ID             int
	IdempotencyKey string
}

// CustomerCredit is a customer's credit.
type CustomerCredit struct {
	LimitCents     *int64
	ExposureCents  int64
	AvailableCents *int64
}

// SpendingPeriod is what a spending limit counts over: the services'
// period, whose names the graph shares.
type SpendingPeriod string

// The periods.
const (
	SpendingPeriodDay   SpendingPeriod = SpendingPeriod(services.PeriodDay)
	SpendingPeriodWeek  SpendingPeriod = SpendingPeriod(services.PeriodWeek)
	SpendingPeriodMonth SpendingPeriod = SpendingPeriod(services.PeriodMonth)
	SpendingPeriodNone  SpendingPeriod = SpendingPeriod(services.PeriodNone)
)

// MarshalGQL writes the enum value.
func (p SpendingPeriod) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(p)))
}

// UnmarshalGQL reads an enum value.
// Errors: Invalid for anything but the four periods.
func (p *SpendingPeriod) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch sp := SpendingPeriod(s); sp {
	case SpendingPeriodDay, SpendingPeriodWeek, SpendingPeriodMonth, SpendingPeriodNone:
		*p = sp
		return nil
	}
	return services.InvalidField("period", fmt.Sprintf("Invalid spending period: %v", v))
}

// SpendingLimit is a customer's limit on what a member, or each member of
// a role, may order in a period. Its member is resolved through a loader.
type SpendingLimit struct {
	ID          int
	CustomerID  int
	MemberID    *int
	Role        *MemberRole
	Period      SpendingPeriod
	AmountCents int64
	CreatedAt   time.Time
}

// SpendingLimitInput is the argument of spendingLimitSet.
type SpendingLimitInput struct {
	MemberID    *int
	Role        *MemberRole
	Period      SpendingPeriod
	AmountCents int64
}

// ApprovalRule says which orders of a customer need approval and who
// approves them.
type ApprovalRule struct {
	ID                int
	CustomerID        int
	Name              string
	MinTotalCents     *int64
	PlacedByRoles     []MemberRole
	OverSpendingLimit bool
	ApproverRoles     []MemberRole
	CreatedAt         time.Time
}

// ApprovalRuleInput is the argument of approvalRuleCreate.
type ApprovalRuleInput struct {
	Name              string
	MinTotalCents     *int64
	PlacedByRoles     []MemberRole
	OverSpendingLimit *bool
	ApproverRoles     []MemberRole
}

// roles converts services roles; never nil, so that a list field answers [].
func roles(rs []services.MemberRole) []MemberRole {
	out := make([]MemberRole, len(rs))
	for i, r := range rs {
		out[i] = RoleOf(r)
	}
	return out
}

// serviceRoles converts roles for the services.
func serviceRoles(rs []MemberRole) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Service()
	}
	return out
}

// approvalOf is the approval o asked for; nil when it needed none.
func approvalOf(o orders.Order) *OrderApproval {
	if len(o.ApprovalRoles) == 0 {
		return nil
	}
	return &OrderApproval{Levels: roles(o.ApprovalRoles), Approved: o.Approvals, ConfirmOnApproval: o.ConfirmOnApproval,
		ExpiresAt: o.ApprovalExpiresAt}
}

// FromDecisions converts an order's service decisions; never nil.
func FromDecisions(ds []orders.Decision) []*ApprovalDecision {
	out := make([]*ApprovalDecision, len(ds))
	for i, d := range ds {
		out[i] = &ApprovalDecision{Level: d.Level, Approved: d.Approved, Reason: d.Reason, DecidedAt: d.At}
		if d.By.Type != "" {
			by := d.By
			out[i].Actor = ActorOf(&by)
		}
	}
	return out
}

// FromCredit converts a customer's service credit.
func FromCredit(c customers.Credit) *CustomerCredit {
	return &CustomerCredit{LimitCents: c.LimitCents, ExposureCents: c.ExposureCents, AvailableCents: c.AvailableCents}
}

// FromSpendingLimit converts a service spending limit.
func FromSpendingLimit(l customers.SpendingLimit) *SpendingLimit {
	out := &SpendingLimit{ID: l.ID, CustomerID: l.CustomerID, MemberID: l.MemberID, Period: SpendingPeriod(l.Period),
		AmountCents: l.AmountCents, CreatedAt: l.CreatedAt}
	if l.Role != nil {
		r := RoleOf(*l.Role)
		out.Role = &r
	}
	return out
}

// FromApprovalRule converts a service approval rule.
func FromApprovalRule(r customers.ApprovalRule) *ApprovalRule {
	return &ApprovalRule{ID: r.ID, CustomerID: r.CustomerID, Name: r.Name, MinTotalCents: r.MinTotalCents,
		PlacedByRoles: roles(r.PlacedByRoles), OverSpendingLimit: r.OverSpendingLimit, ApproverRoles: roles(r.ApproverRoles),
		CreatedAt: r.CreatedAt}
}

// Service converts the argument of spendingLimitSet for the customers
// service.
func (in SpendingLimitInput) Service() customers.SpendingLimitInput {
	out := customers.SpendingLimitInput{MemberID: in.MemberID, Period: string(in.Period), AmountCents: in.AmountCents}
	if in.Role != nil {
		r := in.Role.Service()
		out.Role = &r
	}
	return out
}

// Service converts the argument of approvalRuleCreate for the customers
// service.
func (in ApprovalRuleInput) Service() customers.ApprovalRuleInput {
	return customers.ApprovalRuleInput{Name: in.Name, MinTotalCents: in.MinTotalCents, PlacedByRoles: serviceRoles(in.PlacedByRoles),
		OverSpendingLimit: in.OverSpendingLimit != nil && *in.OverSpendingLimit, ApproverRoles: serviceRoles(in.ApproverRoles)}
}

// Service converts the argument of customerSettingsUpdate for the
// customers service.
func (in CustomerSettingsInput) Service() customers.SettingsUpdate {
	return customers.SettingsUpdate{PONumberRequired: in.PONumberRequired, PONumberUnique: in.PONumberUnique,
		PaymentTerms: in.PaymentTerms, TimeZone: in.TimeZone, CreditLimitCents: in.CreditLimitCents,
		ClearCreditLimit: in.ClearCreditLimit != nil && *in.ClearCreditLimit}
}
