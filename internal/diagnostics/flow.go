package diagnostics

import (
	"context"
	"fmt"
	"strings"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
)

// kindCount is how often one kind of error was recorded.
type kindCount struct {
	Kind  integrationerror.Kind `json:"kind"`
	Count int                   `json:"count"`
}

func (r *run) flow(ctx context.Context) (Check, error) {
	c := Check{Name: CheckFlow, Title: "Bot flow runs"}
	recent := r.d.Client.IntegrationError.Query().Where(
		integrationerror.IntegrationID(r.in.ID),
		integrationerror.KindIn(integrationerror.KindFLOW_ERROR, integrationerror.KindNO_BOT),
		integrationerror.CreatedAtGTE(r.now.Add(-window)),
	)
	var counts []kindCount
	if err := recent.Clone().GroupBy(integrationerror.FieldKind).Aggregate(ent.As(ent.Count(), "count")).Scan(ctx, &counts); err != nil {
		return c, err
	}
	if len(counts) == 0 {
		c.Status, c.Reason = OK, "No flow errors in the last 24 hours."
		return c, nil
	}
	latest, err := recent.Order(ent.Desc(integrationerror.FieldCreatedAt), ent.Desc(integrationerror.FieldID)).First(ctx)
	if err != nil {
		return c, err
	}
	var parts []string
	for _, kc := range counts {
		switch kc.Kind {
		case integrationerror.KindFLOW_ERROR:
			parts = append(parts, fmt.Sprintf("%d flow errors", kc.Count))
		case integrationerror.KindNO_BOT:
			parts = append(parts, fmt.Sprintf("%d messages with no published bot to answer", kc.Count))
		}
	}
	c.Status, c.At = Failing, ptr(latest.CreatedAt)
	c.Reason = fmt.Sprintf("In the last 24 hours: %s; the latest at %s: %s.",
		strings.Join(parts, " and "), stamp(latest.CreatedAt), oneLine(latest.Message))
	if latest.Kind == integrationerror.KindNO_BOT {
		c.Action = "Connect a published bot to the integration (see the bot check)."
	} else {
		c.Action = "Run the bot in the Bot Builder's test mode with the same answers, and fix the step where it stops."
	}
	return c, nil
}

// oneLine keeps a quoted message on one short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
