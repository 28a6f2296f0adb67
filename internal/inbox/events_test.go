package inbox_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/inbox"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// recorder is a Publisher that keeps each call's events.
type recorder struct {
	mu    sync.Mutex
	calls [][]eventbus.Event
}

func (r *recorder) Publish(_ context.Context, events ...eventbus.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, events)
	return nil
}

func (r *recorder) snapshot() [][]eventbus.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// TestEvents: each commit publishes once, after it, with every change.
func TestEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		in, out := &recorder{}, &recorder{}
		e := pipelinetest.New(t, db, pipelinetest.Config{
			Inbox:  inbox.Options{Publisher: in},
			Outbox: outbox.Options{Publisher: out},
		})
		bot, _ := e.Bot("Sizes", sizeBot)
		e.Bind(bot.ID)
		e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
		e.WaitSends(1)
		reply := e.Outbound()[0]
		e.WaitStatus(reply.ID, message.StatusSENT)
		inbound := e.Inbox("wamid.IN1")

		e.Eventually("the outbox's event", func() bool { return len(out.snapshot()) == 1 })
		calls := in.snapshot()
		if len(calls) != 1 || len(calls[0]) != 2 {
			t.Fatalf("inbox published %v, want one call with two events", calls)
		}
		processed, queued := calls[0][0], calls[0][1]
		if processed.Kind != eventbus.KindMessageStatus || processed.MessageID != inbound.ID || processed.Status != "PROCESSED" ||
			processed.AccountID != e.Account || processed.ConversationID == 0 {
			t.Errorf("first event %+v, want the inbound PROCESSED", processed)
		}
		if queued.Kind != eventbus.KindMessageOutbound || queued.MessageID != reply.ID || queued.Status != "QUEUED" {
			t.Errorf("second event %+v, want the reply QUEUED", queued)
		}
		sent := out.snapshot()[0]
		if len(sent) != 1 || sent[0].Kind != eventbus.KindMessageStatus || sent[0].MessageID != reply.ID || sent[0].Status != "SENT" {
			t.Errorf("outbox published %+v, want the reply SENT", sent)
		}
	})
}
