package maintenance

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/predicate"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

// ExpiryOptions configure an ExpirySweeper. Zero values select the defaults.
type ExpiryOptions struct {
	// Interval is how often Run sweeps; default 1 min.
	Interval time.Duration
	// Batch bounds the conversations expired per transaction; default 500.
	Batch  int
	Logger *slog.Logger
	Now    func() time.Time
}

func (o *ExpiryOptions) defaults() {
	setDefault(&o.Interval, time.Minute)
	if o.Batch <= 0 {
		o.Batch = 500
	}
	defaultLoggerAndClock(&o.Logger, &o.Now)
}

// ExpirySweeper marks ACTIVE conversations EXPIRED once they have been idle
// for longer than their integration's conversation expiry. Integrations
// without an expiry keep their conversations until the flow ends.
type ExpirySweeper struct {
	db   *store.DB
	opts ExpiryOptions
}

// NewExpirySweeper returns an ExpirySweeper.
func NewExpirySweeper(db *store.DB, opts ExpiryOptions) *ExpirySweeper {
	opts.defaults()
	return &ExpirySweeper{db: db, opts: opts}
}

// Run sweeps every Interval until ctx ends, then returns nil.
func (s *ExpirySweeper) Run(ctx context.Context) error {
	every(ctx, s.opts.Interval, func(ctx context.Context) {
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.ErrorContext(ctx, "conversation expiry sweep", "err", err)
		}
	})
	return nil
}

// Sweep expires every idle conversation and returns how many it expired.
func (s *ExpirySweeper) Sweep(ctx context.Context) (int, error) {
	ctx = tenant.AsSystem(ctx)
	ins, err := s.db.Client.Integration.Query().
		Where(integration.ConversationExpiryNotNil(), integration.ConversationExpiryGT(0)).
		Select(integration.FieldID, integration.FieldConversationExpiry).
		All(ctx)
	if err != nil {
		return 0, fmt.Errorf("maintenance: finding integrations with an expiry: %w", err)
	}
	total := 0
	for _, in := range ins {
		for {
			n, err := s.expireBatch(ctx, in)
			total += n
			if err != nil {
				return total, fmt.Errorf("maintenance: expiring conversations of integration %d: %w", in.ID, err)
			}
			if n < s.opts.Batch {
				break
			}
		}
	}
	return total, nil
}

// expireBatch expires up to Batch idle conversations of one integration in
// one transaction. The ent hooks (package events) publish a
// conversation.changed EXPIRED event for each once it commits.
func (s *ExpirySweeper) expireBatch(ctx context.Context, in *ent.Integration) (int, error) {
	now := s.opts.Now()
	idle := []predicate.Conversation{
		conversation.IntegrationID(in.ID),
		conversation.StatusEQ(conversation.StatusACTIVE),
		conversation.LastActivityAtLT(now.Add(-*in.ConversationExpiry)),
	}
	tx, err := s.db.Client.Tx(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	q := tx.Conversation.Query().Where(idle...).Order(ent.Asc(conversation.FieldID)).Limit(s.opts.Batch)
	if s.db.Dialect == dialect.Postgres {
		// A conversation the flow engine is processing holds its row lock:
		// skip it, it is getting activity. On SQLite the transaction itself
		// keeps writers out.
		q = q.ForUpdate(sql.WithLockAction(sql.SkipLocked))
	}
	ids, err := q.IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	err = tx.Conversation.Update().
		Where(conversation.IDIn(ids...)).
		SetStatus(conversation.StatusEXPIRED).
		SetEndedAt(now).
		Exec(ctx)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return len(ids), nil
}
