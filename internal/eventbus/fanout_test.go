package eventbus

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// receive reads n events or fails after a timeout.
func receive(t *testing.T, s *Subscription, n int) []Event {
	t.Helper()
	var got []Event
	timeout := time.After(5 * time.Second)
	for len(got) < n {
		select {
		case e, ok := <-s.C():
			if !ok {
				t.Fatalf("subscription closed after %d of %d events: %v", len(got), n, s.Err())
			}
			got = append(got, e)
		case <-timeout:
			t.Fatalf("got %d of %d events before timeout: %+v", len(got), n, got)
		}
	}
	return got
}

// quiet fails if s receives anything within d.
func quiet(t *testing.T, s *Subscription, d time.Duration) {
	t.Helper()
	select {
	case e, ok := <-s.C():
		t.Fatalf("unexpected event %+v (open %v)", e, ok)
	case <-time.After(d):
	}
}

// settleGoroutines waits until the goroutine count is back to at most want.
func settleGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: got %d, want at most %d\n%s", n, want, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ids(events []Event) []int {
	out := make([]int, len(events))
	for i, e := range events {
		out[i] = e.MessageID
	}
	return out
}

// forEachBus runs test against both implementations, PostgreSQL only when
// TEST_DATABASE_URL is set.
func forEachBus(t *testing.T, test func(t *testing.T, bus Bus)) {
	t.Run("inprocess", func(t *testing.T) {
		t.Parallel()
		bus := NewInProcess(testLogger(t), 0)
		t.Cleanup(func() { _ = bus.Close() })
		test(t, bus)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := testDSN(t)
		test(t, newPostgresBus(t, openDB(t, dsn), dsn, uniqueName(t, "evtest")))
	})
}

func TestFilterDelivery(t *testing.T) {
	t.Parallel()
	forEachBus(t, testFilterDelivery)
}

func testFilterDelivery(t *testing.T, bus Bus) {
	// MessageID numbers the published events so that a test case names
	// exactly which ones it expects.
	published := []Event{
		{Kind: KindMessageInbound, AccountID: 1, IntegrationID: 10, ConversationID: 100, MessageID: 1},
		{Kind: KindMessageStatus, AccountID: 1, IntegrationID: 10, ConversationID: 101, MessageID: 2},
		{Kind: KindMessageInbound, AccountID: 1, IntegrationID: 11, ConversationID: 110, MessageID: 3},
		{Kind: KindMessageInbound, AccountID: 2, IntegrationID: 20, ConversationID: 200, MessageID: 4},
		// Another account using the same integration and conversation ids:
		// ids alone must never let it through.
		{Kind: KindMessageInbound, AccountID: 2, IntegrationID: 10, ConversationID: 100, MessageID: 5},
		{Kind: KindIntegrationError, AccountID: 1, IntegrationID: 11, MessageID: 6},
	}
	tests := []struct {
		name string
		give Filter
		want []int
	}{
		{"account", Filter{AccountID: 1}, []int{1, 2, 3, 6}},
		{"other account", Filter{AccountID: 2}, []int{4, 5}},
		{"integration", Filter{AccountID: 1, IntegrationID: 10}, []int{1, 2}},
		{"conversation", Filter{AccountID: 1, IntegrationID: 10, ConversationID: 100}, []int{1}},
		{"kinds", Filter{AccountID: 1, Kinds: []string{KindMessageInbound, KindIntegrationError}}, []int{1, 3, 6}},
		{"account without events", Filter{AccountID: 3}, nil},
		{"all accounts", Filter{AllAccounts: true}, []int{1, 2, 3, 4, 5, 6}},
	}
	subs := make([]*Subscription, len(tests))
	for i, tt := range tests {
		s, err := bus.Subscribe(t.Context(), tt.give)
		if err != nil {
			t.Fatalf("%s: Subscribe: %v", tt.name, err)
		}
		subs[i] = s
	}
	if err := bus.Publish(t.Context(), published...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(receive(t, subs[i], len(tt.want)))
			if !equalInts(got, tt.want) {
				t.Errorf("got messages %v, want %v", got, tt.want)
			}
			quiet(t, subs[i], 20*time.Millisecond)
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestResyncReachesEverySubscription(t *testing.T) {
	t.Parallel()
	hub := newFanout(testLogger(t), 4)
	filters := []Filter{
		{AccountID: 1},
		{AccountID: 2, IntegrationID: 7, Kinds: []string{KindMessageStatus}},
		{AllAccounts: true},
	}
	var subs []*Subscription
	for _, f := range filters {
		s, err := hub.subscribe(t.Context(), f, nil)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	hub.deliver(Event{Kind: KindResync, At: time.Now()})
	for i, s := range subs {
		got := receive(t, s, 1)
		if got[0].Kind != KindResync {
			t.Errorf("subscription %d: got kind %q, want %q", i, got[0].Kind, KindResync)
		}
		quiet(t, s, 10*time.Millisecond)
	}
}

func TestPublishRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give Event
		want error
	}{
		{"no kind", Event{AccountID: 1}, ErrInvalidEvent},
		{"no account", Event{Kind: KindMessageInbound}, ErrInvalidEvent},
		{"resync is reserved", Event{Kind: KindResync, AccountID: 1}, ErrInvalidEvent},
		{"over NOTIFY limit", Event{Kind: KindIntegrationError, AccountID: 1, Detail: strings.Repeat("x", MaxPayloadBytes)}, ErrPayloadTooLarge},
	}
	bus := NewInProcess(testLogger(t), 0)
	t.Cleanup(func() { _ = bus.Close() })
	s, err := bus.Subscribe(t.Context(), Filter{AllAccounts: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := Event{Kind: KindMessageInbound, AccountID: 1}
			// One bad event fails the whole call: nothing is delivered.
			err := bus.Publish(t.Context(), ok, tt.give)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			quiet(t, s, 5*time.Millisecond)
		})
	}
}

