package whatsapp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

func TestSendWithRetry(t *testing.T) {
	tests := []struct {
		name         string
		faults       whatsapptest.Faults
		wantErr      bool
		wantAccepted int
	}{
		{"recovers from throttling", whatsapptest.Faults{Throttle: 2}, false, 1},
		{"recovers from 5xx", whatsapptest.Faults{ServerErrors: 3}, false, 1},
		{"recovers from dropped connections", whatsapptest.Faults{DropConnections: 2}, false, 1},
		{"gives up after MaxAttempts", whatsapptest.Faults{Throttle: -1}, true, 0},
		{"no retry for permanent errors", whatsapptest.Faults{OutsideWindow: true}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c, creds := newTestClient(t)
			sim.SetFaults(testPhoneID, tt.faults)
			_, err := c.SendWithRetry(context.Background(), creds, textMessage("hi"))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if got := len(sim.Requests()); got != tt.wantAccepted {
				t.Errorf("accepted %d sends, want %d", got, tt.wantAccepted)
			}
		})
	}
}

func TestSendWithRetryAttemptCounts(t *testing.T) {
	tests := []struct {
		name         string
		faults       whatsapptest.Faults
		wantAttempts int
	}{
		{"retryable: MaxAttempts", whatsapptest.Faults{ServerErrors: -1}, 4},
		{"permanent: once", whatsapptest.Faults{OutsideWindow: true}, 1},
		{"auth: once", whatsapptest.Faults{ExpiredToken: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts := 0
			sim, c, creds := newTestClient(t)
			sim.SetFaults(testPhoneID, tt.faults)
			counting := whatsapp.BackoffPolicy{Base: time.Millisecond, Max: time.Millisecond, MaxAttempts: 4}
			_ = counting.Do(context.Background(), func(ctx context.Context) error {
				attempts++
				_, err := c.Send(ctx, creds, textMessage("hi"))
				return err
			})
			if attempts != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", attempts, tt.wantAttempts)
			}
		})
	}
}

func TestSendWithRetryHonoursRetryAfter(t *testing.T) {
	sim, c, creds := newTestClient(t)
	sim.SetFaults(testPhoneID, whatsapptest.Faults{Throttle: 1, RetryAfter: time.Second})
	start := time.Now()
	if _, err := c.SendWithRetry(context.Background(), creds, textMessage("hi")); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("retried after %v, want at least the 1s Retry-After", elapsed)
	}
}

func TestSendWithRetryStopsWithContext(t *testing.T) {
	sim, c, creds := newTestClient(t, whatsapp.WithBackoff(whatsapp.BackoffPolicy{Base: time.Hour, Max: time.Hour, MaxAttempts: 5}))
	sim.SetFaults(testPhoneID, whatsapptest.Faults{Throttle: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.SendWithRetry(ctx, creds, textMessage("hi"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	var apiErr *whatsapp.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 130429 {
		t.Errorf("err = %v, want the last API error kept", err)
	}
}

func TestBackoff(t *testing.T) {
	p := whatsapp.BackoffPolicy{Base: 100 * time.Millisecond, Max: time.Second, MaxAttempts: 5}
	plain := &whatsapp.APIError{Code: 130429, Type: "OAuthException"}
	tests := []struct {
		name     string
		attempt  int
		err      error
		min, max time.Duration
	}{
		{"first retry", 0, plain, 50 * time.Millisecond, 100 * time.Millisecond},
		{"doubles", 2, plain, 200 * time.Millisecond, 400 * time.Millisecond},
		{"capped", 10, plain, 500 * time.Millisecond, time.Second},
		{"huge attempt stays capped", 1000, plain, 500 * time.Millisecond, time.Second},
		{"transport error", 1, &whatsapp.TransportError{Op: "send", Err: errors.New("EOF")}, 100 * time.Millisecond, 200 * time.Millisecond},
		{"retry-after wins", 0, &whatsapp.APIError{Code: 4, Type: "OAuthException", RetryAfter: 3 * time.Second}, 3 * time.Second, 3 * time.Second},
		{"pair limit 4^0", 0, &whatsapp.APIError{Code: 131056, Type: "OAuthException"}, time.Second, time.Second},
		{"pair limit 4^2", 2, &whatsapp.APIError{Code: 131056, Type: "OAuthException"}, 16 * time.Second, 16 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 100 { // jitter: every draw within bounds
				got := p.Backoff(tt.attempt, tt.err)
				if got < tt.min || got > tt.max {
					t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", tt.attempt, got, tt.min, tt.max)
				}
			}
		})
	}
}

func TestClassifyCodes(t *testing.T) {
	tests := []struct {
		code   int
		status int
		want   whatsapp.Class
	}{
		{2, 500, whatsapp.Retryable}, {4, 400, whatsapp.Retryable}, {17, 400, whatsapp.Retryable},
		{80007, 400, whatsapp.Retryable}, {130429, 400, whatsapp.Retryable}, {131056, 400, whatsapp.Retryable},
		{131000, 500, whatsapp.Retryable}, {131016, 503, whatsapp.Retryable}, {131057, 400, whatsapp.Retryable},
		{133004, 503, whatsapp.Retryable}, {100, 500, whatsapp.Retryable}, // any 5xx
		{0, 401, whatsapp.Auth}, {190, 401, whatsapp.Auth}, {104, 400, whatsapp.Auth},
		{131047, 400, whatsapp.OutsideWindow}, {470, 400, whatsapp.OutsideWindow},
		{100, 400, whatsapp.Permanent}, {131008, 400, whatsapp.Permanent}, {131009, 400, whatsapp.Permanent},
		{131026, 400, whatsapp.Permanent}, {131051, 400, whatsapp.Permanent}, {368, 400, whatsapp.Permanent},
	}
	for _, tt := range tests {
		e := &whatsapp.APIError{Code: tt.code, HTTPStatus: tt.status, Type: "OAuthException"}
		if got := e.Class(); got != tt.want {
			t.Errorf("code %d (HTTP %d): Class = %v, want %v", tt.code, tt.status, got, tt.want)
		}
	}
}
