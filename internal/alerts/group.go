package alerts

import (
	"context"
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
)

// loadGroup reads the unalerted errors of one integration and kind, or
// returns nil when there are none.
func loadGroup(ctx context.Context, c *ent.Client, in *ent.Integration, kind integrationerror.Kind) (*group, error) {
	pending := c.IntegrationError.Query().Where(
		integrationerror.IntegrationID(in.ID), integrationerror.KindEQ(kind), integrationerror.AlertedAtIsNil())
	rows, err := pending.Clone().Order(ent.Desc(integrationerror.FieldID)).Limit(maxLoaded).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("alerts: reading errors: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	g := &group{integration: in, kind: kind, maxID: rows[0].ID, count: len(rows), last: rows[0].CreatedAt}
	oldest := rows[len(rows)-1]
	if len(rows) == maxLoaded {
		// Only the newest rows are read; the rest are counted. Rows newer
		// than maxID, recorded meanwhile, belong to the next email.
		rest := pending.Clone().Where(integrationerror.IDLT(oldest.ID))
		n, err := rest.Clone().Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("alerts: counting errors: %w", err)
		}
		g.count += n
		if n > 0 {
			if oldest, err = rest.Order(ent.Asc(integrationerror.FieldID)).First(ctx); err != nil {
				return nil, fmt.Errorf("alerts: reading errors: %w", err)
			}
		}
	}
	g.first = oldest.CreatedAt
	for _, r := range rows {
		if r.CreatedAt.Before(g.first) {
			g.first = r.CreatedAt
		}
		g.count += suppressed(r.Detail)
		if len(g.recent) < maxQuoted {
			g.recent = append(g.recent, occurrence{at: r.CreatedAt, message: r.Message})
		}
	}
	return g, nil
}

// suppressed reads how many occurrences the recorder folded into a row
// (the webhook writes at most one row per kind and minute and counts the
// rest into the next one).
func suppressed(detail map[string]any) int {
	switch v := detail["suppressed_since_last"].(type) {
	case float64:
		return max(int(v), 0)
	case int:
		return max(v, 0)
	}
	return 0
}
