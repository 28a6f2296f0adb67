package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin adds creation and update timestamps.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
	}
}

// AccountMixin stamps a row with the account it belongs to. Rows whose parent
// already belongs to an account carry the id too, so that tenant isolation is
// one indexed predicate on every table rather than a join per query.
type AccountMixin struct{ mixin.Schema }

// Fields of the AccountMixin.
func (AccountMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("account_id").Immutable(),
	}
}

// Interceptors of the AccountMixin.
func (AccountMixin) Interceptors() []ent.Interceptor { return TenantMixin{}.Interceptors() }

// Hooks of the AccountMixin.
func (AccountMixin) Hooks() []ent.Hook { return TenantMixin{}.Hooks() }

// Indexes of the AccountMixin.
func (AccountMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields("account_id")}
}
