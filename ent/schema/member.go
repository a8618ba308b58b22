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

// Member holds the schema definition for the members table: a person who
// acts for a customer (a company) with a role in it.
type Member struct {
	ent.Schema
}

// Annotations names the table.
func (Member) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "members"}}
}

// Fields of the Member.
func (Member) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable(),
		// Lengths are checked in characters by the services.
		field.String("email").NotEmpty(),
		field.String("name").NotEmpty(),
		field.Enum("role").Values("admin", "buyer", "approver", "viewer").
			SchemaType(map[string]string{dialect.MySQL: "varchar(20)", dialect.SQLite: "varchar(20)"}),
		// subject is the identity provider's sub claim once the member has
		// signed in through it (or was invited with it).
		field.String("subject").MaxLen(255).Optional().Nillable(),
		// location_ids limits the member to some of the customer's
		// locations; empty means all of them.
		field.JSON("location_ids", []int{}).Optional(),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("removed_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		// live is true until the member is removed and NULL after, so that
		// the unique indexes below hold among current members only (NULLs
		// never collide) and a removed member's email and subject can be
		// given to a new member.
		field.Bool("live").Optional().Nillable().Default(true),
	}
}

// Edges of the Member.
func (Member) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).Ref("members").Field("customer_id").Unique().Required().Immutable(),
	}
}

// Indexes of the Member: an email once per customer, a subject once
// anywhere, among current members.
func (Member) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("customer_id", "email", "live").Unique(),
		index.Fields("subject", "live").Unique(),
		index.Fields("email"),
	}
}
