// Package tenant carries whose data a request may touch. The data layer
// (ent interceptors and hooks, see ent/schema/tenant.go) reads it on every
// query and mutation, so a caller that forgets a filter still sees only its
// own account's rows.
package tenant

import (
	"context"
	"errors"
)

// ErrMissing is returned by the data layer for an operation whose context
// names neither an account nor the system.
var ErrMissing = errors.New("no account in context")

// ErrDenied is returned for a write outside the context's account.
var ErrDenied = errors.New("not permitted for this account")

type viewerKey struct{}

type viewer struct {
	accountID int
	system    bool
}

// WithAccount scopes ctx to one account.
func WithAccount(ctx context.Context, accountID int) context.Context {
	return context.WithValue(ctx, viewerKey{}, viewer{accountID: accountID})
}

// AsSystem marks ctx as the product's own background work (webhooks,
// workers, sweeps), which spans accounts.
func AsSystem(ctx context.Context) context.Context {
	return context.WithValue(ctx, viewerKey{}, viewer{system: true})
}

// Account returns the account ctx is scoped to.
func Account(ctx context.Context) (int, bool) {
	v, ok := ctx.Value(viewerKey{}).(viewer)
	return v.accountID, ok && !v.system
}

// IsSystem reports whether ctx may span accounts.
func IsSystem(ctx context.Context) bool {
	v, ok := ctx.Value(viewerKey{}).(viewer)
	return ok && v.system
}
