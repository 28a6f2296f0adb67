package graph_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

// countingDriver counts the queries sent through it (STYLE §7).
type countingDriver struct {
	dialect.Driver
	queries atomic.Int64
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.queries.Add(1)
	return d.Driver.Query(ctx, query, args, v)
}

// countingClient is a second client on db's connections whose queries are
// counted.
func countingClient(db *store.DB) (*ent.Client, *countingDriver) {
	drv := &countingDriver{Driver: entsql.OpenDB(db.Dialect, db.SQL)}
	return ent.NewClient(ent.Driver(drv)), drv
}

// integrationsList is what the integrations page of the dashboard asks.
const integrationsList = `{ integrations(first: 100) { totalCount
	edges { cursor node { id name status lastActivityAt bot { id name published latestVersion { number } } } }
	pageInfo { hasNextPage endCursor } } }`

// seedList stores integrations from to to, each with a bot of three versions.
func seedList(t testing.TB, db *store.DB, e *env, acct, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		b := seedBot(t, db.Client, acct, fmt.Sprintf("bot %03d", i), 3)
		in := seedIntegration(t, db.Client, e.box, acct, fmt.Sprintf("line %03d", i), fmt.Sprint(4900000+i), &b.ID)
		db.Client.Integration.UpdateOneID(in.ID).SetLastActivityAt(time.Now()).ExecX(sys())
	}
}

// The integrations list costs the same number of queries for 10 items as
// for 100: count, integrations, their bots, the bots' latest versions.
func TestIntegrationsListQueryCount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		client, counter := countingClient(db)
		e := newEnvClient(t, db, client, graph.HandlerConfig{})
		acct, key := e.account("Acme")
		counts := map[int]int64{}
		seeded := 0
		for _, n := range []int{10, 100} {
			seedList(t, db, e, acct, seeded, n)
			seeded = n
			counter.queries.Store(0)
			d := e.ok(key, integrationsList, nil)
			counts[n] = counter.queries.Load()
			if get(d, "integrations.totalCount") != float64(n) || get(d, fmt.Sprintf("integrations.edges.%d.node.bot.latestVersion.number", n-1)) != 3.0 {
				t.Fatalf("list of %d: %v", n, get(d, "integrations.totalCount"))
			}
		}
		t.Logf("queries: %v", counts)
		if counts[10] != counts[100] || counts[100] != 4 {
			t.Errorf("queries for 10 and 100 items = %d, %d; want 4 each", counts[10], counts[100])
		}
	})
}

// BenchmarkIntegrationsList compares the GraphQL list (HTTP, auth, parse,
// resolvers, JSON) with the ent query doing the same database work, on
// PostgreSQL. The ratio is graphql ns/op over ent ns/op.
func BenchmarkIntegrationsList(b *testing.B) {
	db := testdb.Postgres(b)
	e := newEnv(b, db, graph.HandlerConfig{RateLimit: -1})
	acct, key := e.account("Bench")
	seedList(b, db, e, acct, 0, 100)
	ctx := tenant.WithAccount(context.Background(), acct)

	b.Run("graphql", func(b *testing.B) {
		for b.Loop() {
			r := e.do(key, integrationsList, nil)
			if len(r.Errors) > 0 {
				b.Fatal(r.raw)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("ent", func(b *testing.B) {
		for b.Loop() {
			q := db.Client.Integration.Query()
			if _, err := q.Clone().Count(ctx); err != nil {
				b.Fatal(err)
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
			}).Order(ent.Asc(integration.FieldCreatedAt), ent.Asc(integration.FieldID)).Limit(101).All(ctx)
			if err != nil || len(rows) != 100 {
				b.Fatal(err, len(rows))
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}
