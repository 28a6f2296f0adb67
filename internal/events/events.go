// Package events publishes the event bus's "something changed" events from
// ent hooks on the one shared client, so that GraphQL mutations, the webhook,
// the inbox and outbox workers and the maintenance sweeps all announce their
// changes the same way, and nobody hears of rolled-back data.
//
// A mutation inside a transaction adds its events to that transaction; they
// are published once, after it commits, in one Publish call (one NOTIFY on
// PostgreSQL, however many rows changed). A mutation outside a transaction
// publishes as soon as it returns. Events carry ids, kind and status only:
// subscribers reload what they show. A package that writes rows with its
// own SQL inside a transaction (the webhook's insert of new messages) adds
// their events to it with Announce.
//
// Register once, where the client is built:
//
//	pub := events.Register(client, bus, logger)
//
// pass pub to the webhook handler (webhook.Options.Events), and keep the
// webhook's integration caches fresh on every instance with
//
//	go events.WatchIntegrationChanges(ctx, bus, logger, hooks.Invalidate, hooks.InvalidateAll)
package events

import (
	"context"
	"log/slog"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/eventbus"
)

// KindConversationChanged: a conversation started or its status changed
// (ACTIVE, COMPLETED, EXPIRED).
const KindConversationChanged = "conversation.changed"

// StatusDeleted is the Status of a KindIntegrationChanged event for a deleted
// integration.
const StatusDeleted = "DELETED"

// resolveTimeout bounds the lookups that complete a committed transaction's
// events; they run after the commit, on the committer's goroutine.
const resolveTimeout = 5 * time.Second

// Bus is where events go; eventbus.Bus is one.
type Bus interface {
	Publish(ctx context.Context, events ...eventbus.Event) error
}

// Publisher turns committed ent mutations into bus events.
type Publisher struct {
	client *ent.Client
	bus    Bus
	log    *slog.Logger
	// accounts maps integration ids to their account, which never changes
	// (account_id is immutable), so that an integration updated by
	// predicate costs no lookup after the first.
	accounts *lru.Cache[int, int]
}

// Register adds the hooks to client (and to the transactions it opens from
// now on) and returns the Publisher behind them. Call it once per client.
func Register(client *ent.Client, bus Bus, logger *slog.Logger) *Publisher {
	p := New(client, bus, logger)
	client.Message.Use(p.messageHook)
	client.Integration.Use(p.integrationHook)
	client.IntegrationError.Use(p.integrationErrorHook)
	client.Conversation.Use(p.conversationHook)
	return p
}

// New returns a Publisher without registering its hooks.
func New(client *ent.Client, bus Bus, logger *slog.Logger) *Publisher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	accounts, _ := lru.New[int, int](16384) // only fails for a size <= 0
	return &Publisher{client: client, bus: bus, log: logger, accounts: accounts}
}

// Announce adds evs to tx's events, to be published with the rest once it
// commits: for rows a package writes with its own SQL, which the hooks do
// not see (the webhook's insert of new messages). The events must be
// complete: nothing is looked up for them.
func (p *Publisher) Announce(tx *ent.Tx, evs ...eventbus.Event) {
	if len(evs) == 0 {
		return
	}
	s := &slot{items: make([]item, len(evs))}
	for i, ev := range evs {
		s.items[i] = item{ev: ev}
	}
	tx.OnCommit(p.onCommit(s))
}

// slot holds the items of one mutation, filled in once it returned.
type slot struct{ items []item }

// reserve registers the mutation's slot before it runs, so that a
// transaction publishes in the order its mutations started: ent runs the
// hooks of a bulk insert nested, the last row's returning first.
func (p *Publisher) reserve(m interface{ Tx() (*ent.Tx, error) }) (s *slot, inTx bool) {
	s = &slot{}
	if tx, err := m.Tx(); err == nil {
		tx.OnCommit(p.onCommit(s))
		return s, true
	}
	return s, false
}

// done publishes the slot's items now when the mutation ran outside a
// transaction; in one, the commit does.
func (p *Publisher) done(ctx context.Context, s *slot, inTx bool, items []item) {
	s.items = items
	if !inTx && len(items) > 0 {
		p.flush(ctx, items)
	}
}

type collectorKey struct{ p *Publisher }

type collector struct{ slots []*slot }

// onCommit returns the commit hook of one mutation's slot. ent registers
// one hook per mutation and chains them at commit; the outermost of ours
// gathers the slots of the inner ones through the commit context and
// publishes all of them once the commit succeeded.
func (p *Publisher) onCommit(s *slot) ent.CommitHook {
	return func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if c, ok := ctx.Value(collectorKey{p}).(*collector); ok {
				c.slots = append(c.slots, s)
				return next.Commit(ctx, tx)
			}
			c := &collector{slots: []*slot{s}}
			if err := next.Commit(context.WithValue(ctx, collectorKey{p}, c), tx); err != nil {
				return err
			}
			var items []item
			for _, s := range c.slots {
				items = append(items, s.items...)
			}
			if len(items) > 0 {
				p.flush(ctx, items)
			}
			return nil
		})
	}
}

// flush completes the items' ids, merges them and publishes them at once.
func (p *Publisher) flush(ctx context.Context, items []item) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
	defer cancel()
	evs, err := p.resolve(ctx, items)
	if err != nil {
		p.log.WarnContext(ctx, "events: completing committed events", "err", err, "events", len(items))
	}
	evs = merge(evs)
	if len(evs) == 0 {
		return
	}
	if err := p.bus.Publish(ctx, evs...); err != nil {
		p.log.WarnContext(ctx, "events: publishing", "err", err, "events", len(evs))
	}
}