func TestSubscribeRejectsFilterWithoutAccount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give Filter
	}{
		{"zero", Filter{}},
		{"integration only", Filter{IntegrationID: 3}},
		{"account and all", Filter{AccountID: 1, AllAccounts: true}},
		{"negative", Filter{AccountID: -1}},
	}
	bus := NewInProcess(testLogger(t), 0)
	t.Cleanup(func() { _ = bus.Close() })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bus.Subscribe(t.Context(), tt.give)
			if !errors.Is(err, ErrInvalidFilter) {
				t.Fatalf("got error %v, want %v", err, ErrInvalidFilter)
			}
		})
	}
}

func TestSlowSubscriberIsDroppedOthersContinue(t *testing.T) {
	t.Parallel()
	forEachBus(t, testSlowSubscriber)
}

func testSlowSubscriber(t *testing.T, bus Bus) {
	const total = 300
	slow, err := bus.Subscribe(t.Context(), Filter{AccountID: 1}, WithBuffer(4))
	if err != nil {
		t.Fatal(err)
	}
	fast, err := bus.Subscribe(t.Context(), Filter{AccountID: 1}, WithBuffer(total))
	if err != nil {
		t.Fatal(err)
	}
	// A subscriber that reads concurrently keeps up with a small buffer.
	reader, err := bus.Subscribe(t.Context(), Filter{AccountID: 1}, WithBuffer(total))
	if err != nil {
		t.Fatal(err)
	}
	readerGot := make(chan int)
	go func() {
		n := 0
		for range reader.C() {
			n++
			if n == total {
				break
			}
		}
		readerGot <- n
	}()

	start := time.Now()
	for i := range total {
		if err := bus.Publish(t.Context(), Event{Kind: KindMessageInbound, AccountID: 1, MessageID: i + 1}); err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("publishing %d events took %v: the publisher waited for someone", total, d)
	}

	// Once the fast subscriber has everything, fan-out is done with every
	// event (on PostgreSQL it runs after NOTIFY comes back, later than
	// Publish returns), so reading the slow one now cannot make room early.
	if got := len(receive(t, fast, total)); got != total {
		t.Errorf("fast subscriber got %d events, want %d", got, total)
	}

	// The slow subscriber keeps what was buffered, then sees the close
	// and the reason.
	var got []int
	for e := range slow.C() {
		got = append(got, e.MessageID)
	}
	if want := []int{1, 2, 3, 4}; !equalInts(got, want) {
		t.Errorf("slow subscriber got %v, want %v", got, want)
	}
	if !errors.Is(slow.Err(), ErrSlowSubscriber) {
		t.Errorf("slow subscriber Err: got %v, want %v", slow.Err(), ErrSlowSubscriber)
	}
	if n := <-readerGot; n != total {
		t.Errorf("concurrent reader got %d events, want %d", n, total)
	}
	if fast.Err() != nil {
		t.Errorf("fast subscriber closed: %v", fast.Err())
	}
}

func TestSubscriptionEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(s *Subscription, cancel context.CancelFunc, bus *InProcess)
		want error
	}{
		{"Close", func(s *Subscription, _ context.CancelFunc, _ *InProcess) { s.Close() }, ErrUnsubscribed},
		{"Close twice", func(s *Subscription, _ context.CancelFunc, _ *InProcess) { s.Close(); s.Close() }, ErrUnsubscribed},
		{"context cancelled", func(_ *Subscription, cancel context.CancelFunc, _ *InProcess) { cancel() }, context.Canceled},
		{"bus closed", func(_ *Subscription, _ context.CancelFunc, b *InProcess) { _ = b.Close() }, ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := NewInProcess(testLogger(t), 0)
			defer bus.Close()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s, err := bus.Subscribe(ctx, Filter{AccountID: 1})
			if err != nil {
				t.Fatal(err)
			}
			tt.end(s, cancel, bus)
			select {
			case _, ok := <-s.C():
				if ok {
					t.Fatal("got an event, want the channel closed")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("channel not closed")
			}
			if !errors.Is(s.Err(), tt.want) {
				t.Errorf("Err: got %v, want %v", s.Err(), tt.want)
			}
			// Every way of ending is safe to combine with the others.
			s.Close()
			cancel()
			_ = bus.Close()
			if got := bus.hub.count(); got != 0 {
				t.Errorf("live subscriptions: got %d, want 0", got)
			}
		})
	}
}

