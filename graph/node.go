package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/ent"

	"github.com/intalos/integrations/graph/model"
	"github.com/intalos/integrations/internal/tenant"
)

// maxNodes bounds nodes(ids), as maxPageSize bounds connections.
const maxNodes = maxPageSize

// node loads any object by global id. Every lookup goes through the tenant
// interceptor, so another account's object is not found, as a missing one.
func (r *Resolver) node(ctx context.Context, gid string) (model.Node, error) {
	typ, id, ok := parseGlobalID(gid)
	if !ok {
		return nil, notFound(ctx, "id", "not found")
	}
	c := r.read(ctx)
	var (
		n   model.Node
		err error
	)
	switch typ {
	case typeAccount:
		if acct, _ := tenant.Account(ctx); acct != id {
			return nil, notFound(ctx, "id", "not found")
		}
		n, err = c.Account.Get(ctx, id)
	case typeAPIKey:
		n, err = c.APIKey.Get(ctx, id)
	case typeBot:
		n, err = c.Bot.Get(ctx, id)
	case typeBotVersion:
		n, err = c.BotVersion.Get(ctx, id)
	case typeIntegration:
		n, err = c.Integration.Get(ctx, id)
	case typeContact:
		n, err = c.Contact.Get(ctx, id)
	case typeConversation:
		n, err = c.Conversation.Get(ctx, id)
	case typeMessage:
		n, err = c.Message.Get(ctx, id)
	case typeIntegrationError:
		n, err = c.IntegrationError.Get(ctx, id)
	default:
		return nil, notFound(ctx, "id", "not found")
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// nodes loads each id in turn; a missing one is null, with a NOT_FOUND
// error at its index.
func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, inputError(ctx, "ids", fmt.Sprintf("must hold at most %d ids", maxNodes))
	}
	out := make([]model.Node, len(ids))
	for i, gid := range ids {
		n, err := r.node(ctx, gid)
		if err != nil {
			addErrorAt(ctx, i, err)
			continue
		}
		out[i] = n
	}
	return out, nil
}

// addErrorAt reports err for element i of the current list field.
func addErrorAt(ctx context.Context, i int, err error) {
	path := append(slices.Clone(graphql.GetPath(ctx)), ast.PathIndex(i))
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) || gqlErr.Extensions["code"] == nil {
		if !ent.IsNotFound(err) {
			graphql.AddError(ctx, err)
			return
		}
		gqlErr = notFound(ctx, "ids", "not found")
	}
	gqlErr.Path = path
	graphql.AddError(ctx, gqlErr)
}
