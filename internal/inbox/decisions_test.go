package inbox_test

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/inbox"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

func TestTriggerRecipients(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{Integration: func(c *ent.IntegrationCreate) {
			c.SetTriggerRecipients([]string{"+1 (555) 000-1111"}) // compared digits-only
		}})
		bot, _ := e.Bot("Food", foodBot)
		e.Bind(bot.ID)
		e.Inbound(withID(whatsapptest.TextMessage("15559999999", "hi"), "1"))
		e.Inbound(withID(whatsapptest.TextMessage("15550001111", "hi"), "2"))
		if m := e.WaitInbound("wamid.IN1"); m.Status != message.StatusIGNORED || m.ConversationID != nil {
			t.Errorf("stranger's message %s in conversation %v, want IGNORED in none", m.Status, m.ConversationID)
		}
		if m := e.WaitInbound("wamid.IN2"); m.Status != message.StatusPROCESSED {
			t.Errorf("listed sender's message %s, want PROCESSED", m.Status)
		}
		sends := e.WaitSends(1)
		if len(sends) != 1 || sends[0].To != "+15550001111" {
			t.Fatalf("sends %v, want one to +15550001111", sends)
		}
		if n := len(conversations(t, e)); n != 1 {
			t.Errorf("%d conversations, want 1", n)
		}
	})
}

func TestNoBot(t *testing.T) {
	tests := []struct {
		name string
		bind func(e *pipelinetest.Env)
	}{
		{"no bot connected", func(e *pipelinetest.Env) {}},
		{"bot never published", func(e *pipelinetest.Env) {
			b, err := e.DB.Client.Bot.Create().SetAccountID(e.Account).SetName("Draft").Save(pipelinetest.Ctx())
			if err != nil {
				t.Fatal(err)
			}
			e.Bind(b.ID)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := pipelinetest.New(t, db, pipelinetest.Config{})
				tt.bind(e)
				e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
				m := e.WaitInbound("wamid.IN1")
				if m.Status != message.StatusFAILED || m.ErrorDetail == "" {
					t.Errorf("message %s %q, want FAILED with a reason", m.Status, m.ErrorDetail)
				}
				wantErrors(t, e, integrationerror.KindNO_BOT)
				if n := len(conversations(t, e)); n != 0 {
					t.Errorf("%d conversations, want none", n)
				}
				if out := e.Outbound(); len(out) != 0 {
					t.Errorf("%d replies queued, want none", len(out))
				}
			})
		})
	}
}

// TestFlowError: a step that fails (here the step limit) fails the message
// and leaves the conversation exactly as it was.
func TestFlowError(t *testing.T) {
	var chain strings.Builder
	for i := range 120 {
		chain.WriteString(`,{"id":"n` + itoa(i) + `","type":"SetVariable","variable":"v","value":"` + itoa(i) + `","next":"n` + itoa(i+1) + `"}`)
	}
	def := `{"version":1,"start":"ask","nodes":[{"id":"ask","type":"QuestionText","text":"Name?","variable":"name","next":"n0"}` +
		chain.String() + `,{"id":"n120","type":"End"}]}`
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{})
		bot, _ := e.Bot("Long", def)
		e.Bind(bot.ID)
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
		e.WaitSends(1)
		before := conversations(t, e)[0]
		e.Inbound(withID(whatsapptest.TextMessage(ana, "Ana"), "2"))
		m := e.WaitInbound("wamid.IN2")
		if m.Status != message.StatusFAILED || !strings.Contains(m.ErrorDetail, "too many") {
			t.Errorf("message %s %q, want FAILED by the step limit", m.Status, m.ErrorDetail)
		}
		wantErrors(t, e, integrationerror.KindFLOW_ERROR)
		after := conversations(t, e)[0]
		if !bytes.Equal(before.State, after.State) || !before.LastActivityAt.Equal(after.LastActivityAt) || after.Status != before.Status {
			t.Errorf("conversation changed by a failed step:\n%s\n%s", before.State, after.State)
		}
		if n := len(e.Outbound()); n != 1 {
			t.Errorf("%d replies, want only the question", n)
		}
	})
}

