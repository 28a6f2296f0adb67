package schema

import (
	"encoding/json"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// StatusReceipt is one status webhook (sent, delivered, read, played,
// failed) for an outbound message. Statuses may arrive before the send call
// that produced the wamid has been recorded; keeping them lets the sender
// apply them when it records the wamid, and makes redeliveries no-ops.
type StatusReceipt struct{ ent.Schema }

// Mixin of the StatusReceipt.
func (StatusReceipt) Mixin() []ent.Mixin { return []ent.Mixin{AccountMixin{}} }

// Fields of the StatusReceipt.
func (StatusReceipt) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id").Immutable(),
		field.String("wamid").NotEmpty().MaxLen(256).Immutable(),
		field.String("status").NotEmpty().MaxLen(32).Immutable().Comment("Meta's value, kept as sent, unknown ones included"),
		field.Time("timestamp").Immutable(),
		field.String("recipient_id").Default("").Immutable(),
		field.String("callback_data").Default("").MaxLen(512).Immutable().
			Comment("biz_opaque_callback_data echoed by Meta: the id of our outbound message"),
		field.JSON("errors", json.RawMessage{}).Optional().Immutable(),
		field.Time("received_at").Default(time.Now).Immutable(),
		field.Time("applied_at").Optional().Nillable(),
	}
}

// Edges of the StatusReceipt.
func (StatusReceipt) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("integration", Integration.Type).Ref("status_receipts").Field("integration_id").Unique().Required().Immutable(),
	}
}

// Indexes of the StatusReceipt.
func (StatusReceipt) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("integration_id", "wamid", "status").Unique(),
		// The sweep's "not applied, arrived in the last day": receipts for
		// messages sent by other apps on the number are never applied, and
		// must not all be read every 30 seconds.
		index.Fields("applied_at", "received_at"),
		index.Fields("integration_id", "callback_data"),
	}
}
