package orders

import (
	"context"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/approvalrule"
	"github.com/b2b-orders/platform/ent/customer"
	"github.com/b2b-orders/platform/ent/spendledger"
	"github.com/b2b-orders/platform/services"
)

// The counters an order takes besides stock — its buyer's spend in the
// period, its customer's credit — are taken like stock: by one guarded
// update in the order's transaction, which applies only while the counter
// stays within its limit, and given back by the transition that cancels
// (or pays) the order, which applies once (event_seq guards it).

// spendRef names the spend ledger row an order's total was added to.
type spendRef struct {
	member int
	period string
}

// spendLimit is the limit that applies to an order's buyer.
type spendLimit struct {
	period services.Period
	cents  int64
}

// The statements of the spend ledger and the credit, from ent's names.
var (
	// takeSpendRow adds an order's total to its buyer's period row while
	// that stays within the limit (the last argument).
	takeSpendRow = "UPDATE " + spendledger.Table + " SET " + spendledger.FieldUsedCents + " = " + spendledger.FieldUsedCents +
		" + ? WHERE " + spendledger.FieldMemberID + " = ? AND " + spendledger.FieldPeriod + " = ? AND " +
		spendledger.FieldUsedCents + " + ? <= ?"
	// newSpendRow starts a period's row at 0, unless it exists.
	newSpendRowMySQL = "INSERT IGNORE INTO " + spendledger.Table + " (" + spendledger.FieldCustomerID + ", " + spendledger.FieldMemberID + ", " +
		spendledger.FieldPeriod + ", " + spendledger.FieldUsedCents + ") VALUES (?, ?, ?, 0)"
	newSpendRowSQLite = "INSERT OR IGNORE INTO " + spendledger.Table + " (" + spendledger.FieldCustomerID + ", " + spendledger.FieldMemberID + ", " +
		spendledger.FieldPeriod + ", " + spendledger.FieldUsedCents + ") VALUES (?, ?, ?, 0)"
	// giveSpend takes an order's total off its ledger row.
	giveSpend = "UPDATE " + spendledger.Table + " SET " + spendledger.FieldUsedCents + " = " + spendledger.FieldUsedCents +
		" - ? WHERE " + spendledger.FieldMemberID + " = ? AND " + spendledger.FieldPeriod + " = ?"
	// takeCredit adds a confirmed order's total to its customer's
	// exposure while that stays within the credit limit, if any.
	takeCredit = "UPDATE " + customer.Table + " SET " + customer.FieldCreditExposureCents + " = " + customer.FieldCreditExposureCents +
		" + ? WHERE " + customer.FieldID + " = ? AND (" + customer.FieldCreditLimitCents + " IS NULL OR " +
		customer.FieldCreditExposureCents + " + ? <= " + customer.FieldCreditLimitCents + ")"
	// giveCredit takes an order's total off its customer's exposure.
	giveCredit = "UPDATE " + customer.Table + " SET " + customer.FieldCreditExposureCents + " = " + customer.FieldCreditExposureCents +
		" - ? WHERE " + customer.FieldID + " = ?"
)

// takeSpend adds cents to the member's spend in period; guarded, only
// while it stays within limit. It reports whether it added. The period's
// row exists after the buyer's first order in it, so the common case is
// one update; an update that finds nothing (no row yet, or over the
// limit) makes sure the row exists and updates once more.
func (s *Service) takeSpend(ctx context.Context, tx *ent.Tx, customerID int, ref spendRef, cents, limit int64, guarded bool) (bool, error) {
	if guarded && cents > limit {
		return false, nil
	}
	if !guarded {
		// Past the limit on purpose (the order goes to approval): the
		// bound is the largest a ledger row may hold.
		limit = 1<<62 - 1
	}
	for first := true; ; first = false {
		res, err := tx.ExecContext(ctx, takeSpendRow, cents, ref.member, ref.period, cents, limit)
		if err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return n > 0, err
		}
		if !first {
			return false, nil
		}
		insert := newSpendRowSQLite
		if s.db.Dialect == dialect.MySQL {
			insert = newSpendRowMySQL
		}
		// Made here or by a concurrent first order: the update runs once
		// more and finds it. Two first orders of one buyer's period at
		// once may deadlock here on MariaDB (each update's gap lock
		// blocks the other's insert): the transaction runs again and
		// finds the row, once a period.
		if _, err := tx.ExecContext(ctx, insert, customerID, ref.member, ref.period); err != nil {
			return false, err
		}
	}
}

