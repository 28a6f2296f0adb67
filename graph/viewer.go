package graph

import (
	"context"

	"github.com/intalos/integrations/graph/model"
	"github.com/intalos/integrations/internal/tenant"
)

// viewer loads the caller's account; the tenant interceptor alone decides
// which one that is.
func (r *Resolver) viewer(ctx context.Context) (*model.Viewer, error) {
	id, ok := tenant.Account(ctx)
	if !ok {
		return nil, tenant.ErrMissing
	}
	acct, err := r.read(ctx).Account.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &model.Viewer{Account: acct}, nil
}
