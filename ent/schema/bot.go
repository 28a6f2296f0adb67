package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Bot is a flow built in the bot builder: an editable draft and its
// immutable published versions.
type Bot struct{ ent.Schema }

// Mixin of the Bot.
func (Bot) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the Bot.
func (Bot) Fields() []ent.Field {
	return []ent.Field{
		field.Int("account_id").Immutable(),
		field.String("name").NotEmpty().MaxLen(200),
		field.String("description").Default("").MaxLen(2000),
		field.JSON("definition", json.RawMessage{}).Optional().Comment("the draft flow definition"),
	}
}

// Edges of the Bot.
func (Bot) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("bots").Field("account_id").Unique().Required().Immutable(),
		edge.To("versions", BotVersion.Type),
		edge.To("integrations", Integration.Type),
	}
}
