package eventbus

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultBuffer is the number of events a subscription holds before it is
// closed as too slow. An idle subscription costs about this many events of
// memory (roughly 150 bytes each), so it stays small.
const DefaultBuffer = 32

// SubscribeOption adjusts one subscription.
type SubscribeOption func(*subscribeConfig)

type subscribeConfig struct {
	buffer   int
	interval time.Duration
	key      func(Event) (CoalesceKey, bool)
}

// WithBuffer sets the subscription's buffer size (at least 1).
func WithBuffer(n int) SubscribeOption {
	return func(c *subscribeConfig) { c.buffer = max(n, 1) }
}

// CoalesceKey identifies the values that replace each other when coalescing.
type CoalesceKey struct {
	Kind string
	ID   int
}

// WithCoalescing keeps, for every event for which key reports true, only the
// newest value per key and delivers at most one per key per interval: the
// first immediately, later ones at the end of the interval. Other events are
// delivered as usual, so a coalesced value may arrive after events published
// later.
func WithCoalescing(interval time.Duration, key func(Event) (CoalesceKey, bool)) SubscribeOption {
	return func(c *subscribeConfig) {
		c.interval = interval
		c.key = key
	}
}

// PerIntegration is a coalescing key for WithCoalescing: events of the given
// kinds are coalesced per integration (and kind).
func PerIntegration(kinds ...string) func(Event) (CoalesceKey, bool) {
	return func(e Event) (CoalesceKey, bool) {
		for _, k := range kinds {
			if e.Kind == k {
				return CoalesceKey{Kind: e.Kind, ID: e.IntegrationID}, true
			}
		}
		return CoalesceKey{}, false
	}
}

// Subscription receives the events of one subscriber. Read C until it is
// closed, then Err says why.
type Subscription struct {
	filter Filter
	ch     chan Event
	hub    *fanout

	// dropped is set by the first failed send; the subscription is then
	// skipped and closed as soon as the publisher releases the read lock.
	dropped atomic.Bool
	// removed is guarded by hub.mu: once true nothing sends on ch.
	removed  bool
	once     sync.Once
	stopCtx  func() bool
	errMu    sync.Mutex
	err      error
	coalesce *coalescer
}

// C returns the channel of events. It is closed exactly once, when the
// subscription ends.
func (s *Subscription) C() <-chan Event { return s.ch }

// Err reports why C was closed: ErrSlowSubscriber, ErrClosed,
// ErrUnsubscribed, or the error of the context given to Subscribe. It is nil
// while the subscription is open.
func (s *Subscription) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Close ends the subscription. It is safe to call more than once and
// concurrently with publishing.
func (s *Subscription) Close() { s.hub.remove(s, ErrUnsubscribed) }

// send offers e without blocking; false means the buffer is full.
func (s *Subscription) send(e *Event) bool {
	select {
	case s.ch <- *e:
		return true
	default:
		return false
	}
}

// fanout is the delivery core shared by both buses: account → subscriptions
// behind one RWMutex. Publishers hold the read lock while they send without
// blocking; removing (and closing) takes the write lock, so no send can race
// with a close.
type fanout struct {
	log    *slog.Logger
	buffer int

	mu        sync.RWMutex
	closed    bool
	byAccount map[int]map[*Subscription]struct{}
	all       map[*Subscription]struct{} // Filter.AllAccounts
}

func newFanout(log *slog.Logger, buffer int) *fanout {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &fanout{
		log:       log,
		buffer:    buffer,
		byAccount: make(map[int]map[*Subscription]struct{}),
		all:       make(map[*Subscription]struct{}),
	}
}

func (h *fanout) subscribe(ctx context.Context, f Filter, opts []SubscribeOption) (*Subscription, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := subscribeConfig{buffer: h.buffer}
	for _, o := range opts {
		o(&cfg)
	}
	f.Kinds = append([]string(nil), f.Kinds...) // the caller may reuse its slice
	s := &Subscription{filter: f, ch: make(chan Event, cfg.buffer), hub: h}
	if cfg.key != nil && cfg.interval > 0 {
		s.coalesce = &coalescer{
			interval: cfg.interval,
			key:      cfg.key,
			last:     make(map[CoalesceKey]time.Time),
			pending:  make(map[CoalesceKey]Event),
		}
	}

	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	if f.AllAccounts {
		h.all[s] = struct{}{}
	} else {
		set := h.byAccount[f.AccountID]
		if set == nil {
			set = make(map[*Subscription]struct{})
			h.byAccount[f.AccountID] = set
		}
		set[s] = struct{}{}
	}
	// AfterFunc costs no goroutine while ctx is alive, which matters with
	// thousands of idle subscribers. Set under the lock that remove reads it
	// with; if ctx is already done the callback waits for the lock.
	s.stopCtx = context.AfterFunc(ctx, func() { h.remove(s, context.Cause(ctx)) })
	h.mu.Unlock()
	return s, nil
}

