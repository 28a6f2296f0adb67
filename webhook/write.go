package webhook

import (
	"context"
	"errors"
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/internal/tenant"
)

// writeJobs stores jobs in one transaction and, once it is committed,
// wakes the workers if inbound messages were stored.
func (h *Handler) writeJobs(jobs []*job) error {
	ctx, cancel := context.WithTimeout(tenant.AsSystem(context.Background()), h.timeout)
	defer cancel()
	b := newBatch(jobs, h.now().UTC())
	out, err := h.writeBatch(ctx, b)
	if err != nil {
		h.log.ErrorContext(ctx, "storing webhook batch", "requests", len(jobs), "err", err)
		return err
	}
	h.metrics.batchSize.Observe(float64(len(jobs)))
	h.metrics.stored.WithLabelValues("message").Add(float64(out.messages))
	h.metrics.stored.WithLabelValues("status").Add(float64(out.statuses))
	h.metrics.stored.WithLabelValues("event").Add(float64(out.events))
	h.metrics.stored.WithLabelValues("error").Add(float64(out.errors))
	h.metrics.duplicates.Add(float64(out.duplicates))
	if out.messages > 0 {
		h.wake()
	}
	return nil
}

// errStoredBefore: a batch stored as all new held a message stored before.
var errStoredBefore = errors.New("batch holds a message stored before")

// writeBatch stores b, first as all new (no query for stored messages),
// and again, reading which are stored, when that held a redelivery.
func (h *Handler) writeBatch(ctx context.Context, b *batch) (outcome, error) {
	out, err := h.writeBatchTx(ctx, b, false)
	if errors.Is(err, errStoredBefore) {
		out, err = h.writeBatchTx(ctx, b, true)
	}
	return out, err
}

func (h *Handler) writeBatchTx(ctx context.Context, b *batch, readStored bool) (outcome, error) {
	tx, err := h.client.Tx(ctx)
	if err != nil {
		return outcome{}, fmt.Errorf("starting transaction: %w", err)
	}
	out, err := b.store(ctx, tx, readStored)
	if err == nil {
		err = h.touchActivity(ctx, tx, b)
	}
	if err == nil && h.events != nil {
		h.events.Announce(tx, out.inserted...)
	}
	if err != nil {
		tx.Rollback()
		return outcome{}, err
	}
	if err := tx.Commit(); err != nil {
		return outcome{}, fmt.Errorf("committing: %w", err)
	}
	return out, nil
}

// touchActivity moves last_activity_at of the integrations the batch
// stored something for, at most once a second each. It runs last, so the
// integration rows are locked only for the commit.
func (h *Handler) touchActivity(ctx context.Context, tx *ent.Tx, b *batch) error {
	ids := make([]int, 0, len(b.touched))
	for id := range b.touched {
		ids = append(ids, id)
	}
	for _, id := range h.activity.due(sortedInts(ids), b.now) {
		err := tx.Integration.Update().
			Where(integration.ID(id), integration.Or(integration.LastActivityAtIsNil(), integration.LastActivityAtLT(b.now))).
			SetLastActivityAt(b.now).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("updating last activity: %w", err)
		}
	}
	return nil
}
