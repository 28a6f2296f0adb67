package graph

import (
	"context"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/tenant"
)

// feedBuffer is the bus buffer of one feed. A feed is shared by every
// subscription with the same filter, so it can afford room for bursts.
const feedBuffer = 256

// feeds shares, among the subscriptions of one field with the same filter,
// one bus subscription, one goroutine and the conversion of each event:
// 10,000 dashboards watching one integration cost one reload and one model
// value per event, and each subscription holds only a bounded channel that
// gqlgen reads directly.
type feeds[T any] struct {
	bus   eventbus.Bus
	kinds []string
	opts  []eventbus.SubscribeOption
	// converter returns a feed's conversion; its state (what was sent
	// already) is the feed's own.
	converter func() converter[T]
	live      prometheus.Gauge
	// fellBehind tells a subscription that it was closed for falling
	// behind; ctx is its resolver's.
	fellBehind func(ctx context.Context)

	mu sync.Mutex
	m  map[feedKey]*feed[T]
}

// converter turns an event into what is sent, or reports false to skip it.
// ctx carries the feed's account.
type converter[T any] func(ctx context.Context, ev eventbus.Event) (T, bool)

// feedKey is a feed's filter; the kinds are the field's.
type feedKey struct{ account, integration, conversation int }

type feed[T any] struct {
	key feedKey
	sub *eventbus.Subscription

	mu    sync.Mutex // guards sinks; held while delivering
	sinks map[*sink[T]]struct{}
}

// sink is one subscription: gqlgen reads ch, which is closed by whoever
// removes the sink from its feed.
type sink[T any] struct {
	ch   chan T
	ctx  context.Context
	stop func() bool // stops the AfterFunc that removes the sink with ctx
}

func newFeeds[T any](bus eventbus.Bus, live prometheus.Gauge, kinds []string, opts []eventbus.SubscribeOption, converter func() converter[T]) *feeds[T] {
	return &feeds[T]{bus: bus, kinds: kinds, opts: opts, converter: converter, live: live,
		fellBehind: reportSlow, m: make(map[feedKey]*feed[T])}
}

// subscribe returns a channel of k's values until ctx ends or the
// subscription falls behind. Authorise before calling it.
func (fs *feeds[T]) subscribe(ctx context.Context, k feedKey) (<-chan T, error) {
	s := &sink[T]{ch: make(chan T, subscriptionBuffer), ctx: ctx}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.m[k]
	if f == nil {
		var err error
		if f, err = fs.start(k); err != nil {
			return nil, err
		}
		fs.m[k] = f
	}
	f.mu.Lock()
	f.sinks[s] = struct{}{}
	// Set under f.mu, which remove takes first: if ctx is already done
	// the callback waits for it.
	s.stop = context.AfterFunc(ctx, func() {
		if fs.remove(f, s) {
			close(s.ch)
		}
	})
	f.mu.Unlock()
	fs.live.Inc()
	return s.ch, nil
}

// start subscribes a new feed to the bus; fs.mu is held.
func (fs *feeds[T]) start(k feedKey) (*feed[T], error) {
	filter := eventbus.Filter{AccountID: k.account, IntegrationID: k.integration, ConversationID: k.conversation, Kinds: fs.kinds}
	opts := append(fs.opts[:len(fs.opts):len(fs.opts)], eventbus.WithBuffer(feedBuffer))
	sub, err := fs.bus.Subscribe(context.Background(), filter, opts...)
	if err != nil {
		return nil, err
	}
	f := &feed[T]{key: k, sub: sub, sinks: make(map[*sink[T]]struct{})}
	go fs.run(f, fs.converter())
	return f, nil
}

// run converts each event once and offers it to every sink.
func (fs *feeds[T]) run(f *feed[T], convert converter[T]) {
	ctx := tenant.WithAccount(context.Background(), f.key.account)
	for ev := range f.sub.C() {
		if v, ok := convert(ctx, ev); ok {
			fs.deliver(f, v)
		}
	}
	// The bus ended the feed: it fell behind, or the bus closed. (When the
	// last sink left, there is none to end.)
	fs.mu.Lock()
	if fs.m[f.key] == f {
		delete(fs.m, f.key)
	}
	f.mu.Lock()
	sinks := f.sinks
	f.sinks = nil
	f.mu.Unlock()
	fs.mu.Unlock()
	fs.live.Sub(float64(len(sinks)))
	slow := errors.Is(f.sub.Err(), eventbus.ErrSlowSubscriber)
	for s := range sinks {
		fs.end(s, slow)
	}
}

// deliver offers v to every sink without blocking; a sink whose buffer is
// full is ended as too slow.
func (fs *feeds[T]) deliver(f *feed[T], v T) {
	var slow []*sink[T]
	f.mu.Lock()
	for s := range f.sinks {
		select {
		case s.ch <- v:
		default:
			slow = append(slow, s)
		}
	}
	f.mu.Unlock()
	for _, s := range slow {
		if fs.remove(f, s) {
			fs.end(s, true)
		}
	}
}

// remove takes s out of f, reporting whether it was there: the caller then
// owns ending it. The last sink to leave closes the feed.
func (fs *feeds[T]) remove(f *feed[T], s *sink[T]) bool {
	fs.mu.Lock()
	f.mu.Lock()
	_, ok := f.sinks[s]
	delete(f.sinks, s)
	last := ok && len(f.sinks) == 0 && fs.m[f.key] == f
	if last {
		delete(fs.m, f.key)
	}
	f.mu.Unlock()
	fs.mu.Unlock()
	if ok {
		fs.live.Dec()
	}
	if last {
		f.sub.Close()
	}
	return ok
}

// end closes a sink that its context did not end; a slow one learns why.
func (fs *feeds[T]) end(s *sink[T], slow bool) {
	s.stop()
	if slow && s.ctx.Err() == nil {
		fs.fellBehind(s.ctx)
	}
	close(s.ch)
}

// reportSlow has gqlgen send SLOW_SUBSCRIBER when the channel closes.
func reportSlow(ctx context.Context) {
	transport.AddSubscriptionError(ctx, newError(ctx, CodeSlowSubscriber,
		"this subscription fell behind and was closed: subscribe again and refetch"))
}
