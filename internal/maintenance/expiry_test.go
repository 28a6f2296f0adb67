package maintenance

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/secrets/secretstest"
	"github.com/intalos/integrations/internal/store"
)

func TestExpirySweep(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		f := newFixture(t, db, secretstest.Box(t))
		now := clk.Now()
		withExpiry := f.integration("s", "t", nil)
		withExpiry = withExpiry.Update().SetConversationExpiry(30 * time.Minute).SaveX(sysCtx())
		noExpiry := f.integration("s", "t", nil)

		idle := f.conversation(withExpiry, conversation.StatusACTIVE, now.Add(-31*time.Minute))
		recent := f.conversation(withExpiry, conversation.StatusACTIVE, now.Add(-29*time.Minute))
		done := f.conversation(withExpiry, conversation.StatusCOMPLETED, now.Add(-48*time.Hour))
		forever := f.conversation(noExpiry, conversation.StatusACTIVE, now.Add(-240*time.Hour))

		sub := watch(t, db, f.account)
		s := NewExpirySweeper(db, ExpiryOptions{Now: clk.Now})

		if n, err := s.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v; want 1", n, err)
		}
		wantStatus(t, db, idle, conversation.StatusEXPIRED, &now)
		wantStatus(t, db, recent, conversation.StatusACTIVE, nil)
		wantStatus(t, db, done, conversation.StatusCOMPLETED, nil)
		wantStatus(t, db, forever, conversation.StatusACTIVE, nil)
		evs := published(sub)
		if len(evs) != 1 || evs[0].Kind != events.KindConversationChanged || evs[0].AccountID != f.account ||
			evs[0].ConversationID != idle.ID || evs[0].IntegrationID != withExpiry.ID || evs[0].Status != "EXPIRED" {
			t.Errorf("the sweep published %+v, want conversation %d EXPIRED", evs, idle.ID)
		}

		clk.Advance(2 * time.Minute)
		if n, err := s.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("two minutes later: Sweep = %d, %v; want 1", n, err)
		}
		later := clk.Now()
		wantStatus(t, db, recent, conversation.StatusEXPIRED, &later)
		wantStatus(t, db, forever, conversation.StatusACTIVE, nil)
		if evs := published(sub); len(evs) != 1 || evs[0].ConversationID != recent.ID || evs[0].Status != "EXPIRED" {
			t.Errorf("two minutes later: published %+v, want conversation %d EXPIRED", evs, recent.ID)
		}

		if n, err := s.Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("nothing idle: Sweep = %d, %v; want 0", n, err)
		}
		if evs := published(sub); len(evs) != 0 {
			t.Errorf("a sweep expiring nothing published %+v", evs)
		}
	})
}

// TestExpirySweepBatches: more idle conversations than one batch all expire.
func TestExpirySweepBatches(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		f := newFixture(t, db, secretstest.Box(t))
		in := f.integration("s", "t", nil).Update().SetConversationExpiry(time.Hour).SaveX(sysCtx())
		var want []int
		for range 5 {
			want = append(want, f.conversation(in, conversation.StatusACTIVE, clk.Now().Add(-2*time.Hour)).ID)
		}
		sub := watch(t, db, f.account)
		s := NewExpirySweeper(db, ExpiryOptions{Now: clk.Now, Batch: 2})
		if n, err := s.Sweep(context.Background()); err != nil || n != 5 {
			t.Fatalf("Sweep = %d, %v; want 5", n, err)
		}
		var got []int
		for _, ev := range published(sub) {
			if ev.Kind != events.KindConversationChanged || ev.Status != "EXPIRED" || ev.IntegrationID != in.ID {
				t.Errorf("unexpected event %+v", ev)
			}
			got = append(got, ev.ConversationID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("events for %v, want one each for %v", got, want)
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

// watch registers the hooks of package events on db's client, as the
// server does, with an in-process bus, and subscribes to the account's
// events. Call it after the fixtures are written.
func watch(t *testing.T, db *store.DB, account int) *eventbus.Subscription {
	t.Helper()
	bus := eventbus.NewInProcess(nil, 0)
	t.Cleanup(func() { bus.Close() })
	events.Register(db.Client, bus, nil)
	sub, err := bus.Subscribe(context.Background(), eventbus.Filter{AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// published returns the events delivered so far. The hooks publish when
// the write commits and the in-process bus delivers before Publish
// returns, so a finished call's events are all there.
func published(sub *eventbus.Subscription) []eventbus.Event {
	var out []eventbus.Event
	for {
		select {
		case ev := <-sub.C():
			out = append(out, ev)
		default:
			return out
		}
	}
}
