package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect/sql"

	"net/http"

	"github.com/intalos/integrations/bench/internal/benchkit"
	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/account"
	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

// httpLister asks the server for the list, rotating over the API keys.
type httpLister struct {
	base      string
	keys      []string
	client    *http.Client
	want      int
	next      atomic.Int64
	throttled atomic.Int64
}

func (h *httpLister) list(int) (time.Duration, error) {
	g := benchkit.GraphQL{Base: h.base, Key: h.keys[int(h.next.Add(1))%len(h.keys)], HTTP: h.client}
	var out struct {
		Integrations struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					LastActivityAt *string
					Bot            *struct{ ID string }
				}
			}
		}
	}
	start := time.Now()
	err := g.Do(integrationsList, nil, &out)
	elapsed := time.Since(start)
	if err != nil {
		if strings.Contains(err.Error(), "HTTP 429") {
			h.throttled.Add(1)
		}
		return 0, err
	}
	if len(out.Integrations.Edges) != h.want || out.Integrations.Edges[h.want-1].Node.Bot == nil {
		return 0, fmt.Errorf("listed %d integrations, want %d with bots", len(out.Integrations.Edges), h.want)
	}
	return elapsed, nil
}

// entLister runs, in this process, the queries the GraphQL list costs:
// the count, the page of integrations, their bots and each bot's latest
// version (graph's BenchmarkIntegrationsList, "ent" half).
type entLister struct {
	client *ent.Client
	ctx    context.Context
	want   int
}

func newEntLister(db *store.DB, want int) (*entLister, error) {
	acct, err := db.Client.Account.Query().Order(ent.Asc(account.FieldID)).First(tenant.AsSystem(context.Background()))
	if err != nil {
		return nil, fmt.Errorf("finding the account: %w", err)
	}
	return &entLister{client: db.Client, ctx: tenant.WithAccount(context.Background(), acct.ID), want: want}, nil
}

func (e *entLister) list(int) (time.Duration, error) {
	start := time.Now()
	q := e.client.Integration.Query()
	if _, err := q.Clone().Count(e.ctx); err != nil {
		return 0, err
	}
	rows, err := q.WithBot(func(bq *ent.BotQuery) {
		bq.WithVersions(func(vq *ent.BotVersionQuery) {
			vq.Where(func(s *sql.Selector) {
				newer := sql.Table(botversion.Table).As("newer")
				s.Where(sql.NotExists(sql.Select(newer.C(botversion.FieldID)).From(newer).Where(sql.And(
					sql.ColumnsEQ(newer.C(botversion.FieldBotID), s.C(botversion.FieldBotID)),
					sql.ColumnsGT(newer.C(botversion.FieldNumber), s.C(botversion.FieldNumber)),
				))))
			})
		})
	}).Order(ent.Asc(integration.FieldCreatedAt), ent.Asc(integration.FieldID)).Limit(101).All(e.ctx)
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	if len(rows) != e.want {
		return 0, fmt.Errorf("ent listed %d integrations, want %d", len(rows), e.want)
	}
	return elapsed, nil
}
