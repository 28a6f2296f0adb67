package schema

import (
	"encoding/json"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Conversation is one run of a bot with one contact, pinned to the bot
// version that was published when it began.
type Conversation struct{ ent.Schema }

// Mixin of the Conversation.
func (Conversation) Mixin() []ent.Mixin { return []ent.Mixin{AccountMixin{}} }

// Fields of the Conversation.
func (Conversation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id").Immutable(),
		field.Int("contact_id").Immutable(),
		field.Int("bot_version_id").Immutable(),
		field.Enum("status").Values("ACTIVE", "COMPLETED", "EXPIRED").Default("ACTIVE"),
		field.JSON("state", json.RawMessage{}).Optional().Comment("flow engine state: current node, variables, retries"),
		field.Time("last_activity_at").Default(time.Now),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("ended_at").Optional().Nillable(),
	}
}

// Edges of the Conversation.
func (Conversation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("integration", Integration.Type).Ref("conversations").Field("integration_id").Unique().Required().Immutable(),
		edge.From("contact", Contact.Type).Ref("conversations").Field("contact_id").Unique().Required().Immutable(),
		edge.From("bot_version", BotVersion.Type).Ref("conversations").Field("bot_version_id").Unique().Required().Immutable(),
		edge.To("messages", Message.Type),
	}
}

// Indexes of the Conversation.
func (Conversation) Indexes() []ent.Index {
	return []ent.Index{
		// At most one ACTIVE conversation per contact (a contact belongs to one integration).
		index.Fields("contact_id").Unique().Annotations(entsql.IndexWhere("status = 'ACTIVE'")),
		index.Fields("integration_id", "status", "last_activity_at"),
	}
}
