package whatsapp

import (
	"context"
	"sync"

	"golang.org/x/time/rate"
)

// Default send throughput: Meta allows 80 messages per second per business
// phone number until it upgrades the number to 1,000
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput).
// A burst of 1 spaces sends evenly: a larger burst on top of the steady rate
// could put more than 80 messages into one second and earn a 130429.
const (
	DefaultMessagesPerSecond = 80
	DefaultBurst             = 1
)

// Limiter paces sends per business phone number. Numbers without their own
// limit get the default. It is safe for concurrent use.
type Limiter struct {
	mu           sync.Mutex
	defaultRate  rate.Limit
	defaultBurst int
	byPhone      map[string]*rate.Limiter
}

// NewLimiter returns a Limiter whose default is perSecond with the given
// burst; perSecond <= 0 means unlimited.
func NewLimiter(perSecond float64, burst int) *Limiter {
	return &Limiter{
		defaultRate:  toLimit(perSecond),
		defaultBurst: max(burst, 1),
		byPhone:      make(map[string]*rate.Limiter),
	}
}

func toLimit(perSecond float64) rate.Limit {
	if perSecond <= 0 {
		return rate.Inf
	}
	return rate.Limit(perSecond)
}

// Set gives one phone number its own rate, taking effect for waiters at once.
func (l *Limiter) Set(phoneNumberID string, perSecond float64, burst int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.byPhone[phoneNumberID]
	if !ok {
		l.byPhone[phoneNumberID] = rate.NewLimiter(toLimit(perSecond), max(burst, 1))
		return
	}
	lim.SetLimit(toLimit(perSecond))
	lim.SetBurst(max(burst, 1))
}

// Wait blocks until phoneNumberID may send one message or ctx ends.
func (l *Limiter) Wait(ctx context.Context, phoneNumberID string) error {
	return l.get(phoneNumberID).Wait(ctx)
}

func (l *Limiter) get(phoneNumberID string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.byPhone[phoneNumberID]
	if !ok {
		lim = rate.NewLimiter(l.defaultRate, l.defaultBurst)
		l.byPhone[phoneNumberID] = lim
	}
	return lim
}
