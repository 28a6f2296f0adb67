package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/gqlws"
	"github.com/intalos/integrations/internal/store"
)

const (
	subActivity = `subscription($id: ID) { integrationActivity(integrationId: $id) {
		kind resync integrationId at integration { id name status lastActivityAt bot { id } } } }`
	subMessages = `subscription($i: ID!, $c: ID) { messageEvents(integrationId: $i, conversationId: $c) {
		kind resync status errorCode conversationId at message { id direction text status errorCode } } }`
	subErrors = `subscription($id: ID) { integrationErrors(integrationId: $id) {
		resync integrationId at error { id kind message } } }`
)

// TestSubscriptions runs every subscription over both protocols on both
// databases: account A sees each of its changes in order, account B, on
// its own connection, sees none of A's, and ending the subscriptions and
// connections leaves no goroutine behind.
func TestSubscriptions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, live := newLiveEnv(t, db, graph.HandlerConfig{})
		a := e.world("A", "100000001")
		b := e.world("B", "200000002")
		for _, proto := range protocols {
			t.Run(proto, func(t *testing.T) { testSubscriptions(t, e, live, a, b, proto) })
		}
	})
}

func testSubscriptions(t *testing.T, e *env, live *liveSubs, a, b *world, proto string) {
	base := runtime.NumGoroutine()
	c := e.db.Client
	ai, ac := gid("Integration", a.integration.ID), gid("Conversation", a.conversation.ID)
	ca, err := dialWS(t, e.srv.URL, proto, bearer(a.key))
	must(t, err)
	cb, err := dialWS(t, e.srv.URL, proto, map[string]any{"apiKey": b.key})
	must(t, err)
	before := live.count()
	ca.subscribe("act", subActivity, nil)
	ca.subscribe("msg", subMessages, map[string]any{"i": ai})
	ca.subscribe("conv", subMessages, map[string]any{"i": ai, "c": ac})
	ca.subscribe("err", subErrors, map[string]any{"id": ai})
	cb.subscribe("act", subActivity, nil)
	cb.subscribe("msg", subMessages, map[string]any{"i": gid("Integration", b.integration.ID)})
	cb.subscribe("err", subErrors, nil)
	live.await(t, before+7)

	// An outbound message through every status, as the outbox and the
	// webhook write them: by predicate and by id.
	out := c.Message.Create().SetAccountID(a.account).SetIntegrationID(a.integration.ID).SetConversationID(a.conversation.ID).
		SetContactID(a.contact.ID).SetDirection(message.DirectionOUTBOUND).SetType("text").SetText("Your order?").
		SetStatus(message.StatusQUEUED).SaveX(sys())
	must(t, c.Message.Update().Where(message.ID(out.ID), message.StatusEQ(message.StatusQUEUED)).
		SetStatus(message.StatusSENT).SetWamid("wamid.out."+proto).Exec(sys()))
	must(t, c.Message.UpdateOneID(out.ID).SetStatus(message.StatusDELIVERED).Exec(sys()))
	must(t, c.Message.UpdateOneID(out.ID).SetStatus(message.StatusREAD).Exec(sys()))
	failed := c.Message.Create().SetAccountID(a.account).SetIntegrationID(a.integration.ID).SetConversationID(a.conversation.ID).
		SetDirection(message.DirectionOUTBOUND).SetType("text").SetText("Are you there?").SetStatus(message.StatusQUEUED).SaveX(sys())
	must(t, c.Message.UpdateOneID(failed.ID).SetStatus(message.StatusFAILED).SetErrorCode(131047).SetErrorDetail("re-engagement").Exec(sys()))
	in := c.Message.Create().SetAccountID(a.account).SetIntegrationID(a.integration.ID).SetContactID(a.contact.ID).
		SetDirection(message.DirectionINBOUND).SetType("text").SetText("hello again").SetWamid("wamid.in." + proto).
		SetStatus(message.StatusRECEIVED).SaveX(sys())

	outID, failedID, inID := gid("Message", out.ID), gid("Message", failed.ID), gid("Message", in.ID)
	want := []struct{ kind, status, id string }{
		{"OUTBOUND", "QUEUED", outID}, {"STATUS", "SENT", outID}, {"STATUS", "DELIVERED", outID}, {"STATUS", "READ", outID},
		{"OUTBOUND", "QUEUED", failedID}, {"STATUS", "FAILED", failedID}, {"INBOUND", "RECEIVED", inID},
	}
	for _, w := range want {
		ev := ca.event("msg", "messageEvents")
		if ev["kind"] != w.kind || ev["status"] != w.status || str(ev, "message.id") != w.id || ev["resync"] != false {
			t.Fatalf("messageEvents = %v, want %s %s of %s", ev, w.kind, w.status, w.id)
		}
		if w.status == "FAILED" && (ev["errorCode"] != 131047.0 || get(ev, "message.errorCode") != 131047.0) {
			t.Errorf("failure without its code: %v", ev)
		}
		if w.id != inID && ev["conversationId"] != ac {
			t.Errorf("conversationId = %v, want %s", ev["conversationId"], ac)
		}
	}
	// The conversation's stream has the same events, but for the inbound
	// message, which has no conversation until a worker takes it.
	for _, w := range want[:6] {
		if ev := ca.event("conv", "messageEvents"); ev["status"] != w.status || str(ev, "message.id") != w.id {
			t.Fatalf("conversation messageEvents = %v, want %s of %s", ev, w.status, w.id)
		}
	}

	ie := c.IntegrationError.Create().SetAccountID(a.account).SetIntegrationID(a.integration.ID).
		SetKind("SEND_FAILED").SetMessage("Meta refused: " + proto).SaveX(sys())
	if ev := ca.event("err", "integrationErrors"); str(ev, "error.id") != gid("IntegrationError", ie.ID) ||
		ev["integrationId"] != ai || str(ev, "error.kind") != "SEND_FAILED" {
		t.Errorf("integrationErrors = %v", ev)
	}

	// A rename through the API, then activity twice within a second: the
	// second waits out the coalescing interval.
	e.ok(a.key, updateIntegration, map[string]any{"in": map[string]any{"id": ai, "name": "renamed " + proto}})
	if ev := ca.event("act", "integrationActivity"); ev["kind"] != "CHANGED" || str(ev, "integration.name") != "renamed "+proto ||
		str(ev, "integration.bot.id") != gid("Bot", a.bot.ID) || ev["integrationId"] != ai {
		t.Errorf("integrationActivity = %v", ev)
	}
	t0 := time.Now().Truncate(time.Millisecond)
	must(t, c.Integration.UpdateOneID(a.integration.ID).SetLastActivityAt(t0).Exec(sys()))
	first := ca.event("act", "integrationActivity")
	got1 := time.Now()
	must(t, c.Integration.UpdateOneID(a.integration.ID).SetLastActivityAt(t0.Add(time.Millisecond)).Exec(sys()))
	second := ca.event("act", "integrationActivity")
	if first["kind"] != "ACTIVITY" || second["kind"] != "ACTIVITY" || str(second, "integration.lastActivityAt") == "" {
		t.Errorf("activity events %v, %v", first, second)
	}
	if gap := time.Since(got1); gap < 500*time.Millisecond {
		t.Errorf("second activity update %s after the first, want about a second", gap)
	}

	// B's first event is its own: nothing of A's reached it.
	bi := gid("Integration", b.integration.ID)
	e.ok(b.key, updateIntegration, map[string]any{"in": map[string]any{"id": bi, "name": "B renamed " + proto}})
	if ev := cb.event("act", "integrationActivity"); ev["integrationId"] != bi || str(ev, "integration.name") != "B renamed "+proto {
		t.Errorf("B's integrationActivity = %v", ev)
	}
	cb.quiet("msg", 100*time.Millisecond)
	cb.quiet("err", 0)

	// Completing from the client ends the subscription on the server.
	ca.stop("msg")
	if r := ca.next("msg"); r.Type != "complete" && proto == gqlws.ProtocolGraphQLWS {
		t.Errorf("after stop: %s", r.Type)
	}
	ca.close()
	cb.close()
	closeIdle()
	settleGoroutines(t, base)
}

