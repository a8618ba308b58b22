package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Order holds the schema definition for the orders table.
type Order struct {
	ent.Schema
}

// Annotations keeps the original table name.
func (Order) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "orders"}}
}

// Fields of the Order.
func (Order) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable(),
		// The original stored the status as VARCHAR(20); the values are the
		// contract's, upper case.
		field.Enum("status").Values("PENDING_APPROVAL", "CREATED", "CONFIRMED", "CANCELED").Default("CREATED").
			SchemaType(map[string]string{dialect.MySQL: "varchar(20)", dialect.SQLite: "varchar(20)"}),
		field.Int64("total_cents").NonNegative(),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("confirmed_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("canceled_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		// location_id names the customer's location the order ships to;
		// ship_to is that location's address as it was at placement, which
		// later edits of the location do not change.
		field.Int("location_id").Optional().Nillable().Immutable(),
		field.Text("ship_to").Optional().Nillable().Immutable(),
		// Who placed, confirmed and canceled the order, as actors
		// ("member:7", "api_key:3", "customer:1", "staff:alice"); NULL on
		// orders older than actors.
		field.String("placed_by").MaxLen(80).Optional().Nillable().Immutable(),
		field.String("confirmed_by").MaxLen(80).Optional().Nillable(),
		field.String("canceled_by").MaxLen(80).Optional().Nillable(),
		// The buyer's purchase-order number, and the customer's payment
		// terms as they were at placement. po_unique_key repeats the PO
		// number while the customer requires it unique and the order is
		// not canceled: the unique index below holds only over those
		// (NULLs never collide), under any concurrency.
		field.String("po_number").MaxLen(64).Optional().Nillable().Immutable(),
		field.String("po_unique_key").MaxLen(64).Optional().Nillable(),
		field.String("payment_terms").MaxLen(20).Optional().Nillable().Immutable(),
		// currency (ISO 4217) of the order's prices and total; null on
		// orders from before currencies, which are in the configured
		// CURRENCY.
		field.String("currency").MaxLen(3).Optional().Nillable().Immutable(),
		// event_seq is the sequence number of the order's last event. Every
		// change writes the next one, guarded by the one it read, so that a
		// change applies once however many race for it.
		field.Int("event_seq").Default(1),
		// An order placed PENDING_APPROVAL: the role each approval level
		// asks for ("approver,admin": two levels), how many it has, whether
		// the last approval confirms it (placed through create-and-confirm)
		// and when it expires unapproved.
		field.String("approval_roles").MaxLen(40).Optional().Nillable().Immutable(),
		field.Int("approvals").Default(0),
		field.Bool("confirm_on_approval").Default(false).Immutable(),
		field.Time("approval_expires_at").Optional().Nillable().Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		// The spend ledger row the order took its total from, given back
		// when it is canceled: the member and the period ("MONTH:2026-12").
		field.Int("spend_member_id").Optional().Nillable().Immutable(),
		field.String("spend_period").MaxLen(20).Optional().Nillable().Immutable(),
		// When staff recorded its payment, and who.
		field.Time("paid_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.String("paid_by").MaxLen(80).Optional().Nillable(),
	}
}

// Edges of the Order.
func (Order) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).Ref("orders").Field("customer_id").Unique().Required().Immutable(),
		edge.To("items", OrderItem.Type),
	}
}

// Indexes of the Order: one for every list filter.
func (Order) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("status"),
		index.Fields("created_at"),
		index.Fields("customer_id"),
		index.Fields("placed_by"),
		index.Fields("location_id"),
		index.Fields("customer_id", "po_unique_key").Unique(),
		index.Fields("customer_id", "po_number"),
		index.Fields("status", "approval_expires_at"),
	}
}
