package graph_test

import (
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/apikey"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
)

// world is one account's objects of every type, stored directly.
type world struct {
	account      int
	key          string
	bot          *ent.Bot
	version      *ent.BotVersion
	integration  *ent.Integration
	contact      *ent.Contact
	conversation *ent.Conversation
	message      *ent.Message
	err          *ent.IntegrationError
	apiKey       *ent.APIKey
}

// ids are the global ids of every object in w, by GraphQL type.
func (w *world) ids() map[string]string {
	return map[string]string{
		"Account":          gid("Account", w.account),
		"APIKey":           gid("APIKey", w.apiKey.ID),
		"Bot":              gid("Bot", w.bot.ID),
		"BotVersion":       gid("BotVersion", w.version.ID),
		"Integration":      gid("Integration", w.integration.ID),
		"Contact":          gid("Contact", w.contact.ID),
		"Conversation":     gid("Conversation", w.conversation.ID),
		"Message":          gid("Message", w.message.ID),
		"IntegrationError": gid("IntegrationError", w.err.ID),
	}
}

func (e *env) world(name, phone string) *world {
	t := e.t
	t.Helper()
	c := e.db.Client
	w := &world{}
	w.account, w.key = e.account(name)
	w.apiKey = c.APIKey.Query().Where(apikey.AccountID(w.account)).OnlyX(sys())
	w.bot = seedBot(t, c, w.account, name+" bot", 1)
	w.version = w.bot.QueryVersions().OnlyX(sys())
	w.integration = seedIntegration(t, c, e.box, w.account, name+" line", phone, &w.bot.ID)
	w.contact = c.Contact.Create().SetAccountID(w.account).SetIntegrationID(w.integration.ID).SetWaID(phone + "1").SetProfileName("Ada").SaveX(sys())
	w.conversation = c.Conversation.Create().SetAccountID(w.account).SetIntegrationID(w.integration.ID).SetContactID(w.contact.ID).
		SetBotVersionID(w.version.ID).SaveX(sys())
	c.Conversation.Create().SetAccountID(w.account).SetIntegrationID(w.integration.ID).SetContactID(w.contact.ID).
		SetBotVersionID(w.version.ID).SetStatus(conversation.StatusCOMPLETED).SetLastActivityAt(time.Now().Add(-time.Hour)).SaveX(sys())
	for i, text := range []string{"hi", "hello", "bye"} {
		dir, status := message.DirectionINBOUND, message.StatusPROCESSED
		if i == 1 {
			dir, status = message.DirectionOUTBOUND, message.StatusDELIVERED
		}
		m := c.Message.Create().SetAccountID(w.account).SetIntegrationID(w.integration.ID).SetConversationID(w.conversation.ID).
			SetContactID(w.contact.ID).SetDirection(dir).SetType("text").SetText(text).SetStatus(status).SaveX(sys())
		if w.message == nil {
			w.message = m
		}
	}
	w.err = c.IntegrationError.Create().SetAccountID(w.account).SetIntegrationID(w.integration.ID).
		SetKind(integrationerror.KindSEND_FAILED).SetMessage("Meta refused").SetDetail(map[string]any{"code": 131047}).SaveX(sys())
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
