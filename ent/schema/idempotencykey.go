package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// IdempotencyKey holds the schema definition for the idempotency_keys table.
// A key belongs to a scope, the caller that sent it (see the services), and
// is unique within it: a concurrent duplicate insert waits on the unique
// index and then fails with a duplicate-key error that the services replay.
type IdempotencyKey struct {
	ent.Schema
}

// Annotations keeps the original table name.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "idempotency_keys"}}
}

// Fields of the IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		// scope is whose key it is: "customer:<id>" for a customer's
		// token, "<role>:<subject>" for staff and services. It is empty on
		// keys written before keys were scoped (and by the original
		// system): those still guard what they guarded, for every caller,
		// until they expire.
		field.String("scope").MaxLen(64).Default("").Immutable(),
		// Lengths are checked in characters by the services.
		field.String("key_value").NotEmpty().Immutable(),
		// operation is NULL on rows written by the original system, which did
		// not record it; those keys are bound to their target only.
		field.String("operation").MaxLen(50).Optional().Nillable().Immutable(),
		field.String("target_type").MaxLen(50).Immutable(),
		field.Int("target_id").Immutable(),
		field.String("request_hash").MaxLen(64).Optional().Nillable().Immutable(),
		field.String("status").MaxLen(50),
		field.Text("response_body").Optional().Nillable(),
		field.Time("created_at").Default(now).Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		field.Time("expires_at").
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Indexes of the IdempotencyKey: a key is unique in its scope; the purge
// walks expires_at.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("scope", "key_value").Unique(),
		index.Fields("expires_at"),
	}
}