// TestSubscriptionCrossTenant: another account's ids answer NOT_FOUND,
// exactly as missing ones, over both protocols.
func TestSubscriptionCrossTenant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, _ := newLiveEnv(t, db, graph.HandlerConfig{})
		a := e.world("A", "100000001")
		b := e.world("B", "200000002")
		ai, ac := gid("Integration", a.integration.ID), gid("Conversation", a.conversation.ID)
		bi := gid("Integration", b.integration.ID)
		missingI, missingC := gid("Integration", 1<<30), gid("Conversation", 1<<30)
		for _, proto := range protocols {
			cb, err := dialWS(t, e.srv.URL, proto, bearer(b.key))
			must(t, err)
			tests := []struct {
				name          string
				q             string
				vars, missing map[string]any
			}{
				{"integrationActivity", subActivity, map[string]any{"id": ai}, map[string]any{"id": missingI}},
				{"messageEvents", subMessages, map[string]any{"i": ai}, map[string]any{"i": missingI}},
				{"messageEvents of A's conversation", subMessages, map[string]any{"i": bi, "c": ac}, map[string]any{"i": bi, "c": missingC}},
				{"integrationErrors", subErrors, map[string]any{"id": ai}, map[string]any{"id": missingI}},
			}
			for i, tt := range tests {
				var msgs [2]string
				for j, vars := range []map[string]any{tt.vars, tt.missing} {
					id := string(rune('a'+i)) + string(rune('0'+j))
					cb.subscribe(id, tt.q, vars)
					r := cb.next(id)
					if len(r.Errors) != 1 || r.Errors[0].code() != "NOT_FOUND" {
						t.Fatalf("%s %s: %s %+v, want NOT_FOUND", proto, tt.name, r.Type, r.Errors)
					}
					msgs[j] = r.Errors[0].Message + "/" + r.Errors[0].field()
				}
				if msgs[0] != msgs[1] {
					t.Errorf("%s %s: A's id answers %q, a missing one %q", proto, tt.name, msgs[0], msgs[1])
				}
			}
			cb.close()
		}
	})
}

