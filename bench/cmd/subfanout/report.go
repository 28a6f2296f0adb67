package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

func median(d []time.Duration) float64 {
	var ms []float64
	for _, x := range d {
		ms = append(ms, benchkit.Ms(x))
	}
	return benchkit.Median(ms)
}

func maxMs(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	return benchkit.Ms(slices.Max(d))
}

func report(o options, base memory, levels []level) {
	fmt.Printf("\n%d events per level, posted one at a time; latency from the webhook POST; memory is the server's growth over its idle footprint (RSS %.0f MiB) divided by the subscribers\n\n",
		o.events, base.rss/(1<<20))
	fmt.Println("| subscribers | ack p50 ms | POST→first p50 ms | POST→last p50 ms | POST→last max ms | missed | server heap+stacks / subscriber | server RSS / subscriber | goroutines / subscriber |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, lv := range levels {
		n := float64(lv.n)
		fmt.Printf("| %d | %.1f | %.1f | %.1f | %.1f | %d | %.1f KiB | %.1f KiB | %.1f |\n",
			lv.n, median(lv.acked), median(lv.first), median(lv.last), maxMs(lv.last), lv.missed,
			(lv.mem.heapStack-base.heapStack)/n/1024, (lv.mem.rss-base.rss)/n/1024, (lv.mem.goroutines-base.goroutines)/n)
	}
}
