package eventbus

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const benchSubscribers = 10_000

// BenchmarkFanOut10k measures one publish reaching 10,000 subscribers of one
// account, each read by its own goroutine as a resolver would: ns/op is the
// time from Publish to the last subscriber holding the event; p50/p99 are
// the same per publish, publish-ns is what the publisher itself waits.
func BenchmarkFanOut10k(b *testing.B) {
	bus := NewInProcess(nil, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var remaining atomic.Int64
	all := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for range benchSubscribers {
		s, err := bus.Subscribe(ctx, Filter{AccountID: 1, IntegrationID: 7})
		if err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			for range s.C() {
				if remaining.Add(-1) == 0 {
					all <- struct{}{}
				}
			}
		})
	}
	ev := Event{Kind: KindMessageInbound, AccountID: 1, IntegrationID: 7, ConversationID: 9, MessageID: 1}
	var latencies, publishes []time.Duration
	for b.Loop() {
		remaining.Store(benchSubscribers)
		start := time.Now()
		if err := bus.Publish(ctx, ev); err != nil {
			b.Fatal(err)
		}
		publishes = append(publishes, time.Since(start))
		<-all
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	_ = bus.Close()
	if n := bus.hub.count(); n != 0 {
		b.Fatalf("%d subscriptions left", n)
	}
	b.ReportMetric(float64(percentile(latencies, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(latencies, 99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(percentile(publishes, 50).Nanoseconds()), "publish-ns")
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// BenchmarkIdleSubscriberMemory reports the heap held by one idle
// subscription (B/subscriber), and with the goroutine a resolver keeps per
// subscription (B/subscriber+goroutine, stack included).
func BenchmarkIdleSubscriberMemory(b *testing.B) {
	var perSub, perSubGoroutine float64
	for b.Loop() {
		bus := NewInProcess(nil, 0)
		ctx, cancel := context.WithCancel(context.Background())
		base := memInUse()
		subs := make([]*Subscription, benchSubscribers)
		for i := range subs {
			s, err := bus.Subscribe(ctx, Filter{AccountID: 1 + i%100, IntegrationID: i})
			if err != nil {
				b.Fatal(err)
			}
			subs[i] = s
		}
		withSubs := memInUse()
		var wg sync.WaitGroup
		for _, s := range subs {
			wg.Go(func() {
				for range s.C() {
				}
			})
		}
		withGoroutines := memInUse()
		perSub = float64(withSubs-base) / benchSubscribers
		perSubGoroutine = float64(withGoroutines-base) / benchSubscribers
		cancel()
		wg.Wait()
		_ = bus.Close()
		runtime.KeepAlive(subs)
	}
	b.ReportMetric(perSub, "B/subscriber")
	b.ReportMetric(perSubGoroutine, "B/subscriber+goroutine")
}

// memInUse is heap plus goroutine stacks after a collection.
func memInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}
