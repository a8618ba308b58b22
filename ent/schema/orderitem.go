package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// OrderItem holds the schema definition for the order_items table.
type OrderItem struct {
	ent.Schema
}

// Annotations keeps the original table name.
func (OrderItem) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "order_items"}}
}

// Fields of the OrderItem.
func (OrderItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("order_id").Immutable(),
		field.Int("product_id").Immutable(),
		field.Int64("qty").Positive().Immutable(),
		field.Int64("unit_price_cents").NonNegative().Immutable(),
		field.Int64("subtotal_cents").NonNegative().Immutable(),
		// What gave unit_price_cents: a price list's break (the list and
		// the break's minimum quantity), or the product's own price (both
		// null). Kept as the order's record, so no foreign key.
		field.Int("price_list_id").Optional().Nillable().Immutable(),
		field.Int64("price_min_qty").Optional().Nillable().Immutable(),
	}
}

// Edges of the OrderItem.
func (OrderItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("order", Order.Type).Ref("items").Field("order_id").Unique().Required().Immutable(),
		edge.From("product", Product.Type).Ref("order_items").Field("product_id").Unique().Required().Immutable(),
	}
}
