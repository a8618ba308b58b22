package customers

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"entgo.io/ent/dialect"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/approvalrule"
	"github.com/b2b-orders/platform/ent/customer"
	"github.com/b2b-orders/platform/ent/member"
	"github.com/b2b-orders/platform/ent/spendinglimit"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// Credit is a customer's credit: its limit (nil: none), its exposure (the
// totals of its confirmed orders not yet paid) and what is left.
type Credit struct {
	CustomerID    int
	LimitCents    *int64
	ExposureCents int64
	// AvailableCents is the limit less the exposure, never below 0; nil
	// without a limit.
	AvailableCents *int64
}

// Credit returns a live customer's credit.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound, also for
// another customer's; PermissionDenied for a member who is not its admin.
func (s *Service) Credit(ctx context.Context, id int) (Credit, error) {
	if err := s.manages(ctx, id); err != nil {
		return Credit{}, err
	}
	c, err := s.db.Client.Customer.Query().Where(customer.ID(id), customer.DeletedAtIsNil()).Only(ctx)
	if err != nil {
		return Credit{}, translate(err, "get credit")
	}
	return creditOf(c), nil
}

func creditOf(c *ent.Customer) Credit {
	out := Credit{CustomerID: c.ID, LimitCents: c.CreditLimitCents, ExposureCents: c.CreditExposureCents}
	if c.CreditLimitCents != nil {
		left := max(*c.CreditLimitCents-c.CreditExposureCents, 0)
		out.AvailableCents = &left
	}
	return out
}

// manages checks that the caller may manage customer id's account.
// Errors: Unauthenticated; Invalid; NotFound for another customer's;
// PermissionDenied.
func (s *Service) manages(ctx context.Context, id int) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if id < 1 {
		return services.InvalidField("id", services.MsgInvalidCustomerID)
	}
	if !p.CanActFor(id) {
		return errNotFound
	}
	if !p.CanManageAccount(id) {
		return services.ErrPermissionDenied
	}
	return nil
}

// SpendingLimit caps what one member, or each member of a role, of a
// customer may spend in a period.
type SpendingLimit struct {
	ID         int
	CustomerID int
	// Exactly one of MemberID and Role is set; a member's own limit wins
	// over its role's.
	MemberID    *int
	Role        *services.MemberRole
	Period      services.Period
	AmountCents int64
	CreatedAt   time.Time
}

// SpendingLimitInput sets the limit of a member or of a role.
type SpendingLimitInput struct {
	MemberID    *int
	Role        *string
	Period      string
	AmountCents int64
}

var errLimitNotFound = services.NotFoundf("Spending limit not found")

// SpendingLimits lists a customer's spending limits, in id order.
// Errors: those of Credit.
func (s *Service) SpendingLimits(ctx context.Context, customerID int) ([]SpendingLimit, error) {
	if err := s.manages(ctx, customerID); err != nil {
		return nil, err
	}
	rows, err := s.db.Client.SpendingLimit.Query().Where(spendinglimit.CustomerID(customerID)).
		Order(ent.Asc(spendinglimit.FieldID)).All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "list spending limits")
	}
	out := make([]SpendingLimit, len(rows))
	for i, r := range rows {
		out[i] = limitOf(r)
	}
	return out, nil
}

// SetSpendingLimit sets (creates or replaces) the limit of a member or a
// role of a live customer. The customer's admins and staff set limits.
// Errors: those of Credit; Invalid (neither or both of member and role, a
// role that does not exist, a period that does not exist, an amount below
// 0 or above 2147483647); NotFound "Member not found" for a member that is
// not the customer's.
func (s *Service) SetSpendingLimit(ctx context.Context, customerID int, in SpendingLimitInput) (SpendingLimit, error) {
	if err := s.manages(ctx, customerID); err != nil {
		return SpendingLimit{}, err
	}
	if (in.MemberID == nil) == (in.Role == nil) {
		return SpendingLimit{}, services.InvalidField("member_id", "Give exactly one of member_id and role")
	}
	if in.MemberID != nil && *in.MemberID < 1 {
		return SpendingLimit{}, services.InvalidField("member_id", "Invalid member ID")
	}
	var role *services.MemberRole
	if in.Role != nil {
		r, err := services.ParseMemberRole(*in.Role)
		if err != nil {
			return SpendingLimit{}, err
		}
		role = &r
	}
	period, err := services.ParsePeriod(in.Period)
	if err != nil {
		return SpendingLimit{}, err
	}
	if err := services.CheckAmountCents("amount_cents", in.AmountCents); err != nil {
		return SpendingLimit{}, err
	}
	var out SpendingLimit
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := s.flag(ctx, tx, customerID, customer.FieldHasSpendingLimits, true); err != nil {
			return err
		}
		q := tx.SpendingLimit.Query().Where(spendinglimit.CustomerID(customerID))
		if in.MemberID != nil {
			ok, err := tx.Member.Query().Where(member.ID(*in.MemberID), member.CustomerID(customerID), member.RemovedAtIsNil()).Exist(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return services.NotFoundf("Member not found")
			}
			q.Where(spendinglimit.MemberID(*in.MemberID))
		} else {
			q.Where(spendinglimit.Role(string(*role)))
		}
		prev, err := q.Only(ctx)
		switch {
		case ent.IsNotFound(err):
			create := tx.SpendingLimit.Create().SetCustomerID(customerID).SetPeriod(string(period)).
				SetAmountCents(in.AmountCents).SetNillableMemberID(in.MemberID).SetCreatedAt(s.cfg.Now().UTC().Truncate(time.Millisecond))
			if role != nil {
				create.SetRole(string(*role))
			}
			r, err := create.Save(ctx)
			if err != nil {
				return err
			}
			out = limitOf(r)
			return nil
		case err != nil:
			return err
		}
		r, err := prev.Update().SetPeriod(string(period)).SetAmountCents(in.AmountCents).Save(ctx)
		if err != nil {
			return err
		}
		out = limitOf(r)
		return nil
	})
	if err != nil && db.IsUniqueViolation(err) {
		// A concurrent set of the same member or role committed first.
		return SpendingLimit{}, services.Busy(err)
	}
	return out, translate(err, "set spending limit")
}

