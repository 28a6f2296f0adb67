package eventbus

import (
	"context"
	"log/slog"
	"time"
)

// InProcess is the single-instance bus: publishing hands events straight to
// this process's subscriptions.
type InProcess struct {
	hub *fanout
}

var _ Bus = (*InProcess)(nil)

// NewInProcess returns an in-process bus. buffer is the default subscription
// buffer (0 means DefaultBuffer).
func NewInProcess(logger *slog.Logger, buffer int) *InProcess {
	return &InProcess{hub: newFanout(logger, buffer)}
}

// Publish delivers events to the matching subscriptions without blocking.
func (b *InProcess) Publish(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	// Encoding here too keeps the NOTIFY size limit visible on the embedded
	// default rather than only in production.
	evs, _, err := prepare(events, time.Now())
	if err != nil {
		return err
	}
	if b.hub.isClosed() {
		return ErrClosed
	}
	b.hub.deliver(evs...)
	return nil
}

// Subscribe registers a subscription; see Bus.
func (b *InProcess) Subscribe(ctx context.Context, f Filter, opts ...SubscribeOption) (*Subscription, error) {
	return b.hub.subscribe(ctx, f, opts)
}

// Close closes every subscription with ErrClosed.
func (b *InProcess) Close() error {
	b.hub.close(ErrClosed)
	return nil
}
