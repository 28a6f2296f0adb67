package events_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

// recorder is a bus that keeps every Publish call.
type recorder struct {
	mu    sync.Mutex
	calls [][]eventbus.Event
}

func (r *recorder) Publish(_ context.Context, evs ...eventbus.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, slices.Clone(evs))
	return nil
}

func (r *recorder) take() [][]eventbus.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

func sys() context.Context { return tenant.AsSystem(context.Background()) }

// fixture is one account with an integration, a contact and a conversation.
type fixture struct {
	client       *ent.Client
	bus          *recorder
	account      int
	integration  *ent.Integration
	contact      *ent.Contact
	conversation *ent.Conversation
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	c := db.Client
	ctx := sys()
	a := c.Account.Create().SetName("A").SaveX(ctx)
	b := c.Bot.Create().SetAccountID(a.ID).SetName("bot").SetDefinition([]byte(`{}`)).SaveX(ctx)
	v := c.BotVersion.Create().SetAccountID(a.ID).SetBotID(b.ID).SetNumber(1).SetDefinition([]byte(`{}`)).SaveX(ctx)
	in := c.Integration.Create().SetAccountID(a.ID).SetName("line").SetBusinessAccountID("1").SetPhoneNumberID("100").
		SetAppID("app").SetAppSecretSealed("x").SetAccessTokenSealed("x").SetVerifyTokenSealed("x").
		SetVerifyTokenFingerprint("fp").SetWebhookKey("k").SaveX(ctx)
	ct := c.Contact.Create().SetAccountID(a.ID).SetIntegrationID(in.ID).SetWaID("1555").SaveX(ctx)
	conv := c.Conversation.Create().SetAccountID(a.ID).SetIntegrationID(in.ID).SetContactID(ct.ID).SetBotVersionID(v.ID).SaveX(ctx)
	// Hooks only from here on, so the seed publishes nothing.
	f := &fixture{client: c, bus: &recorder{}, account: a.ID, integration: in, contact: ct, conversation: conv}
	events.Register(c, f.bus, nil)
	return f
}

func (f *fixture) inbound(wamid string) *ent.MessageCreate {
	return f.client.Message.Create().SetAccountID(f.account).SetIntegrationID(f.integration.ID).
		SetContactID(f.contact.ID).SetDirection(message.DirectionINBOUND).SetType("text").SetWamid(wamid).
		SetStatus(message.StatusRECEIVED)
}

type brief struct {
	Kind        string
	Integration int
	Message     int
	Status      string
}

func briefs(evs []eventbus.Event) []brief {
	out := make([]brief, len(evs))
	for i, e := range evs {
		out[i] = brief{e.Kind, e.IntegrationID, e.MessageID, e.Status}
	}
	return out
}

func withTx(t *testing.T, c *ent.Client, fn func(tx *ent.Tx) error) error {
	t.Helper()
	tx, err := c.Tx(sys())
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// TestTransactionPublishesOnceAfterCommit: a transaction's events go out in
// one Publish after the commit, with ids right even for a bulk insert whose
// ON CONFLICT skipped rows; a rolled-back one publishes nothing.
func TestTransactionPublishesOnceAfterCommit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := sys()
		dup := f.inbound("wamid.dup").SaveX(ctx)
		f.bus.take()

		var out *ent.Message
		err := withTx(t, f.client, func(tx *ent.Tx) error {
			b := func(w string) *ent.MessageCreate {
				return tx.Message.Create().SetAccountID(f.account).SetIntegrationID(f.integration.ID).
					SetDirection(message.DirectionINBOUND).SetType("text").SetWamid(w).SetStatus(message.StatusRECEIVED)
			}
			// The conflicting row first: ent hands the returned ids out by position.
			if err := tx.Message.CreateBulk(b("wamid.dup"), b("wamid.1"), b("wamid.2")).
				OnConflict(sql.ConflictColumns(message.FieldIntegrationID, message.FieldWamid), sql.DoNothing()).Exec(ctx); err != nil {
				return err
			}
			var err error
			out, err = tx.Message.Create().SetAccountID(f.account).SetIntegrationID(f.integration.ID).
				SetConversationID(f.conversation.ID).SetDirection(message.DirectionOUTBOUND).SetType("text").
				SetStatus(message.StatusQUEUED).Save(ctx)
			if err != nil {
				return err
			}
			if len(f.bus.take()) != 0 {
				t.Error("published before the commit")
			}
			return tx.Integration.Update().Where(integration.ID(f.integration.ID)).SetLastActivityAt(time.Now()).Exec(ctx)
		})
		if err != nil {
			t.Fatal(err)
		}
		calls := f.bus.take()
		if len(calls) != 1 {
			t.Fatalf("%d publishes, want 1: %v", len(calls), calls)
		}
		ids := map[string]int{}
		for _, m := range f.client.Message.Query().AllX(ctx) {
			if m.Wamid != nil {
				ids[*m.Wamid] = m.ID
			}
		}
		in := f.integration.ID
		// The redelivered wamid.dup was not inserted: no event.
		want := []brief{
			{eventbus.KindMessageInbound, in, ids["wamid.1"], "RECEIVED"},
			{eventbus.KindMessageInbound, in, ids["wamid.2"], "RECEIVED"},
			{eventbus.KindMessageOutbound, in, out.ID, "QUEUED"},
			{eventbus.KindIntegrationActivity, in, 0, ""},
		}
		if got := briefs(calls[0]); !slices.Equal(got, want) {
			t.Errorf("events\n got %v\nwant %v", got, want)
		}
		if ids["wamid.dup"] != dup.ID {
			t.Fatalf("wamid.dup is %d, want %d", ids["wamid.dup"], dup.ID)
		}
		for _, e := range calls[0] {
			if e.AccountID != f.account {
				t.Errorf("%s without its account: %+v", e.Kind, e)
			}
		}

		err = withTx(t, f.client, func(tx *ent.Tx) error {
			if _, err := tx.Message.UpdateOneID(out.ID).SetStatus(message.StatusSENT).Save(ctx); err != nil {
				return err
			}
			return errors.New("changed my mind")
		})
		if err == nil {
			t.Fatal("want the rollback's error")
		}
		if calls := f.bus.take(); len(calls) != 0 {
			t.Errorf("a rolled-back transaction published %v", calls)
		}
	})
}

