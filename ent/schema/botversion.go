package schema

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// BotVersion is a published snapshot of a bot's flow. Conversations pin one,
// so it never changes once written.
type BotVersion struct{ ent.Schema }

// Mixin of the BotVersion.
func (BotVersion) Mixin() []ent.Mixin { return []ent.Mixin{AccountMixin{}} }

// Fields of the BotVersion.
func (BotVersion) Fields() []ent.Field {
	return []ent.Field{
		field.Int("bot_id").Immutable(),
		field.Int("number").Positive().Immutable(),
		field.JSON("definition", json.RawMessage{}).Immutable(),
		field.Time("published_at").Default(time.Now).Immutable(),
	}
}

// Edges of the BotVersion.
func (BotVersion) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("bot", Bot.Type).Ref("versions").Field("bot_id").Unique().Required().Immutable(),
		edge.To("conversations", Conversation.Type),
	}
}

// Indexes of the BotVersion.
func (BotVersion) Indexes() []ent.Index {
	return []ent.Index{index.Fields("bot_id", "number").Unique()}
}

// ErrBotVersionImmutable is returned for any attempt to change a published version.
var ErrBotVersionImmutable = errors.New("a published bot version cannot be changed")

// Hooks of the BotVersion.
func (BotVersion) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
					return nil, ErrBotVersionImmutable
				}
				return next.Mutate(ctx, m)
			})
		},
	}
}
