package whatsapp_test

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp"
)

// TestRateLimitMeasured sends concurrently at a 50/s limit (burst 1) and
// checks the rate the simulator saw is within 10% of it.
func TestRateLimitMeasured(t *testing.T) {
	const limit, sends = 50.0, 51 // 50 intervals: about one second
	sim, c, creds := newTestClient(t, whatsapp.WithRateLimit(limit, 1))
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
	reqs := sim.Requests()
	if len(reqs) != sends {
		t.Fatalf("accepted %d sends, want %d", len(reqs), sends)
	}
	elapsed := reqs[len(reqs)-1].At.Sub(reqs[0].At)
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
	measure := func(creds whatsapp.Credentials) time.Duration {
		start := time.Now()
		for range 4 {
			if _, err := c.Send(context.Background(), creds, textMessage("hi")); err != nil {
				t.Fatal(err)
			}
		}
		return time.Since(start)
	}
	if d := measure(slow); d < 250*time.Millisecond {
		t.Errorf("4 sends at 10/s took %v, want at least 300ms", d)
	}
	if d := measure(creds); d > 250*time.Millisecond {
		t.Errorf("4 unlimited sends took %v, want them unaffected by the other number's limit", d)
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
