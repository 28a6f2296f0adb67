package graph

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intalos/integrations/internal/eventbus"
)

// subscribeCounter counts the bus subscriptions the feeds make.
type subscribeCounter struct {
	eventbus.Bus
	n atomic.Int64
}

func (b *subscribeCounter) Subscribe(ctx context.Context, f eventbus.Filter, opts ...eventbus.SubscribeOption) (*eventbus.Subscription, error) {
	b.n.Add(1)
	return b.Bus.Subscribe(ctx, f, opts...)
}

// TestFeeds: subscriptions with one filter share one bus subscription
// and each value; one that does not read is closed as slow without
// holding up the other; the last to leave ends the bus subscription.
func TestFeeds(t *testing.T) {
	inner := eventbus.NewInProcess(nil, 0)
	defer inner.Close()
	bus := &subscribeCounter{Bus: inner}
	live := prometheus.NewGauge(prometheus.GaugeOpts{Name: "live"})
	var converted atomic.Int64
	fs := newFeeds(bus, live, []string{eventbus.KindMessageInbound}, nil, func() converter[*int] {
		return func(_ context.Context, ev eventbus.Event) (*int, bool) {
			converted.Add(1)
			return &ev.MessageID, true
		}
	})
	slowCtx := make(chan context.Context, 1)
	fs.fellBehind = func(ctx context.Context) { slowCtx <- ctx }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stalledCtx, cancelStalled := context.WithCancel(context.Background())
	defer cancelStalled()
	k := feedKey{account: 1, integration: 2}
	reader, err := fs.subscribe(ctx, k)
	must(t, err)
	stalled, err := fs.subscribe(stalledCtx, k)
	must(t, err)
	other, err := fs.subscribe(ctx, feedKey{account: 2, integration: 2})
	must(t, err)
	if n := bus.n.Load(); n != 2 {
		t.Fatalf("%d bus subscriptions for two filters", n)
	}
	if n := gauge(live); n != 3 {
		t.Fatalf("live = %v, want 3", n)
	}

	publish := func(id int) {
		t.Helper()
		must(t, inner.Publish(context.Background(), eventbus.Event{Kind: eventbus.KindMessageInbound, AccountID: 1, IntegrationID: 2, MessageID: id}))
	}
	for i := 1; i <= subscriptionBuffer+1; i++ {
		publish(i)
		if v := recv(t, reader); v == nil || *v != i {
			t.Fatalf("event %d: got %v", i, v)
		}
	}
	if got := <-slowCtx; got != stalledCtx {
		t.Error("the slow subscription was not the one told")
	}
	n := 0
	for range stalled {
		n++
	}
	if n != subscriptionBuffer {
		t.Errorf("the stalled subscription had %d events, want %d", n, subscriptionBuffer)
	}
	if c := converted.Load(); c != subscriptionBuffer+1 {
		t.Errorf("%d conversions for %d events", c, subscriptionBuffer+1)
	}
	select {
	case v := <-other:
		t.Fatalf("another account's subscription got %v", v)
	default:
	}

	cancel()
	for _, ch := range []<-chan *int{reader, other} {
		select {
		case _, ok := <-ch:
			for ok {
				_, ok = <-ch
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a cancelled subscription stayed open")
		}
	}
	fs.mu.Lock()
	left := len(fs.m)
	fs.mu.Unlock()
	if left != 0 || gauge(live) != 0 {
		t.Errorf("%d feeds and %v subscriptions left", left, gauge(live))
	}
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no value")
	}
	var zero T
	return zero
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func gauge(g prometheus.Gauge) float64 {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(g)
	mfs, _ := reg.Gather()
	return mfs[0].GetMetric()[0].GetGauge().GetValue()
}
