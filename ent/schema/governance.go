package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SpendingLimit caps what a member (member_id) or every member of a role
// (role) of a customer may spend in a period.
type SpendingLimit struct {
	ent.Schema
}

// Annotations names the table.
func (SpendingLimit) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "spending_limits"}}
}

// Fields of the SpendingLimit.
func (SpendingLimit) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable(),
		// Exactly one of member_id and role is set.
		field.Int("member_id").Optional().Nillable().Immutable(),
		field.String("role").MaxLen(20).Optional().Nillable().Immutable(),
		// period is DAY, WEEK, MONTH, or NONE (the limit is per order).
		field.String("period").MaxLen(10),
		field.Int64("amount_cents").NonNegative(),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Indexes of the SpendingLimit: one limit per member and one per role
// within a customer (NULLs never collide).
func (SpendingLimit) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("customer_id", "member_id").Unique(),
		index.Fields("customer_id", "role").Unique(),
	}
}

// SpendLedger is what a member spent in one period: the row an order's
// total is added to, by a guarded update, in the order's transaction.
// It has no foreign keys: a key check would share-lock the customer's row,
// which the credit update of the same transaction then locks exclusively.
type SpendLedger struct {
	ent.Schema
}

// Annotations names the table.
func (SpendLedger) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "spend_ledger"}}
}

// Fields of the SpendLedger.
func (SpendLedger) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable(),
		field.Int("member_id").Immutable(),
		// period names the limit's kind and the period in the customer's
		// time zone: "DAY:2026-12-07", "WEEK:2026-12-07" (its Monday),
		// "MONTH:2026-12".
		field.String("period").MaxLen(20).Immutable(),
		field.Int64("used_cents"),
	}
}

// Indexes of the SpendLedger: one row per member and period.
func (SpendLedger) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("member_id", "period").Unique(),
	}
}

// ApprovalRule says which of a customer's orders need approval and who
// approves them.
type ApprovalRule struct {
	ent.Schema
}

// Annotations names the table.
func (ApprovalRule) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "approval_rules"}}
}

// Fields of the ApprovalRule.
func (ApprovalRule) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable(),
		field.String("name").MaxLen(100),
		// An order matches when every condition set holds: its total is at
		// least min_total_cents; its placer's role is one of
		// placed_by_roles; it takes its buyer over the spending limit.
		field.Int64("min_total_cents").Optional().Nillable(),
		field.JSON("placed_by_roles", []string{}).Optional(),
		field.Bool("over_spending_limit").Default(false),
		// approver_roles is the role each level of approval asks for, in
		// order: one or two levels.
		field.JSON("approver_roles", []string{}),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Indexes of the ApprovalRule.
func (ApprovalRule) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id")}
}

// OrderApproval is one decision on an order waiting for approval: the
// level it decides, approved or rejected, by whom, when and why. One row
// per level: a level is decided once, however many race for it.
type OrderApproval struct {
	ent.Schema
}

// Annotations names the table.
func (OrderApproval) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "order_approvals"}}
}

// Fields of the OrderApproval.
func (OrderApproval) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Int("level").Immutable(),
		field.String("decision").MaxLen(10).Immutable(),
		field.String("actor").MaxLen(80).Immutable(),
		field.String("reason").MaxLen(500).Optional().Nillable().Immutable(),
		field.Time("created_at").Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Indexes of the OrderApproval.
func (OrderApproval) Indexes() []ent.Index {
	return []ent.Index{index.Fields("order_id", "level").Unique()}
}
