package graph

import (
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// HandlerConfig tunes the GraphQL endpoint.
type HandlerConfig struct {
	Introspection bool
	MaxBodyBytes  int64 // request body limit for POST
	MaxComplexity int   // 0 selects a default
}

// NewHandler returns the GraphQL endpoint: authentication, transports, the
// error presenter and the query cache around the executable schema.
func NewHandler(r *Resolver, auth Authenticator, cfg HandlerConfig, logger *slog.Logger) http.Handler {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetErrorPresenter(presentError(logger))
	srv.SetRecoverFunc(recoverPanic(logger))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	complexity := cfg.MaxComplexity
	if complexity == 0 {
		complexity = 5000
	}
	srv.Use(extension.FixedComplexityLimit(complexity))
	srv.AroundOperations(requireAccount)

	limit := cfg.MaxBodyBytes
	if limit == 0 {
		limit = 1 << 20
	}
	return authenticate(auth, http.MaxBytesHandler(srv, limit))
}
