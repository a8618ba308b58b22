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

// Location holds the schema definition for the locations table: one of a
// customer's ship-to sites.
type Location struct {
	ent.Schema
}

// Annotations names the table.
func (Location) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "locations"}}
}

// Fields of the Location. Lengths are checked in characters by the
// services.
func (Location) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable(),
		field.String("name").NotEmpty(),
		field.String("address_line1").NotEmpty(),
		field.String("address_line2").Optional().Nillable(),
		field.String("city").NotEmpty(),
		field.String("postal_code").MaxLen(32),
		// country is an ISO 3166-1 alpha-2 code.
		field.String("country").MaxLen(2),
		field.String("tax_id").MaxLen(64).Optional().Nillable(),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		// archived_at hides a location from new orders; past orders keep
		// their copy of its address.
		field.Time("archived_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Edges of the Location.
func (Location) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).Ref("locations").Field("customer_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Location.
func (Location) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id")}
}
