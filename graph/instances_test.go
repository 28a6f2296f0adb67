package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/gqlws"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
	"github.com/intalos/integrations/webhook"
)

// instance is one server process: its own ent client, Postgres bus and
// event hooks over the shared database.
type instance struct {
	db        *store.DB
	bus       *eventbus.Postgres
	publisher *events.Publisher
}

func newInstance(t *testing.T, src store.Source) *instance {
	t.Helper()
	db := testdb.Open(t, src)
	bus, err := eventbus.NewPostgres(context.Background(), nil, eventbus.PostgresConfig{DSN: src.DSN, DB: db.SQL})
	must(t, err)
	t.Cleanup(func() { bus.Close() })
	return &instance{db: db, bus: bus, publisher: events.Register(db.Client, bus, nil)}
}

// TestTwoInstances: a webhook POSTed to instance A reaches a subscriber
// of instance B through PostgreSQL, and an integration deactivated
// through B's API stops A's webhook at once, its cache invalidated over
// the bus.
func TestTwoInstances(t *testing.T) {
	src := testdb.PostgresSource(t)
	a, b := newInstance(t, src), newInstance(t, src)

	// Instance A serves the webhook, and drops cached integrations as
	// the bus reports changes.
	box := testBox(t)
	// A long cache TTL: only the bus can make A notice a change in time.
	hooks := webhook.New(a.db.Client, box, webhook.Options{CacheTTL: time.Hour, Events: a.publisher})
	mux := http.NewServeMux()
	hooks.Register(mux)
	srvA := httptest.NewServer(mux)
	defer srvA.Close()
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan error, 1)
	go func() {
		watched <- events.WatchIntegrationChanges(ctx, a.bus, nil, hooks.Invalidate, hooks.InvalidateAll)
	}()

	// Instance B serves the API.
	e := newEnvClient(t, b.db, b.db.Client, graph.HandlerConfig{}, func(d *graph.Deps) { d.Bus = b.bus })
	w := e.world("A", "100000001")
	must(t, b.db.Client.Integration.UpdateOneID(w.integration.ID).SetActive(true).Exec(sys()))
	in := b.db.Client.Integration.GetX(sys(), w.integration.ID)

	c, err := dialWS(t, e.srv.URL, gqlws.ProtocolGraphQLTransportWS, bearer(w.key))
	must(t, err)
	ii := gid("Integration", in.ID)
	c.subscribe("msg", subMessages, map[string]any{"i": ii})
	c.subscribe("act", subActivity, map[string]any{"id": ii})

	sim := whatsapptest.New(whatsapptest.Config{})
	defer sim.Close()
	sim.AddPhoneNumber(in.PhoneNumberID, "15550783881")
	hook := whatsapptest.Webhook{URL: srvA.URL + "/webhooks/whatsapp/" + in.WebhookKey, AppSecret: appSecret}
	// The subscription starts asynchronously: deliver until it hears one.
	var ev map[string]any
	for i := 0; ev == nil; i++ {
		d, err := sim.PostInbound(context.Background(), hook, in.PhoneNumberID, whatsapptest.TextMessage("16505551234", "hello from A"))
		if err != nil || d.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %v", d.StatusCode, err)
		}
		select {
		case m := <-c.queue("msg"):
			c.queue("msg") <- m
			ev = c.event("msg", "messageEvents")
		case <-time.After(200 * time.Millisecond):
			if i > 50 {
				t.Fatal("no event on instance B")
			}
		}
	}
	if ev["kind"] != "INBOUND" || str(ev, "message.text") != "hello from A" || str(ev, "message.direction") != "INBOUND" {
		t.Errorf("B received %v", ev)
	}

	// Deactivated through B: A's webhook soon drops deliveries (Meta
	// still gets a 200), although its cache would hold the integration
	// for an hour.
	e.ok(w.key, setActive, map[string]any{"id": ii, "active": false})
	n := 0
	waitForTest(t, func() bool {
		n++
		text := fmt.Sprintf("still there? %d", n)
		d, err := sim.PostInbound(context.Background(), hook, in.PhoneNumberID, whatsapptest.TextMessage("16505551234", text))
		if err != nil || d.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %v", d.StatusCode, err)
		}
		return !a.db.Client.Message.Query().Where(message.Text(text)).ExistX(sys())
	})
	cancel()
	if err := <-watched; err != nil {
		t.Errorf("watch: %v", err)
	}
}

func waitForTest(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