// TestSubscriptionAuth: a connection without a key, or with a wrong or
// revoked one, is closed with 4401 and a reason; the key may come as
// Authorization or apiKey, or in the upgrade request's header.
func TestSubscriptionAuth(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, _ := newLiveEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("A")
		for _, proto := range protocols {
			refused := []struct {
				name    string
				payload any
				reason  string
			}{
				{"no payload", nil, "API key is required"},
				{"no key", map[string]any{"hello": "there"}, "API key is required"},
				{"wrong key", bearer("ik_" + strings.Repeat("0", 40)), "invalid"},
				{"not bearer", map[string]any{"Authorization": "Basic " + key}, "invalid"},
				{"wrong apiKey", map[string]any{"apiKey": "nope"}, "invalid"},
			}
			for _, tt := range refused {
				c, err := dialWS(t, e.srv.URL, proto, tt.payload)
				if err == nil {
					t.Fatalf("%s %s: acknowledged", proto, tt.name)
				}
				ce := c.closeError()
				if ce == nil || ce.Code != gqlws.CloseUnauthorized || !strings.Contains(ce.Text, tt.reason) {
					t.Errorf("%s %s: closed with %v, want %d %q", proto, tt.name, ce, gqlws.CloseUnauthorized, tt.reason)
				}
			}
			for _, payload := range []any{bearer(key), map[string]any{"authorization": "bearer " + key}, map[string]any{"apiKey": key}} {
				c, err := dialWS(t, e.srv.URL, proto, payload)
				if err != nil {
					t.Fatalf("%s %v: %v", proto, payload, err)
				}
				c.close()
			}
		}
	})
}

