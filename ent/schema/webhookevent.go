package schema

import (
	"encoding/json"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// WebhookEvent records a webhook change that is not a message or a status
// (template status, quality and account updates…): acknowledged and kept.
type WebhookEvent struct{ ent.Schema }

// Mixin of the WebhookEvent.
func (WebhookEvent) Mixin() []ent.Mixin { return []ent.Mixin{AccountMixin{}} }

// Fields of the WebhookEvent.
func (WebhookEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id").Immutable(),
		field.String("field").NotEmpty().MaxLen(128).Immutable(),
		field.JSON("value", json.RawMessage{}).Optional().Immutable(),
		field.Time("received_at").Default(time.Now).Immutable(),
	}
}

// Edges of the WebhookEvent.
func (WebhookEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("integration", Integration.Type).Ref("webhook_events").Field("integration_id").Unique().Required().Immutable(),
	}
}

// Indexes of the WebhookEvent.
func (WebhookEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("integration_id", "received_at")}
}
