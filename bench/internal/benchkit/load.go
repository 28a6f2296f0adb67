package benchkit

import (
	"sync"
	"time"
)

// Op is one operation of worker w; it returns the latency to record, or an
// error (counted, not recorded).
type Op func(w int) (time.Duration, error)

// RunFor runs op in a closed loop from concurrency workers for d and
// returns what completed. Operations in flight at the end still count
// when they finish.
func RunFor(d time.Duration, concurrency int, op Op) Sample {
	var (
		mu     sync.Mutex
		sample Sample
		wg     sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := range concurrency {
		wg.Go(func() {
			var lat []time.Duration
			errs := 0
			for time.Now().Before(deadline) {
				l, err := op(w)
				if err != nil {
					errs++
					continue
				}
				lat = append(lat, l)
			}
			mu.Lock()
			sample.Latencies = append(sample.Latencies, lat...)
			sample.Errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	sample.Elapsed = time.Since(start)
	sample.Ops = len(sample.Latencies)
	sample.Finish()
	return sample
}
