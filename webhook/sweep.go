package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/statusreceipt"
	"github.com/intalos/integrations/internal/tenant"
)

// Pending status receipts are swept for this long after they arrive: the
// sender's transaction recording a wamid and the webhook's storing its
// status can each miss the other when they commit at the same moment.
const (
	sweepEvery  = 30 * time.Second
	sweepAfter  = 5 * time.Second // leave the usual path time to apply them
	sweepWithin = 24 * time.Hour
	sweepLimit  = 1000
)

// Run applies kept status receipts whose message has appeared since,
// every 30 seconds, until ctx ends.
func (h *Handler) Run(ctx context.Context) error {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := h.SweepPendingStatuses(ctx); err != nil {
				h.log.ErrorContext(ctx, "sweeping pending statuses", "err", err)
			}
		}
	}
}

// SweepPendingStatuses applies the recent receipts not applied yet to the
// outbound messages recorded since they arrived.
func (h *Handler) SweepPendingStatuses(ctx context.Context) error {
	ctx = tenant.AsSystem(ctx)
	now := h.now()
	pending, err := h.client.StatusReceipt.Query().
		Where(
			statusreceipt.AppliedAtIsNil(),
			statusreceipt.ReceivedAtGTE(now.Add(-sweepWithin)),
			statusreceipt.ReceivedAtLT(now.Add(-sweepAfter)),
		).
		Order(ent.Desc(statusreceipt.FieldID)).
		Limit(sweepLimit).
		All(ctx)
	if err != nil {
		return fmt.Errorf("finding pending statuses: %w", err)
	}
	ids, groups := byIntegration(pending, func(r *ent.StatusReceipt) int { return r.IntegrationID })
	for _, id := range ids {
		var wamids []string
		for _, r := range groups[id] {
			wamids = append(wamids, r.Wamid)
		}
		if err := h.applyIn(ctx, id, wamids); err != nil {
			return err
		}
	}
	return nil
}

func (h *Handler) applyIn(ctx context.Context, integrationID int, wamids []string) error {
	tx, err := h.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := ApplyPendingStatuses(ctx, tx, integrationID, wamids...); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
