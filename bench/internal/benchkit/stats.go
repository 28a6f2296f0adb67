package benchkit

import (
	"fmt"
	"slices"
	"time"
)

// Quantile returns the q-quantile (0..1) of sorted, nearest rank.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Sample is one measured interval: how many operations completed in how
// long, with each one's latency.
type Sample struct {
	Ops       int
	Errors    int
	Elapsed   time.Duration
	Latencies []time.Duration // sorted by Finish
}

// Finish sorts the latencies; call it once before reading quantiles.
func (s *Sample) Finish() { slices.Sort(s.Latencies) }

// Rate is operations per second.
func (s Sample) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Ops) / s.Elapsed.Seconds()
}

// P returns the q-quantile latency in milliseconds.
func (s Sample) P(q float64) float64 { return Ms(Quantile(s.Latencies, q)) }

// Ms converts a duration to fractional milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Medians summarises several samples of the same thing: the median rate,
// p50 and p99 over the samples.
type Medians struct {
	Rate, P50, P99 float64
	Ops, Errors    int
}

// Summarise takes the median of each figure over samples.
func Summarise(samples []Sample) Medians {
	var rates, p50s, p99s []float64
	var m Medians
	for _, s := range samples {
		rates = append(rates, s.Rate())
		p50s = append(p50s, s.P(0.50))
		p99s = append(p99s, s.P(0.99))
		m.Ops += s.Ops
		m.Errors += s.Errors
	}
	m.Rate, m.P50, m.P99 = Median(rates), Median(p50s), Median(p99s)
	return m
}

// Ratio formats a/b as "0.42×", or "–" when b is zero.
func Ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}