func TestSubscribeAfterCloseOrCancel(t *testing.T) {
	t.Parallel()
	bus := NewInProcess(testLogger(t), 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := bus.Subscribe(ctx, Filter{AccountID: 1}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want %v", err, context.Canceled)
	}
	_ = bus.Close()
	if _, err := bus.Subscribe(t.Context(), Filter{AccountID: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("closed bus: got %v, want %v", err, ErrClosed)
	}
	if err := bus.Publish(t.Context(), Event{Kind: KindMessageInbound, AccountID: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("publish on closed bus: got %v, want %v", err, ErrClosed)
	}
}

// Not parallel: it counts the process's goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	bus := NewInProcess(testLogger(t), 8)
	ctx, cancel := context.WithCancel(t.Context())

	// The resolver shape: one goroutine per subscription reading until the
	// channel closes.
	const n = 300
	var wg sync.WaitGroup
	var subs []*Subscription
	for i := range n {
		opts := []SubscribeOption{}
		if i%3 == 0 {
			opts = append(opts, WithCoalescing(10*time.Millisecond, PerIntegration(KindIntegrationActivity)))
		}
		s, err := bus.Subscribe(ctx, Filter{AccountID: 1 + i%5}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
		wg.Go(func() {
			for range s.C() {
			}
		})
	}
	for i := range 50 {
		_ = bus.Publish(ctx, Event{Kind: KindIntegrationActivity, AccountID: 1 + i%5, IntegrationID: 1})
	}
	// A third end by Close, the rest with the context.
	for i, s := range subs {
		if i%3 == 1 {
			s.Close()
		}
	}
	cancel()
	wg.Wait()
	_ = bus.Close()
	settleGoroutines(t, before)
}

func TestCoalescing(t *testing.T) {
	t.Parallel()
	const interval = 150 * time.Millisecond
	bus := NewInProcess(testLogger(t), 0)
	t.Cleanup(func() { _ = bus.Close() })
	s, err := bus.Subscribe(t.Context(), Filter{AccountID: 1},
		WithCoalescing(interval, PerIntegration(KindIntegrationActivity)))
	if err != nil {
		t.Fatal(err)
	}
	activity := func(integration, seq int) Event {
		return Event{Kind: KindIntegrationActivity, AccountID: 1, IntegrationID: integration, MessageID: seq}
	}
	start := time.Now()
	// A burst: the first value of each integration goes out at once, the
	// newest of the rest at the end of the interval, others are skipped.
	for i := 1; i <= 20; i++ {
		if err := bus.Publish(t.Context(), activity(1, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := bus.Publish(t.Context(), activity(2, 100)); err != nil {
		t.Fatal(err)
	}
	// Not coalesced: delivered immediately, in between.
	if err := bus.Publish(t.Context(), Event{Kind: KindIntegrationChanged, AccountID: 1, IntegrationID: 1, MessageID: 50}); err != nil {
		t.Fatal(err)
	}

	first := receive(t, s, 3)
	if got, want := ids(first), []int{1, 100, 50}; !equalInts(got, want) {
		t.Fatalf("immediate: got %v, want %v", got, want)
	}
	if d := time.Since(start); d >= interval {
		t.Fatalf("immediate events took %v, interval %v", d, interval)
	}
	later := receive(t, s, 1)
	if got, want := later[0].MessageID, 20; got != want {
		t.Errorf("coalesced: got message %d, want the newest, %d", got, want)
	}
	if d := time.Since(start); d < interval-10*time.Millisecond {
		t.Errorf("coalesced value after %v, want at least %v", d, interval)
	}
	quiet(t, s, interval+50*time.Millisecond)

	// After a quiet interval the next value is immediate again.
	start = time.Now()
	if err := bus.Publish(t.Context(), activity(1, 21)); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, s, 1)[0].MessageID; got != 21 {
		t.Errorf("after a quiet interval: got message %d, want 21", got)
	}
	if d := time.Since(start); d >= interval/2 {
		t.Errorf("after a quiet interval: delivered after %v, want at once", d)
	}
}

func TestCoalescingAtMostOnePerInterval(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	bus := NewInProcess(testLogger(t), 0)
	t.Cleanup(func() { _ = bus.Close() })
	s, err := bus.Subscribe(t.Context(), Filter{AccountID: 1},
		WithCoalescing(interval, PerIntegration(KindIntegrationActivity)))
	if err != nil {
		t.Fatal(err)
	}
	// Publish continuously for ~6 intervals.
	stop := time.Now().Add(6 * interval)
	seq := 0
	for time.Now().Before(stop) {
		seq++
		if err := bus.Publish(t.Context(), Event{Kind: KindIntegrationActivity, AccountID: 1, IntegrationID: 1, MessageID: seq}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	var times []time.Time
	var last Event
	timeout := time.After(3 * interval)
loop:
	for {
		select {
		case e := <-s.C():
			times = append(times, time.Now())
			last = e
		case <-timeout:
			break loop
		}
	}
	if last.MessageID != seq {
		t.Errorf("last delivered message %d, want the newest, %d", last.MessageID, seq)
	}
	// Received values can bunch up a little by scheduling, but their number
	// is bounded by the interval.
	if limit := 6 + 2; len(times) > limit {
		t.Errorf("got %d values of one key in ~6 intervals, want at most %d", len(times), limit)
	}
	if len(times) < 3 {
		t.Errorf("got %d values in ~6 intervals, want a steady trickle", len(times))
	}
}

func TestCoalescingSlowSubscriberDropped(t *testing.T) {
	t.Parallel()
	bus := NewInProcess(testLogger(t), 0)
	t.Cleanup(func() { _ = bus.Close() })
	s, err := bus.Subscribe(t.Context(), Filter{AccountID: 1}, WithBuffer(1),
		WithCoalescing(20*time.Millisecond, PerIntegration(KindIntegrationActivity)))
	if err != nil {
		t.Fatal(err)
	}
	// Two keys: the first value of each is sent at once, and the second does
	// not fit the buffer of one.
	for _, integration := range []int{1, 2} {
		if err := bus.Publish(t.Context(), Event{Kind: KindIntegrationActivity, AccountID: 1, IntegrationID: integration}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for range s.C() {
		n++
	}
	if n != 1 || !errors.Is(s.Err(), ErrSlowSubscriber) {
		t.Errorf("got %d events and Err %v, want 1 and %v", n, s.Err(), ErrSlowSubscriber)
	}
}
