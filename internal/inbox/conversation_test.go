package inbox_test

import (
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

const ana = "15551234567"

// TestButtonsEndToEnd follows one conversation over real HTTP: Meta's
// signed webhook in, the bot's button question out with Meta's exact
// payload, statuses back to READ, the inbound marked read, and the button
// answered by its id.
func TestButtonsEndToEnd(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{AutoStatus: true})
		bot, _ := e.Bot("Food", foodBot)
		e.Bind(bot.ID)

		hi := whatsapptest.TextMessage(ana, "hi")
		hi.ProfileName = "Ana"
		e.Inbound(withID(hi, "1"))
		sends := e.WaitSends(1)
		out := e.Outbound()
		if len(out) != 1 {
			t.Fatalf("%d outbound messages, want 1", len(out))
		}
		jsonEqual(t, sends[0].Body, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567",
			"type":"interactive","interactive":{"type":"button","body":{"text":"Pizza or pasta?"},
			"action":{"buttons":[{"type":"reply","reply":{"id":"p1","title":"Pizza"}},{"type":"reply","reply":{"id":"p2","title":"Pasta"}}]}},
			"biz_opaque_callback_data":"`+itoa(out[0].ID)+`"}`)

		read := e.WaitStatus(out[0].ID, message.StatusREAD)
		if read.Wamid == nil || *read.Wamid != sends[0].WAMID {
			t.Errorf("wamid %v, want %s", read.Wamid, sends[0].WAMID)
		}
		if read.SentAt == nil || read.DeliveredAt == nil || read.ReadAt == nil {
			t.Errorf("sent/delivered/read at: %v %v %v, want all set", read.SentAt, read.DeliveredAt, read.ReadAt)
		}
		e.Eventually("the inbound marked as read at Meta", func() bool {
			for _, r := range e.Requests(whatsapptest.KindMarkRead) {
				if r.WAMID == "wamid.IN1" {
					return true
				}
			}
			return false
		})
		if in := e.Inbox("wamid.IN1"); in.Status != message.StatusPROCESSED || in.ReadAt == nil {
			t.Errorf("inbound %s read_at %v, want PROCESSED and read", in.Status, in.ReadAt)
		}

		// Matched by id: the title is not what the button said.
		tap := whatsapptest.ButtonReplyMessage(ana, sends[0].WAMID, "p1", "renamed")
		tap.ProfileName = "Ana"
		e.Inbound(withID(tap, "2"))
		wantTexts(t, sentTexts(t, e.WaitSends(2)), "Pizza or pasta?", "Pizza it is, Ana!")
		cs := conversations(t, e)
		if len(cs) != 1 || cs[0].Status != conversation.StatusCOMPLETED {
			t.Fatalf("conversations %v, want one COMPLETED", cs)
		}
		if got := e.Inbox("wamid.IN2").ConversationID; got == nil || *got != cs[0].ID {
			t.Errorf("answer in conversation %v, want %d", got, cs[0].ID)
		}
	})
}

func TestListAnsweredByID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{})
		bot, _ := e.Bot("Sizes", sizeBot)
		e.Bind(bot.ID)
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hello"), "1"))
		sends := e.WaitSends(1)
		jsonEqual(t, sends[0].Body, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567",
			"type":"interactive","interactive":{"type":"list","body":{"text":"Which size?"},
			"action":{"button":"Sizes","sections":[{"title":"Sizes","rows":[{"id":"s","title":"Small"},{"id":"l","title":"Large","description":"Hungry"}]}]}},
			"biz_opaque_callback_data":"`+itoa(e.Outbound()[0].ID)+`"}`)
		e.Inbound(withID(whatsapptest.ListReplyMessage(ana, sends[0].WAMID, "l", "Small", ""), "2"))
		wantTexts(t, sentTexts(t, e.WaitSends(2)), "Which size?", "Large, noted.")
	})
}

func TestFreeTextToButtonQuestion(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{})
		bot, _ := e.Bot("Food", foodBot)
		e.Bind(bot.ID)
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
		e.WaitSends(1)
		e.Inbound(withID(whatsapptest.TextMessage(ana, "pizza please"), "2"))
		wantTexts(t, sentTexts(t, e.WaitSends(3)), "Pizza or pasta?", "Please tap a button.", "Pizza or pasta?")
		cs := conversations(t, e)
		if len(cs) != 1 || cs[0].Status != conversation.StatusACTIVE {
			t.Fatalf("conversations %v, want one ACTIVE", cs)
		}
	})
}

// TestExpiry: a conversation idle longer than the integration's expiry is
// EXPIRED and the contact's next message starts a new one.
func TestExpiry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{Integration: func(c *ent.IntegrationCreate) {
			c.SetConversationExpiry(time.Hour)
		}})
		bot, _ := e.Bot("Food", foodBot)
		e.Bind(bot.ID)
		old := withID(whatsapptest.TextMessage(ana, "hi"), "1")
		old.Timestamp = time.Now().Add(-2 * time.Hour)
		e.Inbound(old)
		e.WaitSends(1)
		// Within the hour the answer would be re-asked; after it, a fresh start.
		e.Inbound(withID(whatsapptest.TextMessage(ana, "pizza please"), "2"))
		wantTexts(t, sentTexts(t, e.WaitSends(2)), "Pizza or pasta?", "Pizza or pasta?")
		cs := conversations(t, e)
		if len(cs) != 2 || cs[0].Status != conversation.StatusEXPIRED || cs[1].Status != conversation.StatusACTIVE {
			t.Fatalf("conversations %v, want EXPIRED then ACTIVE", cs)
		}
		if cs[0].EndedAt == nil {
			t.Error("expired conversation has no end time")
		}
	})
}

// TestPinning: a conversation keeps the bot version it started with across
// a republish and a rebind; new conversations take what is published then.
func TestPinning(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{})
		a, v1 := e.Bot("A", versionBot("A1"))
		e.Bind(a.ID)
		n := 0
		turn := func(msg whatsapptest.InboundMessage, want string) {
			t.Helper()
			n++
			e.Inbound(withID(msg, itoa(n)))
			texts := sentTexts(t, e.WaitSends(n))
			if texts[n-1] != want {
				t.Fatalf("reply %d %q, want %q", n, texts[n-1], want)
			}
		}
		turn(whatsapptest.TextMessage(ana, "hi"), "A1: go on?")
		v2 := e.Publish(a.ID, versionBot("A2"))
		turn(whatsapptest.ButtonReplyMessage(ana, "x", "yes", "Yes"), "A1 done")
		turn(whatsapptest.TextMessage(ana, "again"), "A2: go on?")
		b, vb := e.Bot("B", versionBot("B"))
		e.Bind(b.ID)
		turn(whatsapptest.ButtonReplyMessage(ana, "x", "yes", "Yes"), "A2 done")
		turn(whatsapptest.TextMessage(ana, "and again"), "B: go on?")

		cs := conversations(t, e)
		want := []int{v1.ID, v2.ID, vb.ID}
		if len(cs) != len(want) {
			t.Fatalf("%d conversations, want %d", len(cs), len(want))
		}
		for i, c := range cs {
			if c.BotVersionID != want[i] {
				t.Errorf("conversation %d pinned to version %d, want %d", i, c.BotVersionID, want[i])
			}
		}
	})
}
