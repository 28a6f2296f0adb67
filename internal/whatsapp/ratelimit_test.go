package whatsapp_test

import (
	"context"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp"
)

// stampingTransport records when each request goes on the wire, i.e. when
// the limiter let it through; the simulator's own clock would also measure
// how fast a loaded machine serves HTTP.
type stampingTransport struct {
	mu     sync.Mutex
	stamps []time.Time
	next   http.RoundTripper
}

func (s *stampingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.stamps = append(s.stamps, time.Now())
	s.mu.Unlock()
	return s.next.RoundTrip(r)
}

// TestRateLimitMeasured sends concurrently at a 50/s limit (burst 1) and
// checks the measured rate is within 10% of it.
func TestRateLimitMeasured(t *testing.T) {
	const limit, sends = 50.0, 51 // 50 intervals: about one second
	sim, _, creds := newTestClient(t)
	inner := http.DefaultTransport.(*http.Transport).Clone()
	inner.MaxIdleConnsPerHost = sends
	tr := &stampingTransport{next: inner}
	c := whatsapp.NewClient(&http.Client{Transport: tr}, sim.URL, whatsapp.WithRateLimit(limit, 1))
	var wg sync.WaitGroup
	for range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Send(context.Background(), creds, textMessage("hi")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(sim.Requests()); n != sends {
		t.Fatalf("simulator accepted %d sends, want %d", n, sends)
	}
	elapsed := tr.stamps[len(tr.stamps)-1].Sub(tr.stamps[0])
	rate := float64(sends-1) / elapsed.Seconds()
	if math.Abs(rate-limit)/limit > 0.10 {
		t.Errorf("measured %.1f sends/s over %v, want %.0f ±10%%", rate, elapsed, limit)
	}
}

func TestRateLimitPerPhoneNumber(t *testing.T) {
	sim, c, creds := newTestClient(t, whatsapp.WithRateLimit(0, 1))
	sim.AddPhoneNumber("200", "15550000200")
	slow := creds
	slow.PhoneNumberID = "200"
	c.SetRateLimit("200", 10, 1)
	start := time.Now()
	for range 4 {
		if _, err := c.Send(context.Background(), creds, textMessage("hi")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Send(context.Background(), slow, textMessage("hi")); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("4 sends at 10/s took %v, want at least 300ms", d)
	}
}

// TestLimiterKeepsNumbersApart: one number's limit never delays another.
func TestLimiterKeepsNumbersApart(t *testing.T) {
	l := whatsapp.NewLimiter(0, 1)
	l.Set("slow", 1, 1)
	ctx := context.Background()
	if err := l.Wait(ctx, "slow"); err != nil { // takes the only token
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := l.Wait(short, "slow"); err == nil {
		t.Error("second wait at 1/s within 100ms succeeded")
	}
	for range 1000 {
		if err := l.Wait(ctx, "fast"); err != nil {
			t.Fatalf("unlimited number waited: %v", err)
		}
	}
	l.Set("slow", 0, 1) // raising the limit applies at once
	if err := l.Wait(ctx, "slow"); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitWaitRespectsContext(t *testing.T) {
	_, c, creds := newTestClient(t, whatsapp.WithRateLimit(0.1, 1))
	if _, err := c.Send(context.Background(), creds, textMessage("first")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Send(ctx, creds, textMessage("second")); err == nil {
		t.Fatal("second send within 10s at 0.1/s succeeded")
	}
}
