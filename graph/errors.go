package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/integrations"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp"
)

// Error codes a client can act on, in extensions.code.
const (
	CodeBadUserInput       = "BAD_USER_INPUT"
	CodeNotFound           = "NOT_FOUND"
	CodeUnauthenticated    = "UNAUTHENTICATED"
	CodeConflict           = "CONFLICT"
	CodeFailedPrecondition = "FAILED_PRECONDITION"
	CodeUpstream           = "UPSTREAM"
	CodeRateLimited        = "RATE_LIMITED"
	CodeInternal           = "INTERNAL"
)

// newError is a client-facing error with a code.
func newError(ctx context.Context, code, msg string) *gqlerror.Error {
	err := &gqlerror.Error{Message: msg}
	if graphql.GetFieldContext(ctx) != nil {
		err.Path = graphql.GetPath(ctx)
	}
	errcode.Set(err, code)
	return err
}

// inputError is BAD_USER_INPUT about one argument or input field.
func inputError(ctx context.Context, field, msg string) *gqlerror.Error {
	e := newError(ctx, CodeBadUserInput, field+" "+msg)
	e.Extensions["field"] = field
	return e
}

// notFound is what a missing object and another account's object both get.
func notFound(ctx context.Context, field, msg string) *gqlerror.Error {
	e := newError(ctx, CodeNotFound, msg)
	if field != "" {
		e.Extensions["field"] = field
	}
	return e
}

// errUnauthenticated is what any operation gets without a valid API key.
func errUnauthenticated(ctx context.Context) *gqlerror.Error {
	return newError(ctx, CodeUnauthenticated, "a valid API key is required: send it as Authorization: Bearer <key>")
}

// presentError turns any resolver error into one a client may see. Errors
// already shaped for clients pass through; domain and storage errors get
// their code; everything else is logged and shown as a generic internal
// error, so that no Go error text (which may name a table, a query or a
// value) leaks.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Extensions != nil && gqlErr.Extensions["code"] != nil {
			return gqlErr
		}
		if e := presentDomain(ctx, err); e != nil {
			return e
		}
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
			return inputError(ctx, verr.Name, "is invalid")
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return newError(ctx, CodeInternal, "the request was cancelled or took too long")
		case errors.As(err, &gqlErr) && gqlErr.Unwrap() == nil:
			// A parse or validation error of the query itself.
			if gqlErr.Extensions == nil {
				errcode.Set(gqlErr, errcode.ValidationFailed)
			}
			return gqlErr
		}
		path := graphql.GetPath(ctx)
		logger.ErrorContext(ctx, "graphql resolver failed", "path", path.String(), "err", err)
		e := &gqlerror.Error{Message: "internal error", Path: path}
		errcode.Set(e, CodeInternal)
		return e
	}
}

// presentDomain maps the errors of internal/integrations; nil for others.
func presentDomain(ctx context.Context, err error) *gqlerror.Error {
	var (
		in   *integrations.InputError
		conf *integrations.ConflictError
		pre  *integrations.PreconditionError
		up   *integrations.UpstreamError
	)
	switch {
	case errors.As(err, &in):
		return inputError(ctx, in.Field, in.Message)
	case errors.As(err, &conf):
		e := newError(ctx, CodeConflict, conf.Field+" "+conf.Message)
		e.Extensions["field"] = conf.Field
		return e
	case errors.As(err, &pre):
		e := newError(ctx, CodeFailedPrecondition, pre.Message)
		missing := make([]string, len(pre.Missing))
		for i, m := range pre.Missing {
			missing[i] = string(m)
		}
		e.Extensions["missing"] = missing
		if pre.Meta != nil {
			e.Extensions["meta"] = metaExtension(pre.Meta)
		}
		return e
	case errors.As(err, &up):
		api := up.API()
		if api == nil {
			return newError(ctx, CodeUpstream, "Meta's Graph API could not be reached while "+up.Op+": try again")
		}
		e := newError(ctx, CodeUpstream, "Meta refused "+up.Op+": "+api.Message)
		e.Extensions["meta"] = metaExtension(api)
		if up.Field != "" {
			e.Extensions["field"] = up.Field
		}
		return e
	}
	return nil
}

// metaExtension is what a client may see of a Graph API error. Its message
// has already had every secret of the request redacted by the client.
func metaExtension(api *whatsapp.APIError) map[string]any {
	m := map[string]any{"code": api.Code, "message": api.Message}
	if api.Subcode != 0 {
		m["subcode"] = api.Subcode
	}
	if api.Type != "" {
		m["type"] = api.Type
	}
	if api.FBTraceID != "" {
		m["fbtraceId"] = api.FBTraceID
	}
	return m
}

// problemErrors turns every problem of a flow definition into its own
// BAD_USER_INPUT error with the node id and the setting's field.
func problemErrors(ctx context.Context, pe *integrations.ProblemsError) gqlerror.List {
	list := make(gqlerror.List, len(pe.Problems))
	for i, p := range pe.Problems {
		e := newError(ctx, CodeBadUserInput, p.Message)
		e.Extensions["field"] = p.Field
		if p.NodeID != "" {
			e.Extensions["nodeId"] = p.NodeID
		}
		list[i] = e
	}
	return list
}

// inputErrors gives each invalid input field its own error.
func inputErrors(ctx context.Context, ie integrations.InputErrors) gqlerror.List {
	list := make(gqlerror.List, len(ie))
	for i, e := range ie {
		list[i] = inputError(ctx, e.Field, e.Message)
	}
	return list
}

// spreadErrors is a field middleware: a resolver error that stands for
// several problems becomes one GraphQL error each, since the presenter
// returns one error per error.
func spreadErrors(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err == nil {
		return res, nil
	}
	var list gqlerror.List
	var pe *integrations.ProblemsError
	var ie integrations.InputErrors
	switch {
	case errors.As(err, &pe):
		list = problemErrors(ctx, pe)
	case errors.As(err, &ie):
		list = inputErrors(ctx, ie)
	default:
		return res, err
	}
	for _, e := range list[:len(list)-1] {
		graphql.AddError(ctx, e)
	}
	return res, list[len(list)-1]
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
