package diagnostics

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/predicate"
)

// codeCount is how often one Meta error code failed a send.
type codeCount struct {
	Code  *int `json:"error_code"`
	Count int  `json:"count"`
}

func (r *run) sending(ctx context.Context) (Check, error) {
	c := Check{Name: CheckSending, Title: "Replies sent"}
	outbound := []predicate.Message{message.IntegrationID(r.in.ID), message.DirectionEQ(message.DirectionOUTBOUND)}
	lastSent, err := r.d.Client.Message.Query().
		Where(slices.Concat(outbound, []predicate.Message{message.SentAtNotNil()})...).
		Order(ent.Desc(message.FieldSentAt)).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return c, err
	}
	since := r.now.Add(-window)
	failed := slices.Concat(outbound, []predicate.Message{message.StatusEQ(message.StatusFAILED), message.Or(
		message.FailedAtGTE(since),
		message.And(message.FailedAtIsNil(), message.UpdatedAtGTE(since)),
	)})
	var codes []codeCount
	err = r.d.Client.Message.Query().Where(failed...).
		GroupBy(message.FieldErrorCode).Aggregate(ent.As(ent.Count(), "count")).Scan(ctx, &codes)
	if err != nil {
		return c, err
	}
	if len(codes) == 0 {
		c.Status = OK
		if lastSent == nil {
			c.Reason = "Nothing has been sent yet, and no send failed in the last 24 hours."
		} else {
			c.Reason, c.At = "The last reply was sent at "+stamp(*lastSent.SentAt)+"; no send failed in the last 24 hours.", lastSent.SentAt
		}
		return c, nil
	}
	latest, err := r.d.Client.Message.Query().Where(failed...).
		Order(ent.Desc(message.FieldUpdatedAt), ent.Desc(message.FieldID)).First(ctx)
	if err != nil {
		return c, err
	}
	failedAt := latest.UpdatedAt
	if latest.FailedAt != nil {
		failedAt = *latest.FailedAt
	}
	c.At = ptr(failedAt)
	c.Reason = describeCodes(codes) + "; the latest at " + stamp(failedAt)
	c.Action = actionForCode(latest.ErrorCode)
	if lastSent != nil && lastSent.SentAt.After(failedAt) {
		c.Status = Warning
		c.Reason += ", and replies have been sent since (last at " + stamp(*lastSent.SentAt) + ")."
		return c, nil
	}
	c.Status = Failing
	c.Reason += "."
	return c, nil
}

// describeCodes says e.g. "4 sends failed in the last 24 hours: Meta code 131047 ×3, 190 ×1".
func describeCodes(codes []codeCount) string {
	slices.SortFunc(codes, func(a, b codeCount) int { return b.Count - a.Count })
	total := 0
	parts := make([]string, 0, len(codes))
	for _, cc := range codes {
		total += cc.Count
		code := "no code"
		if cc.Code != nil {
			code = fmt.Sprint(*cc.Code)
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", code, cc.Count))
	}
	noun := "sends"
	if total == 1 {
		noun = "send"
	}
	return fmt.Sprintf("%d %s failed in the last 24 hours (Meta code %s)", total, noun, strings.Join(parts, ", "))
}

// actionForCode says what to do about the latest failure's Meta code.
func actionForCode(code *int) string {
	if code == nil {
		return "Look at the failed messages in the integration's conversations for details."
	}
	switch c := *code; {
	case c == 0 || c == 190 || c == 104:
		return actionNewToken
	case c == 131047 || c == 470:
		return "The contact last wrote more than 24 hours ago; set an approved template in the integration settings to reach them."
	case c == 131026:
		return "The recipient cannot receive WhatsApp messages (not on WhatsApp, outdated app or terms not accepted); nothing to fix on this side."
	case c == 131030:
		return "The number is a test number: add the recipient to its allowed list in the Meta app, or use a production number."
	case c == 130429 || c == 131056 || c == 80007 || c == 4:
		return "Meta is throttling the number; fewer messages in quick succession help, and sends are retried automatically."
	case c == 368 || c == 131031:
		return "Meta has restricted the WhatsApp account; check its status in WhatsApp Manager."
	case c >= 132000 && c < 133000:
		return "The template was refused: check its name, language and parameters against the approved template in WhatsApp Manager."
	case c == 3 || c == 10 || (c >= 200 && c < 300):
		return "The access token lacks a permission; generate it with the whatsapp_business_messaging and whatsapp_business_management permissions."
	}
	return "Look up Meta's error code in the integration's error log and in Meta's WhatsApp error code reference."
}
