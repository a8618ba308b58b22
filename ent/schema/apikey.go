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

// APIKey holds the schema definition for the api_keys table: a customer's
// key for its integrations. Only a hash of the secret is kept; the key is
// shown once, when it is created.
type APIKey struct {
	ent.Schema
}

// Annotations names the table.
func (APIKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "api_keys"}}
}

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.Int("customer_id").Immutable(),
		// member_id is the member who created the key, if a member did; a
		// key stops working when that member is removed.
		field.Int("member_id").Optional().Nillable().Immutable(),
		// created_by is the creator as an actor ("member:7", "staff:alice").
		field.String("created_by").MaxLen(80).Immutable(),
		field.String("name").NotEmpty(),
		field.Enum("role").Values("admin", "buyer", "approver", "viewer").Immutable().
			SchemaType(map[string]string{dialect.MySQL: "varchar(20)", dialect.SQLite: "varchar(20)"}),
		field.JSON("location_ids", []int{}).Optional().Immutable(),
		// prefix is the key's public part, by which it is found.
		field.String("prefix").MaxLen(32).NotEmpty().Immutable(),
		// secret_hash is the SHA-256 of the whole key, hex: the key has
		// 256 random bits, so a slow hash would add nothing.
		field.String("secret_hash").MaxLen(64).NotEmpty().Immutable().Sensitive(),
		field.Time("expires_at").Optional().Nillable().Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("last_used_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("revoked_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Edges of the APIKey.
func (APIKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("customer", Customer.Type).Ref("api_keys").Field("customer_id").Unique().Required().Immutable(),
	}
}

// Indexes of the APIKey.
func (APIKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("prefix").Unique(),
		index.Fields("customer_id"),
	}
}
