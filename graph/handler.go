package graph

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/time/rate"

	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/graph/model"
	"github.com/intalos/integrations/internal/gqlws"
)

// HandlerConfig tunes the GraphQL endpoint. Zero values select defaults.
type HandlerConfig struct {
	Introspection bool
	MaxBodyBytes  int64 // request body limit (default 1 MiB)
	MaxComplexity int   // query complexity limit (default 5000)
	MaxDepth      int   // query depth limit, introspection aside (default 12)
	// RateLimit is each API key's sustained requests per second (default
	// 20), RateBurst the requests it may make at once (default 40). A
	// negative RateLimit turns limiting off.
	RateLimit rate.Limit
	RateBurst int

	// AllowedOrigins lists the origins (scheme://host[:port]) whose pages
	// may open the subscriptions websocket; empty means the API's own
	// origin only. Check it with Validate.
	AllowedOrigins []string
	// WebsocketInitTimeout is how long a websocket may take to send
	// connection_init (default 10s).
	WebsocketInitTimeout time.Duration
	// WebsocketKeepAlive is the keep-alive interval of both protocols
	// (default 15s): legacy graphql-ws gets a "ka" message, and
	// graphql-transport-ws a ping, its connection closed when no pong
	// arrives within twice the interval.
	WebsocketKeepAlive time.Duration
	// WebsocketSendQueue is how many messages may wait for a websocket
	// client before it is closed as too slow (1013); gqlws's default when 0.
	WebsocketSendQueue int
}

// Validate reports a configuration NewHandler would refuse.
func (c HandlerConfig) Validate() error {
	_, err := gqlws.New(nil, gqlws.Config{AllowedOrigins: c.AllowedOrigins})
	return err
}

func (c HandlerConfig) withDefaults() HandlerConfig {
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxComplexity == 0 {
		c.MaxComplexity = 5000
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = 12
	}
	if c.RateLimit == 0 {
		c.RateLimit = 20
	}
	if c.RateBurst == 0 {
		c.RateBurst = 40
	}
	if c.WebsocketInitTimeout == 0 {
		c.WebsocketInitTimeout = 10 * time.Second
	}
	if c.WebsocketKeepAlive == 0 {
		c.WebsocketKeepAlive = 15 * time.Second
	}
	return c
}

// NewHandler returns the GraphQL endpoint: authentication and the per-key
// rate limit, the body limit, transports (subscriptions over websockets
// first), depth and complexity limits, one transaction per mutation, the
// error presenter and the query cache around the executable schema. It
// panics on a configuration that Validate refuses.
func NewHandler(r *Resolver, auth Authenticator, cfg HandlerConfig, logger *slog.Logger) http.Handler {
	cfg = cfg.withDefaults()
	// The connections send the keep-alives of both protocols themselves: a
	// timer each instead of one of gqlgen's goroutines per connection.
	up, err := gqlws.New(logger, gqlws.Config{AllowedOrigins: cfg.AllowedOrigins, SendQueue: cfg.WebsocketSendQueue,
		KeepAlive: cfg.WebsocketKeepAlive})
	if err != nil {
		panic("graph: invalid HandlerConfig: " + err.Error())
	}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r, Complexity: complexity()}))
	// Websocket first: it claims the upgrade requests.
	srv.AddTransport(transport.Websocket{
		Implementation: up,
		InitFunc:       websocketInit(auth),
		InitTimeout:    cfg.WebsocketInitTimeout,
		// KeepAlivePingInterval and PingPongInterval stay zero: gqlws's KeepAlive.
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetErrorPresenter(presentError(logger))
	srv.SetRecoverFunc(recoverPanic(logger))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(depthLimit{max: cfg.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.AroundOperations(requireAccount)
	srv.Use(transactioner{client: r.client, logger: logger})
	srv.AroundFields(spreadErrors)

	// The rate limit comes first, so that a throttled key costs no lookup.
	h := authenticate(auth, limitBody(cfg.MaxBodyBytes, srv))
	if cfg.RateLimit > 0 {
		h = newKeyLimiter(cfg.RateLimit, cfg.RateBurst).wrap(h)
	}
	return h
}

// complexity makes each connection cost its page size times its items, so
// that the complexity limit bounds what one query can fetch.
func complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Integrations = func(child int, first *int, _ *string, last *int, _ *string, _ *model.IntegrationFilter, _ *model.IntegrationOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.Bots = func(child int, first *int, _ *string, last *int, _ *string, _ *model.BotOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.Conversations = func(child int, _ string, _ *conversation.Status, first *int, _ *string, last *int, _ *string, _ *model.ConversationOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.Messages = func(child int, _ string, first *int, _ *string, last *int, _ *string, _ *model.MessageOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.IntegrationErrors = func(child int, _ string, first *int, _ *string, last *int, _ *string, _ *model.IntegrationErrorOrder) int {
		return pageCost(child, first, last)
	}
	c.Query.APIKeys = func(child int, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Bot.Versions = func(child int, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Integration.Diagnostics = func(child int) int {
		return diagnosticsCost + child
	}
	c.Query.Nodes = func(child int, ids []string) int {
		return 1 + child*max(len(ids), 1)
	}
	return c
}

func pageCost(child int, first, last *int) int {
	n := defaultPageSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return 1 + child*max(min(n, maxPageSize), 1)
}

// limitBody refuses bodies over limit: at once when Content-Length says
// so, otherwise when reading passes it.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeError(w, http.StatusRequestEntityTooLarge, CodeBadUserInput, "the request body is too large")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}
