package graph

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/internal/gqlws"
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
			lookup := func() (int, error) { return auth.Authenticate(r.Context(), key) }
			var accountID int
			var err error
			if r.Header.Get("Upgrade") != "" {
				// A websocket keeps this goroutine, and the stack the
				// lookup would grow, for its whole life.
				accountID, err = onOwnStack(lookup)
			} else {
				accountID, err = lookup()
			}
			if err == nil {
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

// websocketInit authenticates a websocket by the API key in its
// connection_init payload, {"Authorization": "Bearer <key>"} or
// {"apiKey": "<key>"}: browsers cannot set headers on a websocket. A
// connection whose upgrade request already carried a valid Authorization
// header may omit it. Anything else is closed with 4401.
func websocketInit(auth Authenticator) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		key, given := initKey(p)
		if !given {
			if _, ok := tenant.Account(ctx); ok {
				return ctx, nil, nil
			}
			return gqlws.Reject(ctx, gqlws.CloseUnauthorized,
				`an API key is required: send {"Authorization": "Bearer <key>"} in connection_init`)
		}
		// Off this goroutine, which serves the websocket for its lifetime.
		accountID, err := onOwnStack(func() (int, error) { return auth.Authenticate(ctx, key) })
		if err != nil {
			return gqlws.Reject(ctx, gqlws.CloseUnauthorized, "the API key is invalid or revoked")
		}
		return tenant.WithAccount(ctx, accountID), nil, nil
	}
}

// initKey reads the API key of a connection_init payload; given reports
// whether the payload named one at all.
func initKey(p transport.InitPayload) (key string, given bool) {
	if h := p.Authorization(); h != "" {
		if k, ok := bearerToken(h); ok {
			return k, true
		}
		return "", true
	}
	if k := strings.TrimSpace(p.GetString("apiKey")); k != "" {
		return k, true
	}
	return "", false
}