// DeleteSpendingLimit removes one of a customer's spending limits.
// Errors: those of Credit; NotFound "Spending limit not found".
func (s *Service) DeleteSpendingLimit(ctx context.Context, customerID, id int) error {
	if err := s.manages(ctx, customerID); err != nil {
		return err
	}
	err := s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := s.lockCustomer(ctx, tx, customerID); err != nil {
			return err
		}
		n, err := tx.SpendingLimit.Delete().Where(spendinglimit.ID(id), spendinglimit.CustomerID(customerID)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errLimitNotFound
		}
		left, err := tx.SpendingLimit.Query().Where(spendinglimit.CustomerID(customerID)).Exist(ctx)
		if err != nil {
			return err
		}
		return s.flag(ctx, tx, customerID, customer.FieldHasSpendingLimits, left)
	})
	return translate(err, "delete spending limit")
}

// lockCustomer locks a live customer's row, first in its transaction, so
// that changes of its limits or rules take turns and what they read of
// them afterwards is current; on SQLite the transaction holds the
// database.
// Errors: ent's not found for a customer that is not live.
func (s *Service) lockCustomer(ctx context.Context, tx *ent.Tx, id int) error {
	q := tx.Customer.Query().Where(customer.ID(id), customer.DeletedAtIsNil())
	if s.db.Dialect == dialect.MySQL {
		q = q.ForUpdate()
	}
	_, err := q.Only(ctx)
	return err
}

// flag locks the customer's row, sets one of its governance flags
// (has_spending_limits, has_approval_rules), which placing an order reads
// to know whether to read the limits or the rules, and gives its limits
// and rules a new governance_version, by which orders know theirs are
// current. Every change of a limit or a rule calls it in the change's
// transaction. The version is random, not a count: a count could come
// back to a value a process has kept after a restore of the database.
func (s *Service) flag(ctx context.Context, tx *ent.Tx, id int, field string, on bool) error {
	if err := s.lockCustomer(ctx, tx, id); err != nil {
		return err
	}
	up := tx.Customer.UpdateOneID(id).SetGovernanceVersion(services.NewVersion())
	if field == customer.FieldHasApprovalRules {
		up.SetHasApprovalRules(on)
	} else {
		up.SetHasSpendingLimits(on)
	}
	return up.Exec(ctx)
}

func limitOf(r *ent.SpendingLimit) SpendingLimit {
	out := SpendingLimit{ID: r.ID, CustomerID: r.CustomerID, MemberID: r.MemberID, Period: services.Period(r.Period),
		AmountCents: r.AmountCents, CreatedAt: r.CreatedAt.UTC()}
	if r.Role != nil {
		role := services.MemberRole(*r.Role)
		out.Role = &role
	}
	return out
}

// ApprovalRule says which orders of a customer need approval and who
// approves them. An order matches when every condition the rule sets
// holds; of the rules an order matches, the one with the most levels
// applies.
type ApprovalRule struct {
	ID         int
	CustomerID int
	Name       string
	// MinTotalCents: the order's total is at least this.
	MinTotalCents *int64
	// PlacedByRoles: its buyer has one of these roles.
	PlacedByRoles []services.MemberRole
	// OverSpendingLimit: it takes its buyer over the spending limit
	// (such an order is refused unless a rule like this matches it).
	OverSpendingLimit bool
	// ApproverRoles is the role each level asks for: one or two.
	ApproverRoles []services.MemberRole
	CreatedAt     time.Time
}

// ApprovalRuleInput is a new approval rule.
type ApprovalRuleInput struct {
	Name              string
	MinTotalCents     *int64
	PlacedByRoles     []string
	OverSpendingLimit bool
	ApproverRoles     []string
}

// MaxApprovalRules bounds a customer's rules, so that placing an order
// reads a bounded list.
const MaxApprovalRules = 50

var errRuleNotFound = services.NotFoundf("Approval rule not found")

