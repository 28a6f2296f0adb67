package whatsapptest

import (
	"context"
	"net/http"
	"time"
)

// Faults are injected into requests for one phone number. Counts apply to
// the next N requests and then run out; a negative count means every
// request.
type Faults struct {
	Latency         time.Duration // added before answering
	DropConnections int           // close the connection without answering
	Throttle        int           // HTTP 429 with code 130429
	RetryAfter      time.Duration // Retry-After sent with throttled answers
	ServerErrors    int           // HTTP 500 with code 2
	ExpiredToken    bool          // every request fails with 190/463
	OutsideWindow   bool          // non-template sends fail with 131047
}

// SetFaults replaces the faults injected for phoneNumberID.
func (s *Simulator) SetFaults(phoneNumberID string, f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[phoneNumberID] = &f
}

// ClearFaults removes the faults injected for phoneNumberID.
func (s *Simulator) ClearFaults(phoneNumberID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, phoneNumberID)
}

// appliedFaults is what one request gets, counters already consumed.
type appliedFaults struct {
	latency, retryAfter         time.Duration
	drop, throttle, serverError bool
	expiredToken, outsideWindow bool
}

func (s *Simulator) takeFaults(phoneID string) appliedFaults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[phoneID]
	if !ok {
		return appliedFaults{}
	}
	a := appliedFaults{
		latency: f.Latency, retryAfter: f.RetryAfter,
		expiredToken: f.ExpiredToken, outsideWindow: f.OutsideWindow,
	}
	// One fault per request, in this order, so counts add up predictably.
	switch {
	case take(&f.DropConnections):
		a.drop = true
	case take(&f.Throttle):
		a.throttle = true
	case take(&f.ServerErrors):
		a.serverError = true
	}
	return a
}

func take(n *int) bool {
	switch {
	case *n < 0:
		return true
	case *n > 0:
		*n--
		return true
	}
	return false
}

// sleep waits d or until ctx ends, reporting whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConnection closes the TCP connection without an HTTP answer, as a
// crashed proxy would.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot hijack; abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
