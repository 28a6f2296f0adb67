package graph

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/internal/tenant"
)

// Authenticator resolves an API key to its account.
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (accountID int, err error)
}

// authenticate scopes each request to the account of its bearer key. A
// request without a valid key goes on unscoped, and requireAccount answers
// it with UNAUTHENTICATED (introspection alone excepted, so tooling works).
func authenticate(auth Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearerToken(r.Header.Get("Authorization"))
		if ok {
			if accountID, err := auth.Authenticate(r.Context(), key); err == nil {
				r = r.WithContext(tenant.WithAccount(r.Context(), accountID))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// requireAccount refuses operations of unauthenticated callers.
func requireAccount(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if _, ok := tenant.Account(ctx); ok || onlyIntrospection(graphql.GetOperationContext(ctx)) {
		return next(ctx)
	}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{errUnauthenticated(ctx)}})
}

// onlyIntrospection reports whether every top-level field is __schema,
// __type or __typename.
func onlyIntrospection(oc *graphql.OperationContext) bool {
	if oc == nil || oc.Operation == nil {
		return false
	}
	fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, nil)
	if len(fields) == 0 {
		return false
	}
	for _, f := range fields {
		if !strings.HasPrefix(f.Name, "__") {
			return false
		}
	}
	return true
}
