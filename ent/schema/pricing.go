package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PriceList is a set of contract prices for one customer, several, or
// everyone (a base list). Its customers, breaks and quantity rules are
// rows of their own, replaced with the list. The orders domain owns it:
// placing an order resolves its prices in the order's transaction.
type PriceList struct {
	ent.Schema
}

// Annotations names the table.
func (PriceList) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "price_lists"}}
}

// Fields of the PriceList.
func (PriceList) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(100).NotEmpty(),
		field.String("currency").MaxLen(3),
		// status is DRAFT, ACTIVE or ARCHIVED; only ACTIVE applies.
		field.String("status").MaxLen(10),
		field.Time("valid_from").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("valid_to").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Int("priority").Default(0),
		// scope is ALL (every customer) or CUSTOMERS (those named).
		field.String("scope").MaxLen(10),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("updated_at").Default(now).
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// PriceListCustomer names a customer a CUSTOMERS list is for.
type PriceListCustomer struct {
	ent.Schema
}

// Annotations names the table.
func (PriceListCustomer) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "price_list_customers"}}
}

// Fields of the PriceListCustomer.
func (PriceListCustomer) Fields() []ent.Field {
	return []ent.Field{
		field.Int("price_list_id").Immutable(),
		field.Int("customer_id").Immutable(),
	}
}

// Indexes of the PriceListCustomer.
func (PriceListCustomer) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("price_list_id", "customer_id").Unique(),
		index.Fields("customer_id"),
	}
}

// PriceEntry is one break of a list: a product's unit price from a minimum
// quantity on.
type PriceEntry struct {
	ent.Schema
}

// Annotations names the table.
func (PriceEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "price_entries"}}
}

// Fields of the PriceEntry.
func (PriceEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("price_list_id").Immutable(),
		field.Int("product_id").Immutable(),
		field.Int64("min_qty").Positive().Immutable(),
		field.Int64("unit_price_cents").NonNegative().Immutable(),
	}
}

// Indexes of the PriceEntry: one price per product and minimum in a list.
func (PriceEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("price_list_id", "product_id", "min_qty").Unique(),
	}
}

// PriceListRule is a product's quantity rule within a list, in place of
// the product's own.
type PriceListRule struct {
	ent.Schema
}

// Annotations names the table.
func (PriceListRule) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "price_list_rules"}}
}

// Fields of the PriceListRule; 0 leaves a bound unset.
func (PriceListRule) Fields() []ent.Field {
	return []ent.Field{
		field.Int("price_list_id").Immutable(),
		field.Int("product_id").Immutable(),
		field.Int64("min_qty").NonNegative().Default(0).Immutable(),
		field.Int64("max_qty").NonNegative().Default(0).Immutable(),
		field.Int64("qty_increment").NonNegative().Default(0).Immutable(),
	}
}

// Indexes of the PriceListRule: one rule per product in a list.
func (PriceListRule) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("price_list_id", "product_id").Unique(),
	}
}

// PricingState is one row: version is set anew (randomly) by every change of a price list,
// made with it; placing an order reads it with its first statement and
// resolves prices from the lists this process last read at that version.
type PricingState struct {
	ent.Schema
}

// Annotations names the table.
func (PricingState) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "pricing_state"}}
}

// Fields of the PricingState.
func (PricingState) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("version").Default(0),
	}
}
