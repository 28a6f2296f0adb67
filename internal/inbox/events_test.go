package inbox_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// brief is what a test compares of an event (At is the publish time).
func brief(e eventbus.Event) string {
	return fmt.Sprintf("%s account=%d integration=%d conversation=%d message=%d status=%s",
		e.Kind, e.AccountID, e.IntegrationID, e.ConversationID, e.MessageID, e.Status)
}

// TestEvents: with the hooks of package events registered, as the server
// does, processing a message publishes its commit's changes in one call,
// the outbox's send in another, and nothing twice.
func TestEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		bus := pipelinetest.NewPublished(t)
		e := pipelinetest.New(t, db, pipelinetest.Config{Bus: bus})
		bot, _ := e.Bot("Sizes", sizeBot)
		e.Bind(bot.ID)
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
		e.WaitSends(1)
		reply := e.Outbound()[0]
		e.WaitStatus(reply.ID, message.StatusSENT)
		inbound := e.Inbox("wamid.IN1")
		if inbound.ConversationID == nil || reply.ConversationID == nil || *inbound.ConversationID != *reply.ConversationID {
			t.Fatalf("inbound in conversation %v, reply in %v", inbound.ConversationID, reply.ConversationID)
		}
		conv := *inbound.ConversationID

		// Publishing follows the commit on the committer's goroutine.
		e.Eventually("the send's event", func() bool {
			return bus.Call(eventbus.KindMessageStatus, reply.ID, "SENT") >= 0
		})
		calls, errs := bus.Calls()
		if len(errs) > 0 {
			t.Errorf("the bus refused events: %v", errs)
		}

		i := bus.Call(eventbus.KindMessageStatus, inbound.ID, "PROCESSED")
		if i < 0 {
			t.Fatalf("no PROCESSED event for the inbound message in %v", calls)
		}
		var got []string
		for _, ev := range calls[i] {
			got = append(got, brief(ev))
		}
		slices.Sort(got)
		in := e.Integ.ID
		want := []string{
			brief(eventbus.Event{Kind: events.KindConversationChanged, AccountID: e.Account, IntegrationID: in, ConversationID: conv, Status: "ACTIVE"}),
			brief(eventbus.Event{Kind: eventbus.KindMessageOutbound, AccountID: e.Account, IntegrationID: in, ConversationID: conv, MessageID: reply.ID, Status: "QUEUED"}),
			brief(eventbus.Event{Kind: eventbus.KindMessageStatus, AccountID: e.Account, IntegrationID: in, ConversationID: conv, MessageID: inbound.ID, Status: "PROCESSED"}),
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("the processing commit published\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}

		j := bus.Call(eventbus.KindMessageStatus, reply.ID, "SENT")
		if j == i {
			t.Errorf("the send was published with the processing: %v", calls[i])
		}
		for _, ev := range calls[j] {
			if ev.Kind == eventbus.KindMessageStatus && ev.MessageID == reply.ID &&
				(ev.AccountID != e.Account || ev.IntegrationID != in || ev.ConversationID != conv) {
				t.Errorf("send event %s", brief(ev))
			}
		}

		// A package publishing after its commit as well would show here.
		seen := map[string]bool{}
		for _, c := range calls {
			for _, ev := range c {
				if !strings.HasPrefix(ev.Kind, "message.") {
					continue
				}
				if b := brief(ev); seen[b] {
					t.Errorf("published twice: %s", b)
				} else {
					seen[b] = true
				}
			}
		}
	})
}
