package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/whatsapp"
)

// queueReplies stores the step's outputs as QUEUED outbound messages of
// conv, addressed to the contact, in order (ids increase in insert order,
// and the outbox sends a conversation's messages in id order).
func queueReplies(ctx context.Context, tx *ent.Tx, c *ent.Contact, conv *ent.Conversation, outputs []whatsapp.Message, now time.Time) error {
	if len(outputs) == 0 {
		return nil
	}
	creates := make([]*ent.MessageCreate, 0, len(outputs))
	for _, out := range outputs {
		out.To = recipient(c.WaID)
		if out.RecipientType == "" {
			out.RecipientType = "individual"
		}
		body, err := json.Marshal(out)
		if err != nil {
			return fmt.Errorf("inbox: encoding reply: %w", err)
		}
		creates = append(creates, tx.Message.Create().
			SetAccountID(conv.AccountID).
			SetIntegrationID(conv.IntegrationID).
			SetConversationID(conv.ID).
			SetContactID(c.ID).
			SetDirection(message.DirectionOUTBOUND).
			SetType(out.Type).
			SetContent(body).
			SetText(summary(out)).
			SetStatus(message.StatusQUEUED).
			SetNextAttemptAt(now).
			SetCreatedAt(now).
			SetUpdatedAt(now))
	}
	if err := tx.Message.CreateBulk(creates...).Exec(ctx); err != nil {
		return fmt.Errorf("inbox: queueing replies: %w", err)
	}
	return nil
}

// summary is a reply's text for lists and dashboards.
func summary(m whatsapp.Message) string {
	switch {
	case m.Text != nil:
		return m.Text.Body
	case m.Interactive != nil && m.Interactive.Body != nil:
		return m.Interactive.Body.Text
	case m.Template != nil:
		return "template " + m.Template.Name
	case m.Location != nil:
		return "location " + m.Location.Name
	}
	for _, media := range []*whatsapp.Media{m.Image, m.Video, m.Audio, m.Document, m.Sticker} {
		if media != nil {
			if media.Caption != "" {
				return media.Caption
			}
			return m.Type
		}
	}
	return m.Type
}
