package events

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/intalos/integrations/internal/eventbus"
)

// watchBuffer is the invalidation subscription's buffer: invalidating a
// cache entry is quick, but a burst of changes must not close it.
const watchBuffer = 1024

// WatchIntegrationChanges calls invalidate with the id of every integration
// that changes on any instance, and invalidateAll when changes may have
// been missed: after the bus reconnected (a resync), and when the
// subscription fell behind and had to be renewed. It returns when ctx ends
// (nil) or the bus closes (eventbus.ErrClosed). Run it on its own goroutine.
func WatchIntegrationChanges(ctx context.Context, bus eventbus.Bus, logger *slog.Logger, invalidate func(integrationID int), invalidateAll func()) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for renewed := false; ; renewed = true {
		sub, err := bus.Subscribe(ctx, eventbus.Filter{AllAccounts: true, Kinds: []string{eventbus.KindIntegrationChanged}},
			eventbus.WithBuffer(watchBuffer))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if renewed {
			// Only now: a change between the old subscription's end and
			// the new one's start is covered too.
			invalidateAll()
		}
		for ev := range sub.C() {
			if ev.Kind == eventbus.KindResync {
				invalidateAll()
				continue
			}
			invalidate(ev.IntegrationID)
		}
		switch err := sub.Err(); {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, eventbus.ErrClosed):
			return err
		default:
			logger.WarnContext(ctx, "events: integration change watch fell behind; renewing it and dropping every cached integration", "err", err)
			// Do not spin if the bus keeps refusing.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}
