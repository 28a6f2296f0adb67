package graph_test

import (
	"slices"
	"testing"

	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/store"
)

const testBot = `mutation($in: TestBotInput!) { testBot(input: $in) { outputs state ended trace } }`

func TestBots(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("Acme")

		for _, tt := range []struct {
			name, field string
			give        map[string]any
		}{
			{"empty name", "name", map[string]any{"name": "  "}},
			{"long description", "description", map[string]any{"name": "x", "description": string(make([]byte, 2001))}},
			{"definition not an object", "definition", map[string]any{"name": "x", "definition": []int{1}}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e.fail(key, createBot, map[string]any{"in": tt.give}, "BAD_USER_INPUT", tt.field)
			})
		}

		d := e.ok(key, createBot, map[string]any{"in": map[string]any{"name": "Orders", "description": "order tracking", "definition": jsonValue(flowInvalid)}})
		id := str(d, "createBot.bot.id")
		if get(d, "createBot.bot.published") != false {
			t.Errorf("new bot published = %v", d)
		}

		// An invalid draft: every problem, with node id and field; nothing published.
		r := e.do(key, publishBot, map[string]any{"id": id})
		if len(r.Errors) < 2 || r.Data["publishBot"] != nil {
			t.Fatalf("publishBot of an invalid flow = %s", r.raw)
		}
		var nodes []string
		for _, err := range r.Errors {
			if err.code() != "BAD_USER_INPUT" || err.field() == "" {
				t.Errorf("problem = %+v, want BAD_USER_INPUT with a field", err)
			}
			if n, _ := err.Extensions["nodeId"].(string); n != "" {
				nodes = append(nodes, n+"/"+err.field())
			}
		}
		if !slices.Contains(nodes, "q/buttons") && !slices.Contains(nodes, "q/buttons[1].next") {
			t.Errorf("problems %v name neither the button count nor the dangling edge of node q", nodes)
		}
		if n := db.Client.BotVersion.Query().CountX(sys()); n != 0 {
			t.Fatalf("versions after a refused publish = %d", n)
		}

		// Fix the draft, publish twice: versions 1 and 2.
		const update = `mutation($in: UpdateBotInput!) { updateBot(input: $in) { bot { id name description definition } } }`
		ud := e.ok(key, update, map[string]any{"in": map[string]any{"id": id, "name": "Order bot", "definition": jsonValue(flowValid)}})
		if str(ud, "updateBot.bot.name") != "Order bot" || str(ud, "updateBot.bot.description") != "order tracking" || get(ud, "updateBot.bot.definition.start") != "hi" {
			t.Errorf("updateBot = %v", ud)
		}
		e.fail(key, update, map[string]any{"in": map[string]any{"id": id, "name": ""}}, "BAD_USER_INPUT", "name")
		for want := 1.0; want <= 2; want++ {
			pd := e.ok(key, publishBot, map[string]any{"id": id})
			if get(pd, "publishBot.botVersion.number") != want || str(pd, "publishBot.botVersion.bot.id") != id {
				t.Fatalf("publishBot = %v, want version %v", pd, want)
			}
		}
		// A later draft edit leaves the published versions as they were.
		e.ok(key, update, map[string]any{"in": map[string]any{"id": id, "definition": jsonValue(flowInvalid)}})

		bd := e.ok(key, `query($id: ID!) { bot(id: $id) { id published latestVersion { number definition }
			versions(first: 1) { totalCount edges { node { number } } pageInfo { hasNextPage } } } }`, map[string]any{"id": id})
		if get(bd, "bot.published") != true || get(bd, "bot.latestVersion.number") != 2.0 || get(bd, "bot.latestVersion.definition.start") != "hi" {
			t.Errorf("bot = %v", bd)
		}
		if get(bd, "bot.versions.totalCount") != 2.0 || get(bd, "bot.versions.edges.0.node.number") != 2.0 || get(bd, "bot.versions.pageInfo.hasNextPage") != true {
			t.Errorf("versions = %v", get(bd, "bot.versions"))
		}
		ld := e.ok(key, `{ bots(orderBy: {field: NAME}) { totalCount edges { node { name published latestVersion { number } } } } }`, nil)
		if get(ld, "bots.totalCount") != 1.0 || get(ld, "bots.edges.0.node.latestVersion.number") != 2.0 {
			t.Errorf("bots = %v", ld)
		}

		// Test mode: the draft is invalid now, a version runs.
		e.fail(key, testBot, map[string]any{"in": map[string]any{"botId": id, "message": map[string]any{"text": "hi"}}}, "BAD_USER_INPUT", "")
		v1 := gid("BotVersion", db.Client.BotVersion.Query().FirstIDX(sys()))
		td := e.ok(key, testBot, map[string]any{"in": map[string]any{"botId": id, "versionId": v1,
			"message": map[string]any{"text": "hi", "contactName": "Ada"}}})
		if get(td, "testBot.outputs.0.text.body") != "Hello Ada" || get(td, "testBot.ended") != false {
			t.Fatalf("first step = %v", td)
		}
		td = e.ok(key, testBot, map[string]any{"in": map[string]any{"botId": id, "versionId": v1,
			"state": get(td, "testBot.state"), "message": map[string]any{"text": "A-17"}}})
		if get(td, "testBot.outputs.0.text.body") != "Looking up A-17" || get(td, "testBot.ended") != true {
			t.Fatalf("second step = %v", td)
		}
		e.fail(key, testBot, map[string]any{"in": map[string]any{"botId": id, "versionId": v1, "state": map[string]any{"v": 99},
			"message": map[string]any{"text": "x"}}}, "BAD_USER_INPUT", "state")
		e.fail(key, testBot, map[string]any{"in": map[string]any{"botId": id, "versionId": v1,
			"message": map[string]any{"kind": "LOCATION", "latitude": 1.5}}}, "BAD_USER_INPUT", "message.latitude")
		other := seedBot(t, db.Client, mustAccount(t, e, key), "other", 1)
		otherVersion := gid("BotVersion", db.Client.BotVersion.Query().Where(botversion.BotID(other.ID)).OnlyIDX(sys()))
		e.fail(key, testBot, map[string]any{"in": map[string]any{"botId": id, "versionId": otherVersion, "message": map[string]any{"text": "x"}}}, "NOT_FOUND", "")
		e.fail(key, publishBot, map[string]any{"id": "nonsense"}, "NOT_FOUND", "")
	})
}

func mustAccount(t *testing.T, e *env, key string) int {
	t.Helper()
	return mustID(t, str(e.ok(key, `{ viewer { account { id } } }`, nil), "viewer.account.id"))
}

// One transaction per operation: when any field fails, nothing is saved,
// including what the fields before it wrote.
func TestMutationRollsBackOnError(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("Acme")
		r := e.do(key, `mutation { a: createBot(input: {name: "kept?"}) { bot { id } } b: createBot(input: {name: ""}) { bot { id } } }`, nil)
		if len(r.Errors) == 0 {
			t.Fatalf("want an error: %s", r.raw)
		}
		if n := db.Client.Bot.Query().CountX(sys()); n != 0 {
			t.Errorf("bots after a failed operation = %d, want 0", n)
		}
		e.ok(key, `mutation { a: createBot(input: {name: "one"}) { bot { id } } b: createBot(input: {name: "two"}) { bot { id name } } }`, nil)
		if n := db.Client.Bot.Query().CountX(sys()); n != 2 {
			t.Errorf("bots after a good operation = %d, want 2", n)
		}
	})
}
