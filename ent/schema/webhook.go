package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// ms is the MySQL column type of every webhook time: milliseconds, as the
// other tables keep them.
var ms = map[string]string{dialect.MySQL: "datetime(3)"}

// WebhookEndpoint holds the schema definition for the webhook_endpoints
// table: a receiver an admin registered, with its signing secret and the
// event types it wants.
type WebhookEndpoint struct {
	ent.Schema
}

// Annotations names the table.
func (WebhookEndpoint) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "webhook_endpoints"}}
}

// Fields of the WebhookEndpoint.
func (WebhookEndpoint) Fields() []ent.Field {
	return []ent.Field{
		field.String("url").MaxLen(2048).NotEmpty(),
		// secret is the Standard Webhooks signing secret, whsec_ and the
		// base64 of the key. Sensitive keeps it out of ent's String().
		field.String("secret").MaxLen(128).NotEmpty().Sensitive(),
		// event_types filters the events sent; empty means every type.
		field.Strings("event_types").Optional(),
		field.Bool("enabled").Default(true),
		field.Time("disabled_at").Optional().Nillable().SchemaType(ms),
		field.String("disabled_reason").MaxLen(255).Optional().Nillable(),
		// failing_since is the time of the first failed attempt since the
		// last success; the endpoint is disabled once it is older than the
		// retry period.
		field.Time("failing_since").Optional().Nillable().SchemaType(ms),
		field.Time("created_at").Immutable().SchemaType(ms),
		field.Time("updated_at").SchemaType(ms),
	}
}

// WebhookDelivery holds the schema definition for the webhook_deliveries
// table: one row per event and endpoint, written by the relay in the
// transaction that marks the event published, and its state.
type WebhookDelivery struct {
	ent.Schema
}

// Annotations names the table.
func (WebhookDelivery) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "webhook_deliveries"}}
}

// Fields of the WebhookDelivery.
func (WebhookDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.Int("endpoint_id").Immutable(),
		// event_row is the order_events row whose payload is sent: a
		// reference, not a copy, as the outbox row never changes.
		field.Int("event_row").Immutable(),
		field.String("event_id").MaxLen(40).Immutable(),
		field.String("event_type").MaxLen(40).Immutable(),
		field.Enum("state").Values("pending", "delivered", "failed").Default("pending"),
		// attempts counts the attempts claimed so far. A claim increments
		// it in a conditional UPDATE, so it is also the fencing token that
		// lets only the claimant record the attempt's result.
		field.Int("attempts").Default(0),
		// next_attempt_at is when the delivery is due; a claim moves it past
		// the attempt's lease, so a process that dies mid-send leaves the
		// delivery due again once the lease is over.
		field.Time("next_attempt_at").SchemaType(ms),
		field.Int("last_status_code").Optional().Nillable(),
		field.String("last_error").MaxLen(1000).Optional().Nillable(),
		field.Time("delivered_at").Optional().Nillable().SchemaType(ms),
		field.Time("created_at").Immutable().SchemaType(ms),
		field.Time("updated_at").SchemaType(ms),
	}
}

// Indexes of the WebhookDelivery: one delivery per endpoint and event (the
// fan-out cannot write a second); the deliverer walks the due pending
// ones; the log lists an endpoint's.
func (WebhookDelivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("endpoint_id", "event_row").Unique(),
		index.Fields("state", "next_attempt_at"),
	}
}

// WebhookAttempt holds the schema definition for the webhook_attempts
// table: the log of every attempt of a delivery.
type WebhookAttempt struct {
	ent.Schema
}

// Annotations names the table.
func (WebhookAttempt) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "webhook_attempts"}}
}

// Fields of the WebhookAttempt.
func (WebhookAttempt) Fields() []ent.Field {
	return []ent.Field{
		field.Int("delivery_id").Immutable(),
		field.Int("endpoint_id").Immutable(),
		field.Int("attempt").Positive().Immutable(),
		// status_code is the receiver's answer; absent when none came (a
		// refused address, a timeout).
		field.Int("status_code").Optional().Nillable().Immutable(),
		field.String("error").MaxLen(1000).Optional().Nillable().Immutable(),
		field.Int("duration_ms").Immutable(),
		field.Time("attempted_at").Immutable().SchemaType(ms),
	}
}

// Indexes of the WebhookAttempt: one row per attempt of a delivery.
func (WebhookAttempt) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("delivery_id", "attempt").Unique(),
	}
}
