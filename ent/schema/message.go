package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Message is one WhatsApp message in either direction. Inbound rows are the
// inbox the workers claim; outbound rows are the outbox the sender drains.
type Message struct{ ent.Schema }

// Mixin of the Message.
func (Message) Mixin() []ent.Mixin { return []ent.Mixin{AccountMixin{}, TimeMixin{}} }

// Fields of the Message.
func (Message) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id").Immutable(),
		field.Int("conversation_id").Optional().Nillable(),
		field.Int("contact_id").Optional().Nillable(),
		field.Enum("direction").Values("INBOUND", "OUTBOUND").Immutable(),
		field.String("wamid").Optional().Nillable().MaxLen(256).Comment("WhatsApp message id; unique per integration"),
		field.String("type").NotEmpty().MaxLen(64).Comment("Meta's message type: text, image, interactive…"),
		field.JSON("content", json.RawMessage{}).Optional().Comment("inbound: Meta's message object as received; outbound: the send payload"),
		field.String("text").Default("").Comment("a human-readable rendering for lists and dashboards"),
		field.Enum("status").Values(
			"RECEIVED", "PROCESSED", "IGNORED", // inbound
			"QUEUED", "SENT", "DELIVERED", "READ", "PLAYED", // outbound
			"FAILED", // either
		),
		field.Int("error_code").Optional().Nillable(),
		field.String("error_detail").Default(""),
		field.Int("attempts").Default(0).NonNegative(),
		field.Time("next_attempt_at").Optional().Nillable().Comment("when a worker may (re)claim the row"),
		field.Time("attempt_started_at").Optional().Nillable().Comment("set before a send call, cleared with its outcome"),
		field.Time("wa_timestamp").Optional().Nillable().Comment("Meta's timestamp of an inbound message; orders processing"),
		field.Time("processed_at").Optional().Nillable(),
		field.Time("sent_at").Optional().Nillable(),
		field.Time("delivered_at").Optional().Nillable(),
		field.Time("read_at").Optional().Nillable(),
		field.Time("failed_at").Optional().Nillable(),
	}
}

// Edges of the Message.
func (Message) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("integration", Integration.Type).Ref("messages").Field("integration_id").Unique().Required().Immutable(),
		edge.From("conversation", Conversation.Type).Ref("messages").Field("conversation_id").Unique(),
		edge.From("contact", Contact.Type).Ref("messages").Field("contact_id").Unique(),
	}
}

// Indexes of the Message.
func (Message) Indexes() []ent.Index {
	return []ent.Index{
		// Meta redelivers for days: a wamid is stored once per integration.
		index.Fields("integration_id", "wamid").Unique(),
		// Inbox and outbox claims: the oldest due rows of a status.
		index.Fields("status", "next_attempt_at"),
		// One contact's inbound messages in WhatsApp's order.
		index.Fields("contact_id", "wa_timestamp"),
		index.Fields("conversation_id", "id"),
		index.Fields("integration_id", "created_at"),
	}
}
