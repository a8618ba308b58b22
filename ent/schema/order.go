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
		field.Enum("status").Values("CREATED", "CONFIRMED", "CANCELED").Default("CREATED").
			SchemaType(map[string]string{dialect.MySQL: "varchar(20)", dialect.SQLite: "varchar(20)"}),
		field.Int64("total_cents").NonNegative(),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("confirmed_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("canceled_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
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
	}
}
