package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Customer holds the schema definition for the customers table.
type Customer struct {
	ent.Schema
}

// Annotations keeps the original table name.
func (Customer) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "customers"}}
}

// Fields of the Customer.
func (Customer) Fields() []ent.Field {
	return []ent.Field{
		// Lengths are checked in characters by the services; the column
		// sizes below are the original's (ent's MaxLen would count bytes).
		field.String("name").NotEmpty(),
		field.String("email").NotEmpty(),
		field.String("phone").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "varchar(50)"}),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("deleted_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		// live is true while the customer exists and NULL once it is deleted.
		// UNIQUE(email, live) therefore holds among live customers only, since
		// NULLs never collide in a unique index (MySQL and SQLite alike), and a
		// deleted customer's email can be registered again.
		field.Bool("live").Optional().Nillable().Default(true),
		// The customer's settings for its orders: whether each order must
		// carry a PO number, unique among its orders, and the payment
		// terms ("NET_30", "DUE_ON_RECEIPT") copied onto each order.
		field.Bool("po_number_required").Default(false),
		field.Bool("po_number_unique").Default(false),
		field.String("payment_terms").MaxLen(20).Optional().Nillable(),
		// The credit the seller gives the customer: the limit (NULL: none)
		// on its exposure, the totals of its confirmed orders not yet
		// paid. The exposure is kept on every confirm, cancel and payment
		// by a guarded update, so that setting a limit needs no recount.
		field.Int64("credit_limit_cents").Optional().Nillable(),
		field.Int64("credit_exposure_cents").Default(0),
		// time_zone (IANA) is where the customer's spending periods (a
		// day, a week, a month) begin and end.
		field.String("time_zone").MaxLen(64).Default("UTC"),
		// Whether the customer has spending limits and approval rules,
		// kept with them, so that placing an order of a customer without
		// any reads nothing more than its row.
		field.Bool("has_spending_limits").Default(false),
		field.Bool("has_approval_rules").Default(false),
		// governance_version identifies the state of the customer's spending
		// limits and approval rules, made with them under the row's lock:
		// placing an order reads it with the row and reuses the limits and
		// rules it last read at that version instead of reading them again.
		field.Int64("governance_version").Default(0),
	}
}

// Edges of the Customer.
func (Customer) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("orders", Order.Type),
		edge.To("members", Member.Type),
		edge.To("locations", Location.Type),
		edge.To("api_keys", APIKey.Type),
	}
}

// Indexes of the Customer.
func (Customer) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("email", "live").Unique(),
	}
}

// now is the default clock of the schema; services pass explicit times.
func now() time.Time { return time.Now().UTC() }