// TestMutationKinds: what each kind of write publishes, inside and outside
// a transaction.
func TestMutationKinds(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := sys()
		c := f.client
		in := f.integration.ID
		m := c.Message.Create().SetAccountID(f.account).SetIntegrationID(in).SetConversationID(f.conversation.ID).
			SetDirection(message.DirectionOUTBOUND).SetType("text").SetStatus(message.StatusQUEUED).SaveX(ctx)
		f.bus.take()

		tests := []struct {
			name  string
			write func() error
			want  []brief
		}{
			{"status by predicate", func() error {
				return c.Message.Update().Where(message.ID(m.ID), message.StatusEQ(message.StatusQUEUED)).
					SetStatus(message.StatusSENT).SetWamid("wamid.out").Exec(ctx)
			}, []brief{{eventbus.KindMessageStatus, in, m.ID, "SENT"}}},
			{"predicate matching nothing", func() error {
				return c.Message.Update().Where(message.ID(m.ID), message.StatusEQ(message.StatusQUEUED)).
					SetStatus(message.StatusSENT).Exec(ctx)
			}, nil},
			{"failed with its code", func() error {
				return c.Message.UpdateOneID(m.ID).SetStatus(message.StatusFAILED).SetErrorCode(131047).Exec(ctx)
			}, []brief{{eventbus.KindMessageStatus, in, m.ID, "FAILED"}}},
			{"no status, no event", func() error {
				return c.Message.UpdateOneID(m.ID).AddAttempts(1).Exec(ctx)
			}, nil},
			{"integration renamed", func() error {
				return c.Integration.UpdateOneID(in).SetName("renamed").Exec(ctx)
			}, []brief{{eventbus.KindIntegrationChanged, in, 0, "INACTIVE"}}},
			{"last activity", func() error {
				return c.Integration.UpdateOneID(in).SetLastActivityAt(time.Now()).Exec(ctx)
			}, []brief{{eventbus.KindIntegrationActivity, in, 0, "INACTIVE"}}},
			{"bot cleared", func() error {
				return c.Integration.Update().Where(integration.ID(in)).ClearBotID().Exec(ctx)
			}, []brief{{eventbus.KindIntegrationChanged, in, 0, ""}}},
			{"error recorded", func() error {
				return c.IntegrationError.Create().SetAccountID(f.account).SetIntegrationID(in).SetKind("SEND_FAILED").SetMessage("no").Exec(ctx)
			}, []brief{{eventbus.KindIntegrationError, in, 0, ""}}},
			{"conversation expired by predicate", func() error {
				return c.Conversation.Update().Where(conversation.ID(f.conversation.ID)).SetStatus(conversation.StatusEXPIRED).Exec(ctx)
			}, []brief{{events.KindConversationChanged, in, 0, "EXPIRED"}}},
		}
		for _, tt := range tests {
			if err := tt.write(); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var got []brief
			for _, call := range f.bus.take() {
				got = append(got, briefs(call)...)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}

		if err := c.Integration.DeleteOneID(in).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		calls := f.bus.take()
		if len(calls) != 1 || len(calls[0]) != 1 || calls[0][0].Kind != eventbus.KindIntegrationChanged ||
			calls[0][0].Status != events.StatusDeleted || calls[0][0].AccountID != f.account {
			t.Errorf("delete published %v", calls)
		}
	})
}

// TestWatchIntegrationChanges: changes invalidate one entry, a resync all of
// them, across buses as on two instances.
func TestWatchIntegrationChanges(t *testing.T) {
	bus := eventbus.NewInProcess(nil, 0)
	defer bus.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var got []string
	done := make(chan error, 1)
	go func() {
		done <- events.WatchIntegrationChanges(ctx, bus, nil,
			func(id int) { mu.Lock(); got = append(got, fmt.Sprint(id)); mu.Unlock() },
			func() { mu.Lock(); got = append(got, "all"); mu.Unlock() })
	}()
	// Subscribing is asynchronous: publish until the first arrives.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_ = bus.Publish(ctx, eventbus.Event{Kind: eventbus.KindIntegrationChanged, AccountID: 1, IntegrationID: 7})
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = bus.Publish(ctx,
		eventbus.Event{Kind: eventbus.KindIntegrationActivity, AccountID: 1, IntegrationID: 8},
		eventbus.Event{Kind: eventbus.KindIntegrationChanged, AccountID: 2, IntegrationID: 9})
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return slices.Contains(got, "9") })
	mu.Lock()
	if slices.Contains(got, "8") {
		t.Errorf("activity invalidated the cache: %v", got)
	}
	mu.Unlock()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch returned %v", err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
