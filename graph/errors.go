package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/tenant"
)

// Error codes a client can act on, in extensions.code.
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeConflict        = "CONFLICT"
	CodeUpstream        = "UPSTREAM"
	CodeInternal        = "INTERNAL"
)

// newError is a client-facing error with a code.
func newError(ctx context.Context, code, msg string) *gqlerror.Error {
	err := &gqlerror.Error{Message: msg, Path: graphql.GetPath(ctx)}
	errcode.Set(err, code)
	return err
}

// errUnauthenticated is what any operation gets without a valid API key.
func errUnauthenticated(ctx context.Context) *gqlerror.Error {
	return newError(ctx, CodeUnauthenticated, "a valid API key is required: send it as Authorization: Bearer <key>")
}

// presentError turns any resolver error into one a client may see. Errors
// already shaped for clients pass through; known storage errors get their
// code; everything else is logged and shown as a generic internal error, so
// that no Go error text (which may name a table, a query or a value) leaks.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Extensions != nil && gqlErr.Extensions["code"] != nil {
			return gqlErr
		}
		path := graphql.GetPath(ctx)
		switch {
		case errors.Is(err, tenant.ErrMissing):
			return errUnauthenticated(ctx)
		case ent.IsNotFound(err), errors.Is(err, tenant.ErrDenied):
			return newError(ctx, CodeNotFound, "not found")
		case ent.IsConstraintError(err):
			return newError(ctx, CodeConflict, "conflicts with an existing record")
		case ent.IsValidationError(err):
			var verr *ent.ValidationError
			errors.As(err, &verr)
			e := newError(ctx, CodeBadUserInput, "invalid value for "+verr.Name)
			e.Extensions["field"] = verr.Name
			return e
		case errors.As(err, &gqlErr):
			// A parse or validation error of the query itself.
			if gqlErr.Extensions == nil {
				errcode.Set(gqlErr, errcode.ValidationFailed)
			}
			return gqlErr
		}
		logger.ErrorContext(ctx, "graphql resolver failed", "path", path.String(), "err", err)
		e := &gqlerror.Error{Message: "internal error", Path: path}
		errcode.Set(e, CodeInternal)
		return e
	}
}

// recoverPanic logs a resolver panic and answers with an internal error.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "graphql resolver panicked", "panic", p)
		e := &gqlerror.Error{Message: "internal error"}
		errcode.Set(e, CodeInternal)
		return e
	}
}