// giveBack returns what a canceled order took besides stock: its spend
// and, when it was confirmed and unpaid, its credit.
func giveBack(ctx context.Context, tx *ent.Tx, o *Order, was Status) error {
	if o.spend != nil && o.TotalCents > 0 {
		if _, err := tx.ExecContext(ctx, giveSpend, o.TotalCents, o.spend.member, o.spend.period); err != nil {
			return err
		}
	}
	if was == StatusConfirmed && o.PaidAt == nil {
		return giveCreditFor(ctx, tx, o)
	}
	return nil
}

// takeCreditFor reserves a confirmed order's total against its customer's
// credit limit.
// Errors: Conflict (credit_limit_exceeded), quoting the credit available.
func (s *Service) takeCreditFor(ctx context.Context, tx *ent.Tx, o *Order) error {
	if o.TotalCents == 0 {
		return nil
	}
	res, err := tx.ExecContext(ctx, takeCredit, o.TotalCents, o.CustomerID, o.TotalCents)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	// Refused: quote the credit left, read as it is now (the update's
	// lock is held; see stockNow).
	q := tx.Customer.Query().Where(customer.ID(o.CustomerID))
	if s.db.Dialect == dialect.MySQL {
		q = q.ForUpdate()
	}
	c, err := q.Only(ctx)
	if err != nil {
		return err
	}
	if c.CreditLimitCents == nil || c.CreditExposureCents+o.TotalCents <= *c.CreditLimitCents {
		return errRetry // the limit changed in between
	}
	return services.Errorf(services.Conflict, services.CodeCreditLimitExceeded,
		"Credit limit exceeded: available %d cents, order %d cents", max(*c.CreditLimitCents-c.CreditExposureCents, 0), o.TotalCents)
}

// giveCreditFor returns an order's total to its customer's credit (paid,
// or canceled while confirmed).
func giveCreditFor(ctx context.Context, tx *ent.Tx, o *Order) error {
	if o.TotalCents == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, giveCredit, o.TotalCents, o.CustomerID)
	return err
}

// approvalFor decides whether an order needs approval under the
// customer's rules, and which roles its levels ask for: of the rules that
// match, the one with the most levels (the first of them). A rule matches
// when each condition it sets holds. over says the order takes its buyer
// past the spending limit: such an order may be placed only when a rule
// that asks for approval over the limit matches it.
// Errors: Conflict (spending_limit_exceeded) for an order over the limit
// that no such rule routes to approval.
func approvalFor(rules []*ent.ApprovalRule, total int64, placer services.MemberRole, over bool) ([]services.MemberRole, error) {
	var best *ent.ApprovalRule
	routesOver := false
	for _, r := range rules {
		if r.MinTotalCents != nil && total < *r.MinTotalCents {
			continue
		}
		if len(r.PlacedByRoles) > 0 && !containsRole(r.PlacedByRoles, placer) {
			continue
		}
		if r.OverSpendingLimit && !over {
			continue
		}
		routesOver = routesOver || r.OverSpendingLimit
		if best == nil || len(r.ApproverRoles) > len(best.ApproverRoles) {
			best = r
		}
	}
	if over && !routesOver {
		return nil, errSpendingLimit
	}
	if best == nil {
		return nil, nil
	}
	roles := make([]services.MemberRole, len(best.ApproverRoles))
	for i, r := range best.ApproverRoles {
		roles[i] = services.MemberRole(r)
	}
	return roles, nil
}

func containsRole(roles []string, r services.MemberRole) bool {
	for _, x := range roles {
		if services.MemberRole(x) == r {
			return true
		}
	}
	return false
}

