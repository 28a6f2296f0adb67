package maintenance

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/store"
)

func TestExpirySweep(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		f := newFixture(t, db, newBox(t))
		now := clk.Now()
		withExpiry := f.integration("s", "t", nil)
		withExpiry = withExpiry.Update().SetConversationExpiry(30 * time.Minute).SaveX(sysCtx())
		noExpiry := f.integration("s", "t", nil)

		idle := f.conversation(withExpiry, conversation.StatusACTIVE, now.Add(-31*time.Minute))
		recent := f.conversation(withExpiry, conversation.StatusACTIVE, now.Add(-29*time.Minute))
		done := f.conversation(withExpiry, conversation.StatusCOMPLETED, now.Add(-48*time.Hour))
		forever := f.conversation(noExpiry, conversation.StatusACTIVE, now.Add(-240*time.Hour))

		bus := eventbus.NewInProcess(slog.New(slog.NewTextHandler(io.Discard, nil)), 64)
		defer bus.Close()
		sub, err := bus.Subscribe(context.Background(), eventbus.Filter{AccountID: f.account, Kinds: []string{KindConversationExpired}})
		if err != nil {
			t.Fatal(err)
		}
		s := NewExpirySweeper(db, ExpiryOptions{Now: clk.Now, Bus: bus})

		if n, err := s.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1", n, err)
		}
		wantStatus(t, db, idle, conversation.StatusEXPIRED, &now)
		wantStatus(t, db, recent, conversation.StatusACTIVE, nil)
		wantStatus(t, db, done, conversation.StatusCOMPLETED, nil)
		wantStatus(t, db, forever, conversation.StatusACTIVE, nil)
		ev := nextEvent(t, sub)
		if ev.ConversationID != idle.ID || ev.IntegrationID != withExpiry.ID || ev.Status != "EXPIRED" || !ev.At.Equal(now) {
			t.Errorf("got event %+v", ev)
		}

		clk.Advance(2 * time.Minute)
		if n, err := s.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("two minutes later: Sweep = %d, %v; want 1", n, err)
		}
		later := clk.Now()
		wantStatus(t, db, recent, conversation.StatusEXPIRED, &later)
		wantStatus(t, db, forever, conversation.StatusACTIVE, nil)
		if ev := nextEvent(t, sub); ev.ConversationID != recent.ID {
			t.Errorf("got event for conversation %d, want %d", ev.ConversationID, recent.ID)
		}
	})
}

// TestExpirySweepBatches: more idle conversations than one batch all expire.
func TestExpirySweepBatches(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		f := newFixture(t, db, newBox(t))
		in := f.integration("s", "t", nil).Update().SetConversationExpiry(time.Hour).SaveX(sysCtx())
		var want []int
		for range 5 {
			want = append(want, f.conversation(in, conversation.StatusACTIVE, clk.Now().Add(-2*time.Hour)).ID)
		}
		bus := eventbus.NewInProcess(slog.New(slog.NewTextHandler(io.Discard, nil)), 64)
		defer bus.Close()
		sub, err := bus.Subscribe(context.Background(), eventbus.Filter{AccountID: f.account})
		if err != nil {
			t.Fatal(err)
		}
		s := NewExpirySweeper(db, ExpiryOptions{Now: clk.Now, Batch: 2, Bus: bus})
		if n, err := s.Sweep(context.Background()); err != nil || n != 5 {
			t.Fatalf("Sweep = %d, %v; want 5", n, err)
		}
		var got []int
		for range 5 {
			got = append(got, nextEvent(t, sub).ConversationID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("events for %v, want %v", got, want)
		}
	})
}

func wantStatus(t *testing.T, db *store.DB, c *ent.Conversation, status conversation.Status, endedAt *time.Time) {
	t.Helper()
	got, err := db.Client.Conversation.Get(sysCtx(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != status {
		t.Errorf("conversation %d: status %s, want %s", c.ID, got.Status, status)
	}
	switch {
	case endedAt == nil && got.EndedAt != nil:
		t.Errorf("conversation %d: ended at %v, want unset", c.ID, got.EndedAt)
	case endedAt != nil && (got.EndedAt == nil || !got.EndedAt.Equal(*endedAt)):
		t.Errorf("conversation %d: ended at %v, want %v", c.ID, got.EndedAt, endedAt)
	}
}

func nextEvent(t *testing.T, sub *eventbus.Subscription) eventbus.Event {
	t.Helper()
	select {
	case ev := <-sub.C():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return eventbus.Event{}
	}
}
