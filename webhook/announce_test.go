package webhook

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/store"
)

// committedEvents is an Announcer that keeps what committed transactions
// announced, through the same commit hook events.Publisher uses.
type committedEvents struct {
	mu  sync.Mutex
	evs []eventbus.Event
}

func (c *committedEvents) Announce(tx *ent.Tx, evs ...eventbus.Event) {
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := next.Commit(ctx, tx); err != nil {
				return err
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			c.evs = append(c.evs, evs...)
			return nil
		})
	})
}

func (c *committedEvents) get() []eventbus.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.evs)
}

// TestInboundAnnounced: each new message is announced once, after its
// commit, with its row's ids; a redelivery announces nothing, including
// the first try of a batch that met a stored wamid and was rolled back.
func TestInboundAnnounced(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		announced := &committedEvents{}
		e := newEnv(t, db, func(o *Options) { o.Events = announced })
		in := e.integration("106540352242922", "app-1", "secret-1")
		e.mustPost(in, readFixture(t, "text.json"))
		e.mustPost(in, readFixture(t, "text.json")) // stored: the first try rolls back
		batch := withPhone(t, readFixture(t, "batch_one_entry_two_changes.json"), in.PhoneNumberID)
		e.mustPost(in, batch) // one wamid, twice
		e.mustPost(in, batch)

		rows, err := e.client.Message.Query().Where(message.IntegrationID(in.ID)).Order(message.ByID()).All(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		var want []eventbus.Event
		for _, m := range rows {
			want = append(want, eventbus.Event{Kind: eventbus.KindMessageInbound, AccountID: in.AccountID,
				IntegrationID: in.ID, MessageID: m.ID, Status: string(message.StatusRECEIVED)})
		}
		if got := announced.get(); len(rows) == 0 || !slices.Equal(got, want) {
			t.Errorf("announced %+v\nwant one per stored row %+v", got, want)
		}
	})
}
