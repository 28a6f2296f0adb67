package main

import (
	"fmt"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

func report(o options, samples map[string]map[int][]benchkit.Sample, throttled int64) {
	fmt.Printf("\nmedians of %d rounds, %s each; %d integrations per page; %d API keys\n\n", o.rounds, o.duration, o.integrations, o.keys)
	fmt.Println("| in flight | graphql req/s | graphql p50 ms | graphql p99 ms | ent req/s | ent p50 ms | ent p99 ms | graphql/ent | errors |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range o.levels {
		g := benchkit.Summarise(samples["graphql"][c])
		e := benchkit.Summarise(samples["ent"][c])
		var ratios []float64
		for i, es := range samples["ent"][c] {
			if r := es.Rate(); r > 0 {
				ratios = append(ratios, samples["graphql"][c][i].Rate()/r)
			}
		}
		fmt.Printf("| %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f× | %d |\n",
			c, g.Rate, g.P50, g.P99, e.Rate, e.P50, e.P99, benchkit.Median(ratios), g.Errors+e.Errors)
	}
	fmt.Printf("\nrequests refused by the per-key rate limit (429): %d\n", throttled)
}
