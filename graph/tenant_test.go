package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/store"
)

// TestCrossTenant: account B tries every query, mutation and id of account
// A. Each answers NOT_FOUND, exactly as a missing id, or an empty list, and
// A's data is unchanged afterwards.
func TestCrossTenant(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		a := e.world("A", "100000001")
		b := e.world("B", "200000002")
		aIDs := a.ids()
		before := snapshot(t, e, a)

		// Every global id of A through node and nodes.
		for typ, id := range aIDs {
			e.fail(b.key, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, "NOT_FOUND", "")
			r := e.do(b.key, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{id}})
			if get(r.Data, "nodes.0") != nil || len(r.Errors) != 1 || r.Errors[0].code() != "NOT_FOUND" {
				t.Errorf("nodes([%s of A]) = %s", typ, r.raw)
			}
		}
		ai, ab, ac, av, ak := aIDs["Integration"], aIDs["Bot"], aIDs["Conversation"], aIDs["BotVersion"], aIDs["APIKey"]
		bi, bb := b.ids()["Integration"], b.ids()["Bot"]

		notFound := []struct {
			name string
			q    string
			vars map[string]any
		}{
			{"integration", `query($id: ID!) { integration(id: $id) { id } }`, map[string]any{"id": ai}},
			{"bot", `query($id: ID!) { bot(id: $id) { id } }`, map[string]any{"id": ab}},
			{"conversations", `query($id: ID!) { conversations(integrationId: $id) { totalCount } }`, map[string]any{"id": ai}},
			{"messages", `query($id: ID!) { messages(conversationId: $id) { totalCount } }`, map[string]any{"id": ac}},
			{"integrationErrors", `query($id: ID!) { integrationErrors(integrationId: $id) { totalCount } }`, map[string]any{"id": ai}},
			{"updateIntegration", updateIntegration, map[string]any{"in": map[string]any{"id": ai, "name": "mine now"}}},
			{"updateIntegration credentials", updateIntegration, map[string]any{"in": map[string]any{"id": ai, "accessToken": e.shortToken(time.Hour)}}},
			{"setIntegrationActive", setActive, map[string]any{"id": ai, "active": true}},
			{"setIntegrationActive off", setActive, map[string]any{"id": ai, "active": false}},
			{"connectBot A's integration", `mutation($i: ID!, $b: ID!) { connectBot(input: {integrationId: $i, botId: $b}) { integration { id } } }`, map[string]any{"i": ai, "b": bb}},
			{"connectBot A's bot", `mutation($i: ID!, $b: ID!) { connectBot(input: {integrationId: $i, botId: $b}) { integration { id } } }`, map[string]any{"i": bi, "b": ab}},
			{"disconnectBot", `mutation($i: ID!) { disconnectBot(input: {integrationId: $i}) { integration { id } } }`, map[string]any{"i": ai}},
			{"deleteIntegration", `mutation($id: ID!) { deleteIntegration(input: {id: $id}) { deletedId } }`, map[string]any{"id": ai}},
			{"refreshIntegrationToken", `mutation($id: ID!) { refreshIntegrationToken(input: {id: $id}) { integration { id } } }`, map[string]any{"id": ai}},
			{"createWhatsAppIntegration with A's bot", createIntegration, map[string]any{"in": with(e.createInput("300000003", "verify-token-of-b-1"), "botId", ab)}},
			{"updateBot", `mutation($id: ID!) { updateBot(input: {id: $id, name: "mine"}) { bot { id } } }`, map[string]any{"id": ab}},
			{"publishBot", publishBot, map[string]any{"id": ab}},
			{"testBot", testBot, map[string]any{"in": map[string]any{"botId": ab, "message": map[string]any{"text": "hi"}}}},
			{"testBot A's version", testBot, map[string]any{"in": map[string]any{"botId": bb, "versionId": av, "message": map[string]any{"text": "hi"}}}},
			{"revokeAPIKey", `mutation($id: ID!) { revokeAPIKey(input: {id: $id}) { apiKey { id } } }`, map[string]any{"id": ak}},
		}
		for _, tt := range notFound {
			t.Run(tt.name, func(t *testing.T) {
				got := e.fail(b.key, tt.q, tt.vars, "NOT_FOUND", "")
				// A missing id answers exactly the same.
				missing := e.do(b.key, tt.q, swapIDs(tt.vars, aIDs))
				if len(missing.Errors) == 0 || missing.Errors[0].code() != "NOT_FOUND" || missing.Errors[0].Message != got.Errors[0].Message {
					t.Errorf("missing id answers %s, A's id %s", missing.raw, got.raw)
				}
			})
		}

		// Lists show B's own objects only.
		d := e.ok(b.key, `{ integrations { totalCount edges { node { id } } } bots { totalCount } apiKeys { totalCount }
			viewer { account { id } } }`, nil)
		if get(d, "integrations.totalCount") != 1.0 || str(d, "integrations.edges.0.node.id") != bi || get(d, "bots.totalCount") != 1.0 ||
			get(d, "apiKeys.totalCount") != 1.0 || str(d, "viewer.account.id") != b.ids()["Account"] {
			t.Errorf("B's lists = %v", d)
		}
		d = e.ok(b.key, `query($b: ID!) { integrations(filter: {botId: $b}) { totalCount } }`, map[string]any{"b": ab})
		if get(d, "integrations.totalCount") != 0.0 {
			t.Errorf("filter by A's bot = %v", d)
		}

		// A's cursors are refused, whichever list they are used in.
		aCursor := str(e.ok(a.key, `{ integrations(first: 1) { pageInfo { endCursor } } }`, nil), "integrations.pageInfo.endCursor")
		for _, q := range []string{
			`query($c: Cursor) { integrations(after: $c) { totalCount edges { node { id } } } }`,
			`query($c: Cursor) { integrations(before: $c) { edges { node { id } } } }`,
		} {
			e.fail(b.key, q, map[string]any{"c": aCursor}, "NOT_FOUND", "")
		}
		aConvCursor := str(e.ok(a.key, `query($i: ID!) { conversations(integrationId: $i, first: 1) { pageInfo { endCursor } } }`, map[string]any{"i": ai}),
			"conversations.pageInfo.endCursor")
		e.fail(b.key, `query($i: ID!, $c: Cursor) { conversations(integrationId: $i, after: $c) { totalCount } }`, map[string]any{"i": bi, "c": aConvCursor}, "NOT_FOUND", "")

		if after := snapshot(t, e, a); after != before {
			t.Errorf("A's data changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// swapIDs replaces each of A's ids in vars by an id of the same type that
// exists nowhere.
func swapIDs(vars map[string]any, ids map[string]string) map[string]any {
	b, _ := json.Marshal(vars)
	s := string(b)
	for typ, id := range ids {
		s = replaceAll(s, id, gid(typ, 987654))
	}
	var out map[string]any
	json.Unmarshal([]byte(s), &out)
	return out
}

func replaceAll(s, old, new string) string {
	for {
		i := indexOf(s, old)
		if i < 0 {
			return s
		}
		s = s[:i] + new + s[i+len(old):]
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// snapshot renders the rows of A that B's attempts could have changed.
func snapshot(t *testing.T, e *env, a *world) string {
	t.Helper()
	c := e.db.Client
	i := c.Integration.GetX(sys(), a.integration.ID)
	bt := c.Bot.GetX(sys(), a.bot.ID)
	k := c.APIKey.GetX(sys(), a.apiKey.ID)
	return fmt.Sprint(i.Name, i.Active, *i.BotID, i.AccessTokenSealed, i.UpdatedAt.UnixNano(), bt.Name, bt.UpdatedAt.UnixNano(),
		c.BotVersion.Query().CountX(sys()), k.RevokedAt == nil, c.Conversation.Query().CountX(sys()), c.Message.Query().CountX(sys()))
}
