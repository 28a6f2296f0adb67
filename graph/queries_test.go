package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/store"
)

func TestAuthentication(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("Acme")
		for _, k := range []string{"", "ik_unknown-key-0000000000000", "not-even-a-key"} {
			e.fail(k, `{ viewer { account { id } } }`, nil, "UNAUTHENTICATED", "")
			e.fail(k, `mutation { createBot(input: {name: "x"}) { bot { id } } }`, nil, "UNAUTHENTICATED", "")
		}
		d := e.ok(key, `{ viewer { account { id name createdAt } } }`, nil)
		if str(d, "viewer.account.name") != "Acme" {
			t.Errorf("viewer = %v", d)
		}

		// A new key works at once; a revoked one at once no more.
		kd := e.ok(key, `mutation { createAPIKey(input: {name: "ci"}) { key apiKey { id name prefix revokedAt } } }`, nil)
		newKey, newID := str(kd, "createAPIKey.key"), str(kd, "createAPIKey.apiKey.id")
		if !strings.HasPrefix(newKey, str(kd, "createAPIKey.apiKey.prefix")) || get(kd, "createAPIKey.apiKey.revokedAt") != nil {
			t.Fatalf("createAPIKey = %v", kd)
		}
		e.ok(newKey, `{ viewer { account { id } } }`, nil)
		e.fail(key, `mutation { createAPIKey(input: {name: ""}) { key } }`, nil, "BAD_USER_INPUT", "name")
		ld := e.ok(key, `{ apiKeys { totalCount edges { node { name } } } }`, nil)
		if get(ld, "apiKeys.totalCount") != 2.0 || strings.Contains(fmt.Sprint(ld), newKey) {
			t.Errorf("apiKeys = %v", ld)
		}
		rd := e.ok(key, `mutation($id: ID!) { revokeAPIKey(input: {id: $id}) { apiKey { id revokedAt } } }`, map[string]any{"id": newID})
		if get(rd, "revokeAPIKey.apiKey.revokedAt") == nil {
			t.Errorf("revokeAPIKey = %v", rd)
		}
		e.fail(newKey, `{ viewer { account { id } } }`, nil, "UNAUTHENTICATED", "")
	})
}