// TestWebsocketKeepAlive: legacy clients get "ka" messages, and
// graphql-transport-ws clients pings they must answer, else they are closed.
func TestWebsocketKeepAlive(t *testing.T) {
	e, _ := newLiveEnv(t, testdb.SQLite(t), graph.HandlerConfig{WebsocketKeepAlive: 50 * time.Millisecond})
	_, key := e.account("A")
	for _, proto := range protocols {
		c, err := dialWS(t, e.srv.URL, proto, bearer(key))
		must(t, err)
		time.Sleep(400 * time.Millisecond)
		if n := c.pingCount(); n < 3 {
			t.Errorf("%s: %d keep-alives in 400ms at 50ms", proto, n)
		}
		select {
		case <-c.closed:
			t.Errorf("%s: closed although it answered: %v", proto, c.err)
		default:
		}
		c.close()
	}
}

// TestWebsocketInitTimeout: a connection that never sends
// connection_init is closed.
func TestWebsocketInitTimeout(t *testing.T) {
	e, _ := newLiveEnv(t, testdb.SQLite(t), graph.HandlerConfig{WebsocketInitTimeout: 100 * time.Millisecond})
	for _, proto := range protocols {
		d := websocketDialer(proto)
		conn, _, err := d.Dial(wsURL(e.srv.URL), nil)
		must(t, err)
		conn.SetReadDeadline(time.Now().Add(waitTimeout))
		for {
			if _, _, err = conn.ReadMessage(); err != nil {
				break
			}
		}
		if !strings.Contains(err.Error(), "initialisation timeout") {
			t.Errorf("%s: %v, want the init timeout", proto, err)
		}
		conn.Close()
	}
}

