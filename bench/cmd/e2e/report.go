package main

import (
	"fmt"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

func report(o options, samples map[int][]benchkit.Sample) {
	fmt.Printf("\nmedians of %d rounds, %s each; %s, %d instance(s), %d number(s) at %.0f msgs/s each, statuses %v\n\n",
		o.rounds, o.duration, o.db, o.instances, o.numbers, o.mps, o.statuses)
	fmt.Println("| contacts waiting | msgs/s | p50 ms | p99 ms | replies | errors |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	for _, c := range o.levels {
		m := benchkit.Summarise(samples[c])
		fmt.Printf("| %d | %.0f | %.1f | %.1f | %d | %d |\n", c, m.Rate, m.P50, m.P99, m.Ops, m.Errors)
	}
}