func TestQueries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		w := e.world("Acme", "100200300")
		ids := w.ids()

		d := e.ok(w.key, `query($id: ID!) { integration(id: $id) { id name status bot { id } } }`, map[string]any{"id": ids["Integration"]})
		if str(d, "integration.bot.id") != ids["Bot"] || str(d, "integration.status") != "INACTIVE" {
			t.Errorf("integration = %v", d)
		}
		d = e.ok(w.key, `query($id: ID!) { bot(id: $id) { id name } }`, map[string]any{"id": ids["Bot"]})
		if str(d, "bot.id") != ids["Bot"] {
			t.Errorf("bot = %v", d)
		}

		d = e.ok(w.key, `query($i: ID!) {
			all: conversations(integrationId: $i) { totalCount edges { node { id status lastActivityAt contact { id waId profileName } botVersion { id number } } } }
			done: conversations(integrationId: $i, status: COMPLETED) { totalCount }
		}`, map[string]any{"i": ids["Integration"]})
		if get(d, "all.totalCount") != 2.0 || get(d, "done.totalCount") != 1.0 || str(d, "all.edges.0.node.id") != ids["Conversation"] ||
			str(d, "all.edges.0.node.contact.profileName") != "Ada" || get(d, "all.edges.0.node.botVersion.number") != 1.0 {
			t.Errorf("conversations = %v", d)
		}
		d = e.ok(w.key, `query($c: ID!) { messages(conversationId: $c) { totalCount edges { node { id direction type text status content errorCode } } } }`, map[string]any{"c": ids["Conversation"]})
		if get(d, "messages.totalCount") != 3.0 || str(d, "messages.edges.0.node.text") != "hi" || str(d, "messages.edges.1.node.direction") != "OUTBOUND" || str(d, "messages.edges.1.node.status") != "DELIVERED" {
			t.Errorf("messages = %v", d)
		}
		d = e.ok(w.key, `query($i: ID!) { integrationErrors(integrationId: $i) { totalCount edges { node { id kind message detail createdAt } } } }`, map[string]any{"i": ids["Integration"]})
		if str(d, "integrationErrors.edges.0.node.kind") != "SEND_FAILED" || get(d, "integrationErrors.edges.0.node.detail.code") != 131047.0 {
			t.Errorf("integrationErrors = %v", d)
		}

		// node and nodes resolve every type.
		for typ, id := range ids {
			d := e.ok(w.key, `query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": id})
			if str(d, "node.__typename") != typ || str(d, "node.id") != id {
				t.Errorf("node(%s) = %v", typ, d)
			}
		}
		r := e.do(w.key, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{ids["Bot"], gid("Bot", 999999), ids["Message"]}})
		if str(r.Data, "nodes.0.id") != ids["Bot"] || get(r.Data, "nodes.1") != nil || str(r.Data, "nodes.2.id") != ids["Message"] {
			t.Errorf("nodes = %s", r.raw)
		}
		if len(r.Errors) != 1 || r.Errors[0].code() != "NOT_FOUND" || fmt.Sprint(r.Errors[0].Path) != "[nodes 1]" {
			t.Errorf("nodes errors = %s", r.raw)
		}

		for _, q := range []string{
			`{ node(id: "garbage") { id } }`,
			`{ node(id: "Qm90Ojk5OTk5") { id } }`,
			`{ integration(id: "Qm90OjE") { id } }`,
			`{ conversations(integrationId: "SW50ZWdyYXRpb246OTk5OTk") { totalCount } }`,
			`{ messages(conversationId: "Q29udmVyc2F0aW9uOjk5OTk5") { totalCount } }`,
			`{ integrationErrors(integrationId: "SW50ZWdyYXRpb246OTk5OTk") { totalCount } }`,
		} {
			e.fail(w.key, q, nil, "NOT_FOUND", "")
		}
	})
}

func TestIntegrationsListFilterAndPagination(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		acct, key := e.account("Acme")
		b := seedBot(t, db.Client, acct, "bot", 1)
		names := []string{"delta", "alpha", "echo", "charlie", "bravo", "golf", "foxtrot"}
		for i, n := range names {
			var bot *int
			if i%2 == 0 {
				bot = &b.ID
			}
			in := seedIntegration(t, db.Client, e.box, acct, n, fmt.Sprint(5550000+i), bot)
			if i < 2 {
				db.Client.Integration.UpdateOneID(in.ID).SetActive(true).ExecX(sys())
			}
		}
		const list = `query($first: Int, $after: Cursor, $last: Int, $before: Cursor, $filter: IntegrationFilter, $order: IntegrationOrder) {
			integrations(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
				totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
		namesOf := func(d map[string]any) string {
			var out []string
			for _, ed := range get(d, "integrations.edges").([]any) {
				out = append(out, str(ed, "node.name"))
			}
			return strings.Join(out, ",")
		}
		byName := map[string]any{"field": "NAME"}

		// Forward through every page.
		var pages []string
		vars := map[string]any{"first": 3, "order": byName}
		for {
			d := e.ok(key, list, vars)
			pages = append(pages, namesOf(d))
			if get(d, "integrations.totalCount") != 7.0 {
				t.Fatalf("totalCount = %v", get(d, "integrations.totalCount"))
			}
			if get(d, "integrations.pageInfo.hasNextPage") != true {
				break
			}
			vars["after"] = str(d, "integrations.pageInfo.endCursor")
		}
		if got := strings.Join(pages, "|"); got != "alpha,bravo,charlie|delta,echo,foxtrot|golf" {
			t.Errorf("pages = %s", got)
		}
		// Backward from the end, descending, and before a cursor.
		d := e.ok(key, list, map[string]any{"last": 2, "order": byName})
		if namesOf(d) != "foxtrot,golf" || get(d, "integrations.pageInfo.hasPreviousPage") != true {
			t.Errorf("last 2 = %s %v", namesOf(d), get(d, "integrations.pageInfo"))
		}
		d = e.ok(key, list, map[string]any{"last": 2, "before": str(d, "integrations.pageInfo.startCursor"), "order": byName})
		if namesOf(d) != "delta,echo" || get(d, "integrations.pageInfo.hasNextPage") != true {
			t.Errorf("last 2 before foxtrot = %s", namesOf(d))
		}
		d = e.ok(key, list, map[string]any{"first": 2, "order": map[string]any{"field": "NAME", "direction": "DESC"}})
		if namesOf(d) != "golf,foxtrot" {
			t.Errorf("descending = %s", namesOf(d))
		}
		d = e.ok(key, list, map[string]any{"first": 2, "order": map[string]any{"field": "LAST_ACTIVITY_AT"}})
		next := e.ok(key, list, map[string]any{"first": 10, "after": str(d, "integrations.pageInfo.endCursor"), "order": map[string]any{"field": "LAST_ACTIVITY_AT"}})
		if n := len(get(next, "integrations.edges").([]any)); n != 5 {
			t.Errorf("after the first 2 by last activity: %d, want 5", n)
		}
		// Filters.
		for _, tt := range []struct {
			filter map[string]any
			want   string
		}{
			{map[string]any{"active": true}, "alpha,delta"},
			{map[string]any{"botId": gid("Bot", b.ID)}, "bravo,delta,echo,foxtrot"},
			{map[string]any{"botId": "bogus"}, ""},
			{map[string]any{"search": "ECH"}, "echo"},
			{map[string]any{"search": "5550001"}, "alpha"},
			{map[string]any{"active": false, "botId": gid("Bot", b.ID)}, "bravo,echo,foxtrot"},
		} {
			if got := namesOf(e.ok(key, list, map[string]any{"filter": tt.filter, "order": byName})); got != tt.want {
				t.Errorf("filter %v = %q, want %q", tt.filter, got, tt.want)
			}
		}
		// Argument errors.
		cursor := str(e.ok(key, list, map[string]any{"first": 1}), "integrations.pageInfo.endCursor")
		for _, tt := range []struct {
			vars        map[string]any
			code, field string
		}{
			{map[string]any{"first": 1, "last": 1}, "BAD_USER_INPUT", "last"},
			{map[string]any{"first": -1}, "BAD_USER_INPUT", "first"},
			{map[string]any{"last": 101}, "BAD_USER_INPUT", "last"},
			{map[string]any{"after": "not-a-cursor"}, "BAD_USER_INPUT", "after"},
			{map[string]any{"after": cursor, "order": byName}, "BAD_USER_INPUT", "after"},
			{map[string]any{"before": tamper(cursor)}, "NOT_FOUND", "before"},
		} {
			e.fail(key, list, tt.vars, tt.code, tt.field)
		}
		// first: 0 answers only the count.
		d = e.ok(key, list, map[string]any{"first": 0})
		if len(get(d, "integrations.edges").([]any)) != 0 || get(d, "integrations.totalCount") != 7.0 {
			t.Errorf("first 0 = %v", d)
		}
	})
}

// tamper changes a cursor's last character.
func tamper(c string) string {
	last := "0"
	if strings.HasSuffix(c, "0") {
		last = "1"
	}
	return c[:len(c)-1] + last
}
