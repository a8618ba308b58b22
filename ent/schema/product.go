package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Product holds the schema definition for the products table.
type Product struct {
	ent.Schema
}

// Annotations keeps the original table name.
func (Product) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "products"}}
}

// Fields of the Product.
func (Product) Fields() []ent.Field {
	return []ent.Field{
		// Lengths are checked in characters by the services.
		field.String("sku").NotEmpty().Unique().
			SchemaType(map[string]string{dialect.MySQL: "varchar(100)"}),
		field.String("name").NotEmpty(),
		field.Int64("price_cents").NonNegative(),
		field.Int64("stock").NonNegative().Default(0),
		// The product's quantity rule: a line orders at least min_qty, at
		// most max_qty, in multiples of qty_increment; 0 leaves a bound
		// unset. A price list may set its own.
		field.Int64("min_qty").NonNegative().Default(0),
		field.Int64("max_qty").NonNegative().Default(0),
		field.Int64("qty_increment").NonNegative().Default(0),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Edges of the Product.
func (Product) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("order_items", OrderItem.Type),
	}
}
