package graph

import (
	"context"
	"sync"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/tenant"
)

const (
	// reloadTTL is how long one event's reload is kept for the
	// subscriptions that receive it later.
	reloadTTL = 2 * time.Second
	// reloadTimeout bounds one reload, which no single subscriber owns.
	reloadTimeout = 5 * time.Second
)

// reloads shares the reload of one event among the subscriptions that
// receive it, so that 10,000 dashboards watching one integration cost one
// query per event, not 10,000. Rows are read across accounts and then
// checked against the caller's account: another account's row is not
// found, as in the tenant interceptor.
type reloads struct {
	client *ent.Client

	mu      sync.Mutex
	entries map[reloadKey]*reloadEntry
	swept   time.Time
}

// reloadKey names one event: the bus stamps At once, at publication, and
// every instance decodes the same value.
type reloadKey struct {
	typ string
	id  int
	at  int64
}

type reloadEntry struct {
	done    chan struct{}
	v       any
	err     error
	created time.Time
}

func newReloads(c *ent.Client) *reloads {
	return &reloads{client: c, entries: make(map[reloadKey]*reloadEntry)}
}

func (l *reloads) load(ctx context.Context, k reloadKey, fn func(ctx context.Context) (any, error)) (any, error) {
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.swept) > reloadTTL {
		for k, e := range l.entries {
			if now.Sub(e.created) > reloadTTL {
				delete(l.entries, k)
			}
		}
		l.swept = now
	}
	e, ok := l.entries[k]
	if !ok {
		e = &reloadEntry{done: make(chan struct{}), created: now}
		l.entries[k] = e
	}
	l.mu.Unlock()
	if !ok {
		lctx, cancel := context.WithTimeout(tenant.AsSystem(context.WithoutCancel(ctx)), reloadTimeout)
		e.v, e.err = fn(lctx)
		cancel()
		close(e.done)
	}
	select {
	case <-e.done:
		return e.v, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// owned returns v if it belongs to the caller's account.
func owned[T any](ctx context.Context, v any, err error, account func(T) int) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	acct, in := tenant.Account(ctx)
	if !ok || !in || account(t) != acct {
		return zero, &ent.NotFoundError{}
	}
	return t, nil
}

func (l *reloads) integration(ctx context.Context, ev eventbus.Event) (*ent.Integration, error) {
	v, err := l.load(ctx, reloadKey{typeIntegration, ev.IntegrationID, ev.At.UnixNano()}, func(ctx context.Context) (any, error) {
		// The bot is loaded here once, not by each subscriber's bot field.
		return l.client.Integration.Query().Where(integration.ID(ev.IntegrationID)).WithBot().Only(ctx)
	})
	return owned(ctx, v, err, func(i *ent.Integration) int { return i.AccountID })
}

func (l *reloads) message(ctx context.Context, ev eventbus.Event) (*ent.Message, error) {
	v, err := l.load(ctx, reloadKey{typeMessage, ev.MessageID, ev.At.UnixNano()}, func(ctx context.Context) (any, error) {
		return l.client.Message.Get(ctx, ev.MessageID)
	})
	return owned(ctx, v, err, func(m *ent.Message) int { return m.AccountID })
}

func (l *reloads) integrationError(ctx context.Context, ev eventbus.Event) (*ent.IntegrationError, error) {
	v, err := l.load(ctx, reloadKey{typeIntegrationError, ev.ErrorID, ev.At.UnixNano()}, func(ctx context.Context) (any, error) {
		return l.client.IntegrationError.Get(ctx, ev.ErrorID)
	})
	return owned(ctx, v, err, func(e *ent.IntegrationError) int { return e.AccountID })
}