var errSpendingLimit = services.Errorf(services.Conflict, services.CodeSpendingLimitExceeded,
	"Spending limit exceeded: the order would take the buyer's spend above its limit")

// approvalRules is a customer's approval rules in id order: as last read
// at its governance version, else read in tx. The rules are shared
// between orders and never changed.
func (s *Service) approvalRules(ctx context.Context, tx *ent.Tx, customerID int, version int64) ([]*ent.ApprovalRule, error) {
	if rules, ok := s.governance.rulesOf(customerID, version); ok {
		return rules, nil
	}
	rules, err := tx.ApprovalRule.Query().Where(approvalrule.CustomerID(customerID)).Order(ent.Asc(approvalrule.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for i, r := range rules {
		rules[i] = r.Unwrap() // kept past tx: let go of it
	}
	s.governance.putRules(customerID, version, rules)
	return rules, nil
}

// governanceCache keeps, in the process, the spending limits and approval
// rules that placing orders read, each with the customer's
// governance_version it was read at. An order reads the version with the
// customer's row, in the snapshot in which it would read the limits, and
// every change of a limit or a rule sets a new version in the change's
// transaction (customers.Service.flag): so what is kept for the version an
// order reads is what reading again would give, on every replica. Kept
// for another version, it is read again.
type governanceCache struct {
	mu     sync.Mutex
	limits map[limitKey]versioned[*spendLimit]
	rules  map[int]versioned[[]*ent.ApprovalRule]
}

// limitKey names whose limit: a member of a customer, in its role.
type limitKey struct {
	customer, member int
	role             services.MemberRole
}

type versioned[T any] struct {
	version int64
	value   T
}

// maxGovernanceEntries bounds each of the cache's maps; a full map is
// emptied, to be filled again by the orders that follow.
const maxGovernanceEntries = 1 << 14

func (c *governanceCache) limit(k limitKey, version int64) (*spendLimit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.limits[k]
	return e.value, ok && e.version == version
}

func (c *governanceCache) putLimit(k limitKey, version int64, l *spendLimit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limits = put(c.limits, k, versioned[*spendLimit]{version, l})
}

func (c *governanceCache) rulesOf(customerID int, version int64) ([]*ent.ApprovalRule, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.rules[customerID]
	return e.value, ok && e.version == version
}

func (c *governanceCache) putRules(customerID int, version int64, rules []*ent.ApprovalRule) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rules = put(c.rules, customerID, versioned[[]*ent.ApprovalRule]{version, rules})
}

// put stores e under k. Two orders that read different versions may store
// in either order: the one stored last is kept, and an order that reads
// the other version reads it again.
func put[K comparable, T any](m map[K]versioned[T], k K, e versioned[T]) map[K]versioned[T] {
	if m == nil {
		m = make(map[K]versioned[T])
	}
	if len(m) >= maxGovernanceEntries {
		clear(m)
	}
	m[k] = e
	return m
}

// approvalRolesString is the levels as the order stores them.
func approvalRolesString(roles []services.MemberRole) *string {
	if len(roles) == 0 {
		return nil
	}
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	s := strings.Join(parts, ",")
	return &s
}

// parseApprovalRoles reads the stored levels.
func parseApprovalRoles(s *string) []services.MemberRole {
	if s == nil || *s == "" {
		return nil
	}
	parts := strings.Split(*s, ",")
	roles := make([]services.MemberRole, len(parts))
	for i, p := range parts {
		roles[i] = services.MemberRole(p)
	}
	return roles
}

// spendPeriod is the ledger period of an order placed at now by a customer
// in time zone tz (UTC when it does not load). Zones are loaded once per
// process: loading reads the zone database.
func (s *Service) spendPeriod(p services.Period, now time.Time, tz string) string {
	loc := time.UTC
	if l, ok := s.zones.Load(tz); ok {
		loc = l.(*time.Location)
	} else if l, err := time.LoadLocation(tz); err == nil {
		s.zones.Store(tz, l)
		loc = l
	}
	return p.Key(now, loc)
}
