package graph

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/apikey"
	"github.com/intalos/integrations/internal/tenant"
)

// createAPIKey issues a key for the caller's account. The key is returned
// here only; the database keeps its hash.
func (r *Resolver) createAPIKey(ctx context.Context, name string) (string, *ent.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return "", nil, inputError(ctx, "name", "must be 1 to 200 characters")
	}
	acct, ok := tenant.Account(ctx)
	if !ok {
		return "", nil, tenant.ErrMissing
	}
	w, err := r.db.Write(ctx)
	if err != nil {
		return "", nil, err
	}
	return apikey.Create(ctx, w, acct, name)
}

// revokeAPIKey revokes a key; revoking it again keeps the first time.
func (r *Resolver) revokeAPIKey(ctx context.Context, id int) (*ent.APIKey, error) {
	k, err := r.read(ctx).APIKey.Get(ctx, id)
	if err != nil || k.RevokedAt != nil {
		return k, err
	}
	w, err := r.db.Write(ctx)
	if err != nil {
		return nil, err
	}
	return w.APIKey.UpdateOneID(id).SetRevokedAt(time.Now()).Save(ctx)
}

// botOf is an integration's bot: eager-loaded by the list, else one query.
func (r *Resolver) botOf(ctx context.Context, i *ent.Integration) (*ent.Bot, error) {
	b, err := i.Edges.BotOrErr()
	switch {
	case err == nil:
		return b, nil
	case ent.IsNotFound(err), i.BotID == nil:
		return nil, nil
	}
	return r.read(ctx).Bot.Get(ctx, *i.BotID)
}