// TestStalledClient: a client that stops reading is closed (1013) once its
// send queue is full; the publishing transaction and another client
// subscribed to the same events carry on.
func TestStalledClient(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e, live := newLiveEnv(t, db, graph.HandlerConfig{WebsocketSendQueue: 8})
		a := e.world("A", "100000001")
		base := runtime.NumGoroutine()
		vars := map[string]any{"i": gid("Integration", a.integration.ID)}

		// The stalled client: a bare socket that subscribes, then never reads.
		stalled, _, err := websocketDialer(gqlws.ProtocolGraphQLTransportWS).Dial(wsURL(e.srv.URL), nil)
		must(t, err)
		defer stalled.Close()
		must(t, stalled.WriteJSON(wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"apiKey":"` + a.key + `"}`)}))
		p, _ := json.Marshal(map[string]any{"query": subMessages, "variables": vars})
		must(t, stalled.WriteJSON(wsMsg{ID: "1", Type: "subscribe", Payload: p}))

		healthy, err := dialWS(t, e.srv.URL, gqlws.ProtocolGraphQLTransportWS, bearer(a.key))
		must(t, err)
		healthy.subscribe("msg", subMessages, vars)
		live.await(t, 2)

		// Enough big messages to fill the socket buffers many times over,
		// one transaction each, as the outbox commits them. The healthy
		// client keeps up: each event reaches it before the next write.
		const n = 60
		text := strings.Repeat("x", 128<<10)
		for i := range n {
			start := time.Now()
			must(t, e.db.Client.Message.Create().SetAccountID(a.account).SetIntegrationID(a.integration.ID).
				SetConversationID(a.conversation.ID).SetDirection(message.DirectionOUTBOUND).SetType("text").
				SetText(text).SetStatus(message.StatusQUEUED).Exec(sys()))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("a publishing write took %s", d)
			}
			if ev := healthy.event("msg", "messageEvents"); ev["kind"] != "OUTBOUND" {
				t.Fatalf("healthy client, event %d: %v", i, ev)
			}
		}

		// Reading now drains what the kernel held, then finds the close.
		must(t, stalled.SetReadDeadline(time.Now().Add(waitTimeout)))
		got := 0
		for {
			var m wsMsg
			if err = stalled.ReadJSON(&m); err != nil {
				break
			}
			if m.Type == "next" {
				got++
			}
		}
		if got >= n {
			t.Errorf("the stalled client got all %d events", got)
		}
		// The 1013 close frame is best effort: a stalled client's socket
		// may be cut before it could be written.
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code != gqlws.CloseTryAgainLater && ce.Code != websocket.CloseAbnormalClosure {
			t.Errorf("stalled client closed with %d %q, want %d", ce.Code, ce.Text, gqlws.CloseTryAgainLater)
		}
		t.Logf("stalled client: %d of %d events, then %v", got, n, err)

		healthy.close()
		stalled.Close()
		closeIdle()
		settleGoroutines(t, base)
	})
}

// TestSubscriptionFallsBehind: when the events of a filter come faster
// than they can be reloaded, every subscription sharing them is closed
// with SLOW_SUBSCRIBER (a refetch is due), and subscribing again works.
func TestSubscriptionFallsBehind(t *testing.T) {
	e, live := newLiveEnv(t, testdb.SQLite(t), graph.HandlerConfig{})
	a := e.world("A", "100000001")
	vars := map[string]any{"i": gid("Integration", a.integration.ID)}
	// More events at once than the bus buffers for one filter.
	burst := make([]eventbus.Event, 1000)
	for i := range burst {
		burst[i] = eventbus.Event{Kind: eventbus.KindMessageStatus, AccountID: a.account,
			IntegrationID: a.integration.ID, MessageID: 1<<30 + i, Status: "SENT"}
	}
	for _, proto := range protocols {
		live.await(t, 0)
		c, err := dialWS(t, e.srv.URL, proto, bearer(a.key))
		must(t, err)
		c.subscribe("1", subMessages, vars)
		c.subscribe("2", subMessages, vars)
		live.await(t, 2)
		must(t, live.bus.Publish(context.Background(), burst...))
		for _, id := range []string{"1", "2"} {
			if r := c.next(id); len(r.Errors) != 1 || r.Errors[0].code() != graph.CodeSlowSubscriber {
				t.Fatalf("%s %s: %s %+v, want %s", proto, id, r.Type, r.Errors, graph.CodeSlowSubscriber)
			}
		}

		c.subscribe("3", subMessages, vars)
		live.await(t, 1)
		must(t, e.db.Client.Message.Create().SetAccountID(a.account).SetIntegrationID(a.integration.ID).
			SetDirection(message.DirectionOUTBOUND).SetType("text").SetText("after").SetStatus(message.StatusQUEUED).Exec(sys()))
		if ev := c.event("3", "messageEvents"); str(ev, "message.text") != "after" {
			t.Errorf("%s: after resubscribing, %v", proto, ev)
		}
		c.close()
	}
}

// TestSubscriptionBurst: one commit announcing a burst of messages reaches
// every one of many subscribers whole, none closed as too slow: while the
// last subscribers of a busy feed catch up, the burst waits in their
// buffers, and a burst is not a slow client.
func TestSubscriptionBurst(t *testing.T) {
	const clients, burst = 200, 60
	e, live := newLiveEnv(t, testdb.SQLite(t), graph.HandlerConfig{})
	a := e.world("A", "100000001")
	vars := map[string]any{"i": gid("Integration", a.integration.ID)}
	before := live.count()
	subs := make([]*wsClient, clients)
	for i := range subs {
		c, err := dialWS(t, e.srv.URL, protocols[i%len(protocols)], bearer(a.key))
		must(t, err)
		c.subscribe("msg", subMessages, vars)
		subs[i] = c
	}
	live.await(t, before+clients)

	tx, err := e.db.Client.Tx(sys())
	must(t, err)
	for i := range burst {
		tx.Message.Create().SetAccountID(a.account).SetIntegrationID(a.integration.ID).SetConversationID(a.conversation.ID).
			SetDirection(message.DirectionOUTBOUND).SetType("text").SetText(fmt.Sprint(i)).SetStatus(message.StatusQUEUED).
			SaveX(sys())
	}
	must(t, tx.Commit())
	for _, c := range subs {
		for i := range burst {
			if ev := c.event("msg", "messageEvents"); ev["kind"] != "OUTBOUND" || str(ev, "message.text") != fmt.Sprint(i) {
				t.Fatalf("event %d: %v", i, ev)
			}
		}
	}
}
