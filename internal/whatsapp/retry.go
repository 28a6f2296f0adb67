package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// BackoffPolicy is capped exponential backoff with jitter for retryable
// errors. The outbox uses Backoff to schedule its own retries; SendWithRetry
// and Do retry in-process.
type BackoffPolicy struct {
	Base        time.Duration // delay after the first failure, before jitter
	Max         time.Duration // cap on the exponential delay
	MaxAttempts int           // total attempts made by Do, including the first
}

// DefaultBackoffPolicy waits about 0.5s, 1s, 2s, … up to 30s, five attempts.
func DefaultBackoffPolicy() BackoffPolicy {
	return BackoffPolicy{Base: 500 * time.Millisecond, Max: 30 * time.Second, MaxAttempts: 5}
}

// Backoff is DefaultBackoffPolicy().Backoff.
func Backoff(attempt int, err error) time.Duration {
	return DefaultBackoffPolicy().Backoff(attempt, err)
}

// Backoff returns how long to wait after failed attempt number attempt
// (0 for the first failure) that ended with err.
//   - A Retry-After from Meta wins.
//   - The pair rate limit 131056 asks for 4^X seconds, X = 0, 1, 2, …
//     (https://developers.facebook.com/documentation/business-messaging/whatsapp/about-the-platform).
//   - Otherwise Base·2^attempt capped at Max, of which a random half is
//     jitter so that many senders throttled together do not retry together.
func (p BackoffPolicy) Backoff(attempt int, err error) time.Duration {
	attempt = max(attempt, 0)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if apiErr.RetryAfter > 0 {
			return apiErr.RetryAfter
		}
		if apiErr.Code == 131056 {
			d := time.Second
			for range min(attempt, 5) { // 1024s at most
				d *= 4
			}
			return d
		}
	}
	base, ceiling := p.Base, p.Max
	if base <= 0 {
		base = DefaultBackoffPolicy().Base
	}
	if ceiling < base {
		ceiling = base
	}
	d := base
	for i := 0; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	half := d / 2
	return half + rand.N(d-half+1)
}

// Do calls fn until it succeeds, fails with a non-retryable error, the
// attempts run out or ctx ends, sleeping Backoff between attempts.
func (p BackoffPolicy) Do(ctx context.Context, fn func(context.Context) error) error {
	attempts := max(p.MaxAttempts, 1)
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if Classify(err) != Retryable {
			return err
		}
		if attempt+1 >= attempts {
			return fmt.Errorf("whatsapp: giving up after %d attempts: %w", attempts, err)
		}
		t := time.NewTimer(p.Backoff(attempt, err))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("whatsapp: retry interrupted: %w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}