// deliver hands events to every matching subscription without blocking.
func (h *fanout) deliver(events ...Event) {
	var slow []*Subscription
	now := time.Now()
	h.mu.RLock()
	for i := range events {
		e := &events[i]
		if e.Kind == KindResync {
			for _, set := range h.byAccount {
				slow = h.offerAll(set, e, now, slow)
			}
		} else {
			slow = h.offerAll(h.byAccount[e.AccountID], e, now, slow)
		}
		slow = h.offerAll(h.all, e, now, slow)
	}
	h.mu.RUnlock()
	h.drop(slow)
}

// offerAll must be called with h.mu held for reading.
func (h *fanout) offerAll(set map[*Subscription]struct{}, e *Event, now time.Time, slow []*Subscription) []*Subscription {
	for s := range set {
		if s.dropped.Load() || !s.filter.match(e) {
			continue
		}
		var ok bool
		if s.coalesce != nil && e.Kind != KindResync {
			ok = s.coalesce.offer(s, e, now)
		} else {
			ok = s.send(e)
		}
		if !ok && s.dropped.CompareAndSwap(false, true) {
			slow = append(slow, s)
		}
	}
	return slow
}

func (h *fanout) drop(slow []*Subscription) {
	for _, s := range slow {
		h.log.Warn("eventbus: dropping slow subscriber",
			slog.Int("account_id", s.filter.AccountID),
			slog.Int("integration_id", s.filter.IntegrationID),
			slog.Int("buffer", cap(s.ch)))
		h.remove(s, ErrSlowSubscriber)
	}
}

// remove unregisters s and closes its channel once, recording why.
func (h *fanout) remove(s *Subscription, reason error) {
	h.mu.Lock()
	h.removeLocked(s, reason)
	h.mu.Unlock()
}

func (h *fanout) removeLocked(s *Subscription, reason error) {
	if s.removed {
		return
	}
	s.removed = true
	if s.filter.AllAccounts {
		delete(h.all, s)
	} else if set := h.byAccount[s.filter.AccountID]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(h.byAccount, s.filter.AccountID)
		}
	}
	if s.coalesce != nil {
		s.coalesce.stop()
	}
	s.once.Do(func() {
		s.errMu.Lock()
		s.err = reason
		s.errMu.Unlock()
		close(s.ch)
	})
	if s.stopCtx != nil {
		// Safe under h.mu: stop does not wait for a running AfterFunc.
		s.stopCtx()
	}
}

// close ends every subscription with reason and refuses new ones.
func (h *fanout) close(reason error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, set := range h.byAccount {
		for s := range set {
			h.removeLocked(s, reason)
		}
	}
	for s := range h.all {
		h.removeLocked(s, reason)
	}
}

func (h *fanout) isClosed() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.closed
}

// count returns the number of live subscriptions (tests, metrics).
func (h *fanout) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := len(h.all)
	for _, set := range h.byAccount {
		n += len(set)
	}
	return n
}

// coalescer holds, per key, the newest value not yet delivered and when a
// value was last delivered.
type coalescer struct {
	interval time.Duration
	key      func(Event) (CoalesceKey, bool)

	mu       sync.Mutex
	last     map[CoalesceKey]time.Time
	pending  map[CoalesceKey]Event
	timer    *time.Timer
	timerDue time.Time
	stopped  bool
}

// offer is called with the fanout's read lock held.
func (c *coalescer) offer(s *Subscription, e *Event, now time.Time) bool {
	k, ok := c.key(*e)
	if !ok {
		return s.send(e)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, waiting := c.pending[k]; waiting {
		c.pending[k] = *e // newest wins
		return true
	}
	if t, seen := c.last[k]; seen && now.Sub(t) < c.interval {
		c.pending[k] = *e
		c.scheduleLocked(s, t.Add(c.interval), now)
		return true
	}
	if !s.send(e) {
		return false
	}
	c.last[k] = now
	return true
}

func (c *coalescer) scheduleLocked(s *Subscription, due, now time.Time) {
	if c.stopped {
		return
	}
	if c.timer != nil {
		if !due.Before(c.timerDue) {
			return
		}
		c.timer.Stop()
	}
	c.timerDue = due
	c.timer = time.AfterFunc(due.Sub(now), func() { c.flush(s) })
}

// flush delivers the pending values whose interval is over and schedules the
// next flush.
func (c *coalescer) flush(s *Subscription) {
	h := s.hub
	h.mu.RLock()
	if s.removed {
		h.mu.RUnlock()
		return
	}
	now := time.Now()
	failed := false
	c.mu.Lock()
	c.timer = nil
	next := time.Time{}
	for k, e := range c.pending {
		due := c.last[k].Add(c.interval)
		if due.After(now) {
			if next.IsZero() || due.Before(next) {
				next = due
			}
			continue
		}
		if !s.send(&e) {
			failed = true
			break
		}
		c.last[k] = now
		delete(c.pending, k)
	}
	for k, t := range c.last {
		if _, waiting := c.pending[k]; !waiting && now.Sub(t) >= c.interval {
			delete(c.last, k) // forget keys that went quiet
		}
	}
	if !failed && !next.IsZero() {
		c.scheduleLocked(s, next, now)
	}
	c.mu.Unlock()
	h.mu.RUnlock()
	if failed && s.dropped.CompareAndSwap(false, true) {
		h.drop([]*Subscription{s})
	}
}

// stop is called with the fanout's write lock held.
func (c *coalescer) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
}
