package schema

import (
	"context"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/mixin"

	"github.com/intalos/integrations/ent/intercept"
	"github.com/intalos/integrations/internal/tenant"
)

// TenantMixin confines every query and mutation of an entity to the account
// in the context (internal/tenant). Column is the entity's account column:
// "account_id", or "id" for the Account itself.
type TenantMixin struct {
	mixin.Schema
	Column string
}

func (m TenantMixin) column() string {
	if m.Column == "" {
		return "account_id"
	}
	return m.Column
}

// Interceptors of the TenantMixin.
func (m TenantMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
			if tenant.IsSystem(ctx) {
				return nil
			}
			id, ok := tenant.Account(ctx)
			if !ok {
				return tenant.ErrMissing
			}
			q.WhereP(sql.FieldEQ(m.column(), id))
			return nil
		}),
	}
}

// Hooks of the TenantMixin.
func (m TenantMixin) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, mut ent.Mutation) (ent.Value, error) {
				if tenant.IsSystem(ctx) {
					return next.Mutate(ctx, mut)
				}
				id, ok := tenant.Account(ctx)
				if !ok {
					return nil, tenant.ErrMissing
				}
				if mut.Op().Is(ent.OpCreate) {
					if err := m.stampCreate(mut, id); err != nil {
						return nil, err
					}
					return next.Mutate(ctx, mut)
				}
				w, ok := mut.(interface{ WhereP(...func(*sql.Selector)) })
				if !ok {
					return nil, fmt.Errorf("%s mutation cannot be scoped to an account", mut.Type())
				}
				w.WhereP(sql.FieldEQ(m.column(), id))
				return next.Mutate(ctx, mut)
			})
		},
	}
}

// stampCreate sets the new row's account, refusing a different one.
func (m TenantMixin) stampCreate(mut ent.Mutation, accountID int) error {
	if m.column() == "id" {
		return fmt.Errorf("creating an account: %w", tenant.ErrDenied)
	}
	if v, ok := mut.Field("account_id"); ok {
		if v != accountID {
			return fmt.Errorf("creating a %s of another account: %w", mut.Type(), tenant.ErrDenied)
		}
		return nil
	}
	return mut.SetField("account_id", accountID)
}
