package pipelinetest

import (
	"encoding/json"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/ent/contact"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/whatsapp"
)

// endBot is the flow of conversations that Queue creates.
const endBot = `{"version":1,"start":"end","nodes":[{"id":"end","type":"End"}]}`

// Queue puts a text reply to waID in the outbox directly, as the inbox
// would, for tests of the sender alone. The contact wrote at lastInbound.
func (e *Env) Queue(waID, body string, lastInbound time.Time) *ent.Message {
	e.t.Helper()
	ctx := Ctx()
	c := e.DB.Client
	ct, err := c.Contact.Query().Where(contact.IntegrationID(e.Integ.ID), contact.WaID(waID)).Only(ctx)
	if ent.IsNotFound(err) {
		ct, err = c.Contact.Create().
			SetAccountID(e.Account).SetIntegrationID(e.Integ.ID).
			SetWaID(waID).SetLastInboundAt(lastInbound).
			Save(ctx)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	conv, err := c.Conversation.Query().
		Where(conversation.ContactID(ct.ID), conversation.StatusEQ(conversation.StatusACTIVE)).
		Only(ctx)
	if ent.IsNotFound(err) {
		v, verr := c.BotVersion.Query().Where(botversion.HasBotWith()).First(ctx)
		if ent.IsNotFound(verr) {
			_, v = e.Bot("Queue", endBot)
		} else if verr != nil {
			e.t.Fatal(verr)
		}
		conv, err = c.Conversation.Create().
			SetAccountID(e.Account).SetIntegrationID(e.Integ.ID).
			SetContactID(ct.ID).SetBotVersionID(v.ID).
			Save(ctx)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	out := whatsapp.Message{
		MessagingProduct: "whatsapp", RecipientType: "individual", To: "+" + waID,
		Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: body},
	}
	content, err := json.Marshal(out)
	if err != nil {
		e.t.Fatal(err)
	}
	m, err := c.Message.Create().
		SetAccountID(e.Account).SetIntegrationID(e.Integ.ID).
		SetConversationID(conv.ID).SetContactID(ct.ID).
		SetDirection(message.DirectionOUTBOUND).
		SetType(whatsapp.TypeText).SetContent(content).SetText(body).
		SetStatus(message.StatusQUEUED).SetNextAttemptAt(time.Now()).
		Save(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	for _, in := range e.instances {
		in.Sender.Wake()
	}
	e.mu.Unlock()
	return m
}
