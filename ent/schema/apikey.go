package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// APIKey authenticates GraphQL callers of one account. Only the SHA-256 of
// the key is kept; the key itself is shown once, at creation.
type APIKey struct{ ent.Schema }

// Mixin of the APIKey.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{TenantMixin{}} }

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.Int("account_id").Immutable(),
		field.String("name").NotEmpty().MaxLen(200),
		field.String("prefix").Immutable().NotEmpty().Comment("the key's first characters, shown to tell keys apart"),
		field.String("hash").Immutable().Unique().Sensitive().Comment("hex SHA-256 of the whole key"),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Edges of the APIKey.
func (APIKey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("api_keys").Field("account_id").Unique().Required().Immutable(),
	}
}
