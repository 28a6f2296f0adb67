package main

import (
	"fmt"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

// report prints the medians as a Markdown table.
func report(o options, res results, pg *pgLimit, perCommit float64) {
	fmt.Printf("\nmedians of %d rounds, %s each; %d-byte texts; -bot %s\n\n", o.rounds, o.duration, o.textBytes, o.bot)
	fmt.Println("| in flight | bare msgs/s | bare p50 ms | bare p99 ms | server msgs/s | server p50 ms | server p99 ms | server/bare | errors |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	pgTPS := benchkit.Median(res.pgTPS)
	var best, atClients float64
	for _, c := range o.levels {
		b := benchkit.Summarise(res.samples["bare"][c])
		s := benchkit.Summarise(res.samples["server"][c])
		var ratios []float64
		for i, bs := range res.samples["bare"][c] {
			if r := bs.Rate(); r > 0 {
				ratios = append(ratios, res.samples["server"][c][i].Rate()/r)
			}
		}
		best = max(best, s.Rate)
		if c == o.pgbenchCli {
			atClients = s.Rate
		}
		fmt.Printf("| %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f× | %d |\n",
			c, b.Rate, b.P50, b.P99, s.Rate, s.P50, s.P99, benchkit.Median(ratios), b.Errors+s.Errors)
	}
	if perCommit > 0 {
		fmt.Printf("\nserver: %.1f POSTs per commit on average over the measured rounds\n", perCommit)
	}
	if pg != nil {
		fmt.Printf("pgbench (%s): median %.0f tps (%v)\n", pg.command(o.pgbenchDur), pgTPS, res.pgTPS)
		fmt.Printf("server's best msgs/s / pgbench tps: %s\n", benchkit.Ratio(best, pgTPS))
		if atClients > 0 {
			fmt.Printf("server at %d in flight / pgbench at %d clients: %s\n", o.pgbenchCli, o.pgbenchCli, benchkit.Ratio(atClients, pgTPS))
		}
	}
}
