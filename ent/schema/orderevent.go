package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OrderEvent holds the schema definition for the order_events table: the
// transactional outbox. Each committed change of an order writes one row
// in the change's own transaction; the relay publishes the rows in id
// order and marks them published.
type OrderEvent struct {
	ent.Schema
}

// Annotations names the table.
func (OrderEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "order_events"}}
}

// Fields of the OrderEvent.
func (OrderEvent) Fields() []ent.Field {
	return []ent.Field{
		// event_id is the event's stable id, the JetStream message id that
		// deduplicates a re-publish. A UUIDv7, unique by construction: no
		// index, which every order would pay for.
		field.String("event_id").MaxLen(40).NotEmpty().Immutable(),
		field.Int("order_id").Immutable(),
		// seq numbers an order's events from 1; an order's state machine
		// fixes it (created 1, confirmed 2, canceled 2 or 3), and the
		// unique index makes a second event for one change impossible.
		field.Int("seq").Positive().Immutable(),
		field.String("type").MaxLen(40).Immutable(),
		field.Time("occurred_at").Immutable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
		// payload is the event's JSON: the order as the REST API shows it.
		field.Text("payload").Immutable(),
		field.Time("published_at").Optional().Nillable().
			SchemaType(map[string]string{dialect.MySQL: "datetime(3)"}),
	}
}

// Indexes of the OrderEvent: one event per order and sequence number; the
// relay walks the unpublished ones.
func (OrderEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("order_id", "seq").Unique(),
		index.Fields("published_at", "id"),
	}
}