// ApprovalRules lists a customer's approval rules, in id order.
// Errors: those of Credit.
func (s *Service) ApprovalRules(ctx context.Context, customerID int) ([]ApprovalRule, error) {
	if err := s.manages(ctx, customerID); err != nil {
		return nil, err
	}
	rows, err := s.db.Client.ApprovalRule.Query().Where(approvalrule.CustomerID(customerID)).
		Order(ent.Asc(approvalrule.FieldID)).All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "list approval rules")
	}
	out := make([]ApprovalRule, len(rows))
	for i, r := range rows {
		out[i] = ruleOf(r)
	}
	return out, nil
}

// CreateApprovalRule adds an approval rule to a live customer. Its admins
// and staff define rules.
// Errors: those of Credit; Invalid (a name empty or above 100 characters,
// no condition, an amount out of range, a role that does not exist, no or
// more than two levels, a level's role that cannot approve, more than
// MaxApprovalRules rules).
func (s *Service) CreateApprovalRule(ctx context.Context, customerID int, in ApprovalRuleInput) (ApprovalRule, error) {
	if err := s.manages(ctx, customerID); err != nil {
		return ApprovalRule{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, unicode.IsControl) {
		return ApprovalRule{}, services.InvalidField("name", "name must be 1 to 100 characters, without control characters")
	}
	if in.MinTotalCents == nil && len(in.PlacedByRoles) == 0 && !in.OverSpendingLimit {
		return ApprovalRule{}, services.InvalidField("", "A rule needs a condition: min_total_cents, placed_by_roles or over_spending_limit")
	}
	if in.MinTotalCents != nil {
		if err := services.CheckAmountCents("min_total_cents", *in.MinTotalCents); err != nil {
			return ApprovalRule{}, err
		}
	}
	placers := make([]string, 0, len(in.PlacedByRoles))
	for _, r := range in.PlacedByRoles {
		role, err := services.ParseMemberRole(r)
		if err != nil {
			return ApprovalRule{}, services.InvalidField("placed_by_roles", "placed_by_roles must name roles among admin, buyer, approver, viewer")
		}
		if !slices.Contains(placers, string(role)) {
			placers = append(placers, string(role))
		}
	}
	if len(in.ApproverRoles) < 1 || len(in.ApproverRoles) > 2 {
		return ApprovalRule{}, services.InvalidField("approver_roles", "approver_roles must name one or two levels")
	}
	for _, r := range in.ApproverRoles {
		role, err := services.ParseMemberRole(r)
		if err != nil || !role.CanApproveAs() {
			return ApprovalRule{}, services.InvalidField("approver_roles", "Each level of approver_roles must be approver or admin")
		}
	}
	var out ApprovalRule
	err := s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := s.flag(ctx, tx, customerID, customer.FieldHasApprovalRules, true); err != nil {
			return err
		}
		n, err := tx.ApprovalRule.Query().Where(approvalrule.CustomerID(customerID)).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxApprovalRules {
			return services.InvalidField("", "A customer can have at most 50 approval rules")
		}
		r, err := tx.ApprovalRule.Create().SetCustomerID(customerID).SetName(name).SetNillableMinTotalCents(in.MinTotalCents).
			SetPlacedByRoles(placers).SetOverSpendingLimit(in.OverSpendingLimit).SetApproverRoles(in.ApproverRoles).
			SetCreatedAt(s.cfg.Now().UTC().Truncate(time.Millisecond)).Save(ctx)
		if err != nil {
			return err
		}
		out = ruleOf(r)
		return nil
	})
	return out, translate(err, "create approval rule")
}

// DeleteApprovalRule removes one of a customer's approval rules; orders
// already pending approval keep the levels they asked for.
// Errors: those of Credit; NotFound "Approval rule not found".
func (s *Service) DeleteApprovalRule(ctx context.Context, customerID, id int) error {
	if err := s.manages(ctx, customerID); err != nil {
		return err
	}
	err := s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := s.lockCustomer(ctx, tx, customerID); err != nil {
			return err
		}
		n, err := tx.ApprovalRule.Delete().Where(approvalrule.ID(id), approvalrule.CustomerID(customerID)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errRuleNotFound
		}
		left, err := tx.ApprovalRule.Query().Where(approvalrule.CustomerID(customerID)).Exist(ctx)
		if err != nil {
			return err
		}
		return s.flag(ctx, tx, customerID, customer.FieldHasApprovalRules, left)
	})
	return translate(err, "delete approval rule")
}

func ruleOf(r *ent.ApprovalRule) ApprovalRule {
	out := ApprovalRule{ID: r.ID, CustomerID: r.CustomerID, Name: r.Name, MinTotalCents: r.MinTotalCents,
		OverSpendingLimit: r.OverSpendingLimit, CreatedAt: r.CreatedAt.UTC()}
	for _, p := range r.PlacedByRoles {
		out.PlacedByRoles = append(out.PlacedByRoles, services.MemberRole(p))
	}
	for _, a := range r.ApproverRoles {
		out.ApproverRoles = append(out.ApproverRoles, services.MemberRole(a))
	}
	return out
}
