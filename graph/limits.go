package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/time/rate"

	"github.com/intalos/integrations/internal/apikey"
)

// depthLimit refuses operations nested deeper than max. Introspection
// fields are not counted: their depth is bounded by the schema, and
// GraphiQL's own introspection query is deeper than any real query needs.
type depthLimit struct{ max int }

var (
	_ graphql.HandlerExtension        = depthLimit{}
	_ graphql.OperationContextMutator = depthLimit{}
)

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Doc, oc.Operation.SelectionSet, 0); depth > d.max {
		err := gqlerror.Errorf("the query is %d levels deep; at most %d are allowed", depth, d.max)
		errcode.Set(err, errcode.ValidationFailed)
		return err
	}
	return nil
}

// selectionDepth is the depth of the deepest field under set; counting
// spreads stops cyclic fragments (which validation refuses anyway).
func selectionDepth(doc *ast.QueryDocument, set ast.SelectionSet, spreads int) int {
	if spreads > 50 {
		return spreads
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + selectionDepth(doc, s.SelectionSet, spreads)
		case *ast.InlineFragment:
			d = selectionDepth(doc, s.SelectionSet, spreads)
		case *ast.FragmentSpread:
			if f := doc.Fragments.ForName(s.Name); f != nil {
				d = selectionDepth(doc, f.SelectionSet, spreads+1)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// keyLimiter holds a token bucket per API key, keyed by the key's hash so
// that no key is kept in memory. The least recently seen keys are forgotten
// first, which bounds memory whatever the number of keys.
type keyLimiter struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	keys  *lru.Cache[string, *rate.Limiter]
}

func newKeyLimiter(limit rate.Limit, burst int) *keyLimiter {
	keys, _ := lru.New[string, *rate.Limiter](10000) // only fails for a size <= 0
	return &keyLimiter{limit: limit, burst: burst, keys: keys}
}

func (l *keyLimiter) allow(key string) bool {
	h := apikey.Hash(key)
	l.mu.Lock()
	lim, ok := l.keys.Get(h)
	if !ok {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.keys.Add(h, lim)
	}
	l.mu.Unlock()
	return lim.Allow()
}

// wrap answers 429 to a key over its rate. Requests without a key are not
// limited here: they are refused as unauthenticated.
func (l *keyLimiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key, ok := bearerToken(r.Header.Get("Authorization")); ok && !l.allow(key) {
			retry := max(1, int(1/float64(l.limit)))
			w.Header().Set("Retry-After", strconv.Itoa(retry))
			writeError(w, http.StatusTooManyRequests, CodeRateLimited, "too many requests for this API key: slow down")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeError answers a request refused before GraphQL execution, in the
// GraphQL response shape.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	e := &gqlerror.Error{Message: msg}
	errcode.Set(e, code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(graphql.Response{Errors: gqlerror.List{e}})
}