// TestNotForTheBot: reactions, notices, deletions, edits and unsupported
// messages are recorded and leave the conversation alone.
func TestNotForTheBot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{})
		bot, _ := e.Bot("Food", foodBot)
		e.Bind(bot.ID)
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "0"))
		question := e.WaitSends(1)[0]
		before := conversations(t, e)[0]
		others := []whatsapptest.InboundMessage{
			whatsapptest.ReactionMessage(ana, question.WAMID, "👍"),
			whatsapptest.RevokeMessage(ana, "wamid.IN0"),
			whatsapptest.EditMessage(ana, "wamid.IN0", whatsapptest.TextMessage(ana, "hello")),
			whatsapptest.UnsupportedMessage(ana),
			whatsapptest.ChangedNumberMessage(ana, "15557654321"),
		}
		for i, m := range others {
			e.Inbound(withID(m, itoa(i+1)))
		}
		for i, o := range others {
			m := e.WaitInbound("wamid.IN" + itoa(i+1))
			if m.Status != message.StatusIGNORED || m.ErrorDetail == "" {
				t.Errorf("%s: %s %q, want IGNORED with a reason", o.Type, m.Status, m.ErrorDetail)
			}
		}
		after := conversations(t, e)[0]
		if !bytes.Equal(before.State, after.State) || !before.LastActivityAt.Equal(after.LastActivityAt) {
			t.Errorf("conversation disturbed:\n%s\n%s", before.State, after.State)
		}
		tap := whatsapptest.ButtonReplyMessage(ana, question.WAMID, "p2", "Pasta")
		e.Inbound(withID(tap, "9"))
		wantTexts(t, sentTexts(t, e.WaitSends(2)), "Pizza or pasta?", "Pasta it is!")
	})
}

// TestInactiveIntegration: messages stored before the integration was
// switched off are recorded, not answered.
func TestInactiveIntegration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{NoInstance: true})
		bot, _ := e.Bot("Food", foodBot)
		e.Bind(bot.ID)
		in := e.Build(db, inbox.Options{}, outbox.Options{})
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
		e.UpdateIntegration(func(u *ent.IntegrationUpdateOne) { u.SetActive(false) })
		in.Run()
		if m := e.WaitInbound("wamid.IN1"); m.Status != message.StatusIGNORED {
			t.Errorf("message %s, want IGNORED", m.Status)
		}
		if n := len(e.Outbound()); n != 0 {
			t.Errorf("%d replies, want none", n)
		}
	})
}

// TestCrashBeforeCommit: a processing transaction that dies before its
// commit leaves no trace; the message is processed again, answered once.
func TestCrashBeforeCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{NoInstance: true})
		bot, _ := e.Bot("Food", foodBot)
		e.Bind(bot.ID)
		in := e.Build(db, inbox.Options{}, outbox.Options{})
		var once sync.Once
		crashes := 0
		inbox.SetBeforeCommit(in.Processor, func(int) error {
			err := error(nil)
			once.Do(func() { crashes++; err = errors.New("crash") })
			return err
		})
		in.Run()
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
		e.WaitSends(1)
		if m := e.WaitInbound("wamid.IN1"); m.Status != message.StatusPROCESSED || m.Attempts != 1 {
			t.Errorf("message %s after %d attempts, want PROCESSED after the one failed", m.Status, m.Attempts)
		}
		in.Stop()
		if crashes != 1 {
			t.Fatalf("%d crashes, want 1", crashes)
		}
		if n := len(e.Outbound()); n != 1 {
			t.Errorf("%d replies queued, want 1", n)
		}
		if n := len(e.Requests(whatsapptest.KindSend)); n != 1 {
			t.Errorf("%d sends, want 1", n)
		}
		if n := len(conversations(t, e)); n != 1 {
			t.Errorf("%d conversations, want 1", n)
		}
	})
}

func wantErrors(t *testing.T, e *pipelinetest.Env, kinds ...integrationerror.Kind) {
	t.Helper()
	got, err := e.DB.Client.IntegrationError.Query().
		Where(integrationerror.IntegrationID(e.Integ.ID)).
		Order(integrationerror.ByID()).
		All(pipelinetest.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(kinds) {
		t.Fatalf("%d integration errors, want %v", len(got), kinds)
	}
	for i, k := range kinds {
		if got[i].Kind != k {
			t.Errorf("error %d is %s, want %s", i, got[i].Kind, k)
		}
	}
}
