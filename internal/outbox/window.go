package outbox

import (
	"context"
	"encoding/json"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/whatsapp"
)

// customerServiceWindow is how long after a contact's last message
// free-form messages may be sent.
const customerServiceWindow = 24 * time.Hour

// outsideWindow reports whether our data says the window is closed for a
// free-form message; templates may always be sent.
func (s *Sender) outsideWindow(j *job) bool {
	if j.msg.Type == whatsapp.TypeTemplate || j.contact == nil {
		return false
	}
	return j.lastInbound == nil || s.now().Sub(*j.lastInbound) >= customerServiceWindow
}

// queueTemplate handles a free-form message that the window does not
// allow: it fails, and the integration's template is queued in its place
// unless one was already queued in the conversation since the contact last
// wrote. Without a template the failure goes to the error log.
// apiErr is Meta's 131047 when Meta told us.
func (s *Sender) queueTemplate(ctx context.Context, j *job, apiErr *whatsapp.APIError) {
	const reason = "outside the 24-hour customer service window"
	if j.msg.Type == whatsapp.TypeTemplate || j.integ.TemplateName == "" || j.integ.TemplateLanguage == "" || j.m.ConversationID == nil {
		s.fail(ctx, j, integrationerror.KindOUTSIDE_WINDOW, apiErr, reason+" and no template to send instead")
		return
	}
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		sentOne := tx.Message.Query().Where(
			message.ConversationID(*j.m.ConversationID),
			message.DirectionEQ(message.DirectionOUTBOUND),
			message.Type(whatsapp.TypeTemplate),
			message.StatusNEQ(message.StatusFAILED),
		)
		if j.lastInbound != nil {
			sentOne.Where(message.CreatedAtGTE(*j.lastInbound))
		}
		already, err := sentOne.Exist(ctx)
		if err != nil {
			return err
		}
		why := reason + ": template " + j.integ.TemplateName + " sent instead"
		if already {
			why = reason + ": template " + j.integ.TemplateName + " already sent"
		}
		if err := s.failIn(ctx, tx, j, integrationerror.KindOUTSIDE_WINDOW, apiErr, why, false); err != nil {
			return err
		}
		if already {
			return nil
		}
		return s.createTemplate(ctx, tx, j)
	})
	if err != nil {
		s.log.Error("outbox: replacing a message by the template", "message_id", j.m.ID, "err", err)
		return
	}
	s.Wake()
}

func (s *Sender) createTemplate(ctx context.Context, tx *ent.Tx, j *job) error {
	t := whatsapp.Message{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               j.msg.To,
		Type:             whatsapp.TypeTemplate,
		Template: &whatsapp.Template{
			Name:     j.integ.TemplateName,
			Language: whatsapp.TemplateLanguage{Code: j.integ.TemplateLanguage},
		},
	}
	body, err := json.Marshal(t)
	if err != nil {
		return err
	}
	now := s.now()
	c := tx.Message.Create().
		SetAccountID(j.m.AccountID).
		SetIntegrationID(j.m.IntegrationID).
		SetConversationID(*j.m.ConversationID).
		SetDirection(message.DirectionOUTBOUND).
		SetType(whatsapp.TypeTemplate).
		SetContent(body).
		SetText("template " + j.integ.TemplateName).
		SetStatus(message.StatusQUEUED).
		SetNextAttemptAt(now).
		SetCreatedAt(now).
		SetUpdatedAt(now)
	if j.m.ContactID != nil {
		c.SetContactID(*j.m.ContactID)
	}
	return c.Exec(ctx)
}
