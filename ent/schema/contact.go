package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Contact is a WhatsApp user who wrote to an integration's number.
type Contact struct{ ent.Schema }

// Mixin of the Contact.
func (Contact) Mixin() []ent.Mixin { return []ent.Mixin{AccountMixin{}, TimeMixin{}} }

// Fields of the Contact.
func (Contact) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id").Immutable(),
		field.String("wa_id").NotEmpty().MaxLen(64).Immutable().Comment("WhatsApp id; for username-only users, their business-scoped user id"),
		field.String("user_id").Default("").MaxLen(128).Comment("business-scoped user id, when Meta sends one"),
		field.String("profile_name").Default(""),
		field.Time("last_inbound_at").Optional().Nillable().Comment("opens the 24-hour customer service window"),
	}
}

// Edges of the Contact.
func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("integration", Integration.Type).Ref("contacts").Field("integration_id").Unique().Required().Immutable(),
		edge.To("conversations", Conversation.Type),
		edge.To("messages", Message.Type),
	}
}

// Indexes of the Contact.
func (Contact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("integration_id", "wa_id").Unique()}
}
