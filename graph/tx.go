package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/ent"
)

// transactioner gives every mutation operation one transaction: committed
// when the response has no error, rolled back otherwise (a panic included).
// Unlike entgql's, it opens the transaction on the first write rather than
// up front, so that no transaction is held while Meta is called first; on
// SQLite a transaction holds the one write lock.
type transactioner struct {
	client *ent.Client
	logger *slog.Logger
}

var (
	_ graphql.HandlerExtension    = transactioner{}
	_ graphql.ResponseInterceptor = transactioner{}
	_ graphql.FieldInterceptor    = transactioner{}
)

func (transactioner) ExtensionName() string                          { return "Transactioner" }
func (transactioner) Validate(schema graphql.ExecutableSchema) error { return nil }

type txKey struct{}

// opTx is the transaction of one mutation operation.
type opTx struct {
	root *ent.Client
	ctx  context.Context // the operation's, which the transaction lives in

	// fields serialises field resolvers: an ent transaction is one
	// connection, not safe for concurrent queries.
	fields sync.Mutex

	mu       sync.Mutex
	tx       *ent.Tx
	onCommit []func(context.Context)
}

func txFrom(ctx context.Context) *opTx {
	t, _ := ctx.Value(txKey{}).(*opTx)
	return t
}

// client returns the transaction's client, opening it on first use.
func (t *opTx) client() (*ent.Client, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tx == nil {
		tx, err := t.root.Tx(t.ctx)
		if err != nil {
			return nil, fmt.Errorf("starting transaction: %w", err)
		}
		t.tx = tx
	}
	return t.tx.Client(), nil
}

// opened returns the transaction's client if it is open.
func (t *opTx) opened() *ent.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tx == nil {
		return nil
	}
	return t.tx.Client()
}

func (t *opTx) take() *ent.Tx {
	t.mu.Lock()
	defer t.mu.Unlock()
	tx := t.tx
	t.tx = nil
	return tx
}

func (tr transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return next(ctx)
	}
	t := &opTx{root: tr.client, ctx: ctx}
	ctx = context.WithValue(ctx, txKey{}, t)
	defer func() {
		if p := recover(); p != nil {
			if tx := t.take(); tx != nil {
				_ = tx.Rollback()
			}
			panic(p)
		}
	}()
	resp := next(ctx)
	tx := t.take()
	if tx == nil {
		return resp
	}
	if resp == nil || len(resp.Errors) > 0 {
		if err := tx.Rollback(); err != nil {
			tr.logger.ErrorContext(ctx, "rolling back mutation", "err", err)
		}
		return resp
	}
	if err := tx.Commit(); err != nil {
		tr.logger.ErrorContext(ctx, "committing mutation", "err", err)
		e := &gqlerror.Error{Message: "internal error: nothing was saved"}
		errcode.Set(e, CodeInternal)
		if errors.Is(err, context.Canceled) {
			e.Message = "the request was cancelled: nothing was saved"
		}
		return &graphql.Response{Errors: gqlerror.List{e}}
	}
	after := context.WithoutCancel(ctx)
	for _, fn := range t.onCommit {
		fn(after)
	}
	return resp
}

// InterceptField runs a mutation's field resolvers one at a time. It runs
// for every field of every response, subscription events included, so the
// field context (the nearest value of ctx) is asked first: looking for the
// transaction walks the whole chain of contexts when there is none.
func (transactioner) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if fc := graphql.GetFieldContext(ctx); fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	t := txFrom(ctx)
	if t == nil {
		return next(ctx)
	}
	t.fields.Lock()
	defer t.fields.Unlock()
	return next(ctx)
}

// opDB gives the domain package the clients of the current operation.
type opDB struct{ root *ent.Client }

// Read returns the open transaction's client, so that a mutation reads its
// own writes, or else the root client.
func (d opDB) Read(ctx context.Context) *ent.Client {
	if t := txFrom(ctx); t != nil {
		if c := t.opened(); c != nil {
			return c
		}
	}
	return d.root
}

// errNotMutation guards against a write from a query resolver.
var errNotMutation = errors.New("write outside a mutation")

// Write returns the mutation's transaction, opening it on first use.
func (d opDB) Write(ctx context.Context) (*ent.Client, error) {
	t := txFrom(ctx)
	if t == nil {
		return nil, errNotMutation
	}
	return t.client()
}

// afterCommit runs fn once the mutation's transaction has committed, or
// now outside a mutation.
func afterCommit(ctx context.Context, fn func(context.Context)) {
	t := txFrom(ctx)
	if t == nil {
		fn(ctx)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onCommit = append(t.onCommit, fn)
}
