package main

import (
	"context"
	"fmt"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
	"github.com/intalos/integrations/internal/store"
)

// integrationsList is what the dashboard's integrations page asks (the
// query of graph's BenchmarkIntegrationsList).
const integrationsList = `{ integrations(first: 100) { totalCount
	edges { cursor node { id name status lastActivityAt bot { id name published latestVersion { number } } } }
	pageInfo { hasNextPage endCursor } } }`

func run(o options) error {
	env, err := benchkit.Setup(benchkit.EnvConfig{
		Tool: "gqlreads", DBPrefix: "bench_gql", Dialect: o.db, AdminDSN: o.adminDSN, ServerBin: o.serverBin,
	})
	if err != nil {
		return err
	}
	defer env.Close()
	srv, first := env.Server(), env.Key
	keys, err := createKeys(benchkit.GraphQL{Base: srv.Base(), Key: first}, o.keys)
	if err != nil {
		return err
	}
	if err := seed(srv.Base(), keys, o.integrations); err != nil {
		return err
	}
	if err := waitForActivity(benchkit.GraphQL{Base: srv.Base(), Key: first}, o.integrations); err != nil {
		return err
	}

	src, err := store.ParseURL(env.DB.URL, env.Dir)
	if err != nil {
		return err
	}
	direct, err := store.Open(context.Background(), src)
	if err != nil {
		return err
	}
	defer direct.Close()
	lister, err := newEntLister(direct, o.integrations)
	if err != nil {
		return err
	}

	top := o.levels[len(o.levels)-1]
	h := &httpLister{base: srv.Base(), keys: keys, client: benchkit.Client(top), want: o.integrations}
	sides := []struct {
		name string
		op   benchkit.Op
	}{{"graphql", h.list}, {"ent", lister.list}}
	for _, s := range sides {
		benchkit.RunFor(o.warmup, top, s.op)
	}
	samples := map[string]map[int][]benchkit.Sample{"graphql": {}, "ent": {}}
	for r := 1; r <= o.rounds; r++ {
		for _, c := range o.levels {
			for _, s := range sides {
				smp := benchkit.RunFor(o.duration, c, s.op)
				samples[s.name][c] = append(samples[s.name][c], smp)
				fmt.Printf("round %d %-7s c=%-3d %7.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d\n",
					r, s.name, c, smp.Rate(), smp.P(0.5), smp.P(0.99), smp.Errors)
			}
		}
	}
	report(o, samples, h.throttled.Load())
	return nil
}

// waitForActivity waits until every integration shows a last activity.
func waitForActivity(g benchkit.GraphQL, n int) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out struct {
			Integrations struct {
				Edges []struct {
					Node struct{ LastActivityAt *string }
				}
			}
		}
		if err := g.Do(`{ integrations(first: 100) { edges { node { lastActivityAt } } } }`, nil, &out); err != nil {
			return err
		}
		with := 0
		for _, e := range out.Integrations.Edges {
			if e.Node.LastActivityAt != nil {
				with++
			}
		}
		if with == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d integrations have a last activity after 30s", with, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
