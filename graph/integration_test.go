package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/contact"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/store"
)

const integrationFields = `id name status lastActivityAt createdAt updatedAt businessAccountId phoneNumberId appId apiVersion
	hasAppSecret accessTokenExpiresAt webhookUrl verifyTokenHint
	bot { id name published }
	settings { alertsEnabled alertEmail conversationExpirySeconds templateName templateLanguage triggerRecipients messagesPerSecond }`

const createIntegration = `mutation($in: CreateWhatsAppIntegrationInput!) {
	createWhatsAppIntegration(input: $in) { integration { ` + integrationFields + ` } } }`

const updateIntegration = `mutation($in: UpdateIntegrationInput!) {
	updateIntegration(input: $in) { integration { ` + integrationFields + ` } } }`

const setActive = `mutation($id: ID!, $active: Boolean!) {
	setIntegrationActive(input: {id: $id, active: $active}) { integration { id status } } }`

const createBot = `mutation($in: CreateBotInput!) { createBot(input: $in) { bot { id name published } } }`
const publishBot = `mutation($id: ID!) { publishBot(input: {id: $id}) { botVersion { id number bot { id } } } }`

// createInput is a valid createWhatsAppIntegration input.
func (e *env) createInput(phone, verifyToken string) map[string]any {
	return map[string]any{
		"name": "Support line", "businessAccountId": "102290129340398", "phoneNumberId": phone,
		"appId": appID, "appSecret": appSecret, "accessToken": e.shortToken(time.Hour), "verifyToken": verifyToken,
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[0+i].(string)] = kv[i+1]
	}
	return out
}

func TestCreateIntegration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("Acme")

		in := with(e.createInput("106540352242922", verifyTokenA), "settings", map[string]any{
			"alertsEnabled": true, "alertEmail": "ops@example.com", "conversationExpirySeconds": 3600,
			"templateName": "order_update", "templateLanguage": "en_US", "triggerRecipients": []string{"+49 151 2345678"},
			"messagesPerSecond": 20,
		})
		d := e.ok(key, createIntegration, map[string]any{"in": in})
		got := get(d, "createWhatsAppIntegration.integration").(map[string]any)
		if got["status"] != "INACTIVE" || got["name"] != "Support line" || got["hasAppSecret"] != true || got["apiVersion"] != "v21.0" {
			t.Fatalf("integration = %v", got)
		}
		if str(got, "verifyTokenHint") != "ver…" {
			t.Errorf("verifyTokenHint = %q, want ver…", got["verifyTokenHint"])
		}
		if u := str(got, "webhookUrl"); !strings.HasPrefix(u, publicURL+"/webhooks/whatsapp/") || len(u) < len(publicURL)+len("/webhooks/whatsapp/")+40 {
			t.Errorf("webhookUrl = %q, want the public URL and a long key", u)
		}
		exp, err := time.Parse(time.RFC3339, str(got, "accessTokenExpiresAt"))
		if err != nil || time.Until(exp) < 50*24*time.Hour {
			t.Errorf("accessTokenExpiresAt = %v, want the long-lived token's expiry (~60 days)", got["accessTokenExpiresAt"])
		}
		if s := got["settings"].(map[string]any); s["conversationExpirySeconds"] != 3600.0 || get(s, "triggerRecipients.0") != "491512345678" || s["messagesPerSecond"] != 20.0 {
			t.Errorf("settings = %v", s)
		}
		if ids := e.changed.take(); len(ids) != 1 {
			t.Errorf("OnIntegrationChanged calls = %v, want one", ids)
		}

		// The long-lived token, not the short one, is what is stored.
		row, err := db.Client.Integration.Query().Only(sys())
		if err != nil {
			t.Fatal(err)
		}
		long, err := e.box.Open(row.AccessTokenSealed, "access_token")
		if err != nil || long == in["accessToken"] || !strings.HasPrefix(long, "EAA") {
			t.Errorf("stored token = %q (err %v), want the exchanged one", long, err)
		}
		if strings.Contains(row.AppSecretSealed, appSecret) || strings.Contains(row.VerifyTokenSealed, verifyTokenA) {
			t.Error("a secret is stored in clear")
		}
	})
}

func TestCreateIntegrationRefusals(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		acct, key := e.account("Acme")
		otherAcct, _ := e.account("Other")
		seedBot(t, db.Client, acct, "draft only", 0)
		seedIntegration(t, db.Client, e.box, otherAcct, "theirs", "999000111", nil)
		e.ok(key, createIntegration, map[string]any{"in": e.createInput("555000111", verifyTokenA)})
		e.changed.take()

		draftID := e.ok(key, `query { bots { edges { node { id } } } }`, nil)
		draftGID := str(draftID, "bots.edges.0.node.id")

		tests := []struct {
			name  string
			give  map[string]any
			code  string
			field string
		}{
			{"short verify token", map[string]any{"verifyToken": "too-short"}, "BAD_USER_INPUT", "verifyToken"},
			{"verify token of another integration", map[string]any{"verifyToken": verifyTokenA}, "BAD_USER_INPUT", "verifyToken"},
			{"api version", map[string]any{"apiVersion": "21.0"}, "BAD_USER_INPUT", "apiVersion"},
			{"empty phone number id", map[string]any{"phoneNumberId": ""}, "BAD_USER_INPUT", "phoneNumberId"},
			{"non-numeric business account", map[string]any{"businessAccountId": "acme"}, "BAD_USER_INPUT", "businessAccountId"},
			{"empty app id", map[string]any{"appId": " "}, "BAD_USER_INPUT", "appId"},
			{"empty app secret", map[string]any{"appSecret": ""}, "BAD_USER_INPUT", "appSecret"},
			{"empty access token", map[string]any{"accessToken": ""}, "BAD_USER_INPUT", "accessToken"},
			{"long name", map[string]any{"name": strings.Repeat("n", 201)}, "BAD_USER_INPUT", "name"},
			{"bad email", map[string]any{"settings": map[string]any{"alertEmail": "ops at example"}}, "BAD_USER_INPUT", "settings.alertEmail"},
			{"alerts without email", map[string]any{"settings": map[string]any{"alertsEnabled": true}}, "BAD_USER_INPUT", "settings.alertEmail"},
			{"template without language", map[string]any{"settings": map[string]any{"templateName": "hello"}}, "BAD_USER_INPUT", "settings.templateLanguage"},
			{"template name", map[string]any{"settings": map[string]any{"templateName": "Hello World", "templateLanguage": "en"}}, "BAD_USER_INPUT", "settings.templateName"},
			{"template language", map[string]any{"settings": map[string]any{"templateName": "hello", "templateLanguage": "english"}}, "BAD_USER_INPUT", "settings.templateLanguage"},
			{"recipient", map[string]any{"settings": map[string]any{"triggerRecipients": []string{"12"}}}, "BAD_USER_INPUT", "settings.triggerRecipients[0]"},
			{"duplicate recipient", map[string]any{"settings": map[string]any{"triggerRecipients": []string{"4915112345678", "+4915112345678"}}}, "BAD_USER_INPUT", "settings.triggerRecipients[1]"},
			{"expiry too short", map[string]any{"settings": map[string]any{"conversationExpirySeconds": 10}}, "BAD_USER_INPUT", "settings.conversationExpirySeconds"},
			{"rate", map[string]any{"settings": map[string]any{"messagesPerSecond": 0}}, "BAD_USER_INPUT", "settings.messagesPerSecond"},
			{"unpublished bot", map[string]any{"botId": draftGID}, "BAD_USER_INPUT", "botId"},
			{"unknown bot", map[string]any{"botId": "Qm90Ojk5OTk"}, "NOT_FOUND", ""},
			{"phone number of this account", map[string]any{"phoneNumberId": "555000111"}, "CONFLICT", "phoneNumberId"},
			{"phone number of another account", map[string]any{"phoneNumberId": "999000111"}, "CONFLICT", "phoneNumberId"},
			{"wrong app secret", map[string]any{"appSecret": "not-the-secret"}, "UPSTREAM", "appSecret"},
			{"unknown app", map[string]any{"appId": "42"}, "UPSTREAM", "appId"},
			{"expired short token", map[string]any{"accessToken": e.shortToken(-time.Minute)}, "UPSTREAM", "accessToken"},
			{"unknown token", map[string]any{"accessToken": "EAAnot-a-token"}, "UPSTREAM", "accessToken"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				give := e.createInput("7000000"+string(rune('0'+i/10))+string(rune('0'+i%10)), "verify-token-for-case")
				for k, v := range tt.give {
					give[k] = v
				}
				r := e.fail(key, createIntegration, map[string]any{"in": give}, tt.code, tt.field)
				if tt.code == "UPSTREAM" {
					meta, _ := r.Errors[0].Extensions["meta"].(map[string]any)
					if meta == nil || meta["code"] == nil || meta["message"] == "" {
						t.Errorf("UPSTREAM error has no Meta code and message: %s", r.raw)
					}
				}
			})
		}
		if n := db.Client.Integration.Query().CountX(sys()); n != 2 {
			t.Errorf("integrations = %d, want 2: a refused create saved something", n)
		}
		if ids := e.changed.take(); len(ids) != 0 {
			t.Errorf("OnIntegrationChanged called for refused creates: %v", ids)
		}
	})
}

// Several problems in one input come back as one error each.
func TestCreateIntegrationReportsEveryProblem(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), graph.HandlerConfig{})
	_, key := e.account("Acme")
	in := with(e.createInput("123", "short"), "apiVersion", "latest", "phoneNumberId", "x")
	r := e.do(key, createIntegration, map[string]any{"in": in})
	var fields []string
	for _, err := range r.Errors {
		if err.code() != "BAD_USER_INPUT" {
			t.Errorf("code = %s, want BAD_USER_INPUT", err.code())
		}
		fields = append(fields, err.field())
	}
	slices.Sort(fields)
	if want := []string{"apiVersion", "phoneNumberId", "verifyToken"}; !slices.Equal(fields, want) {
		t.Errorf("fields = %v, want %v", fields, want)
	}
}

func TestIntegrationLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		acct, key := e.account("Acme")
		d := e.ok(key, createIntegration, map[string]any{"in": e.createInput("106540352242922", verifyTokenA)})
		id := str(d, "createWhatsAppIntegration.integration.id")
		e.changed.take()

		// Activation says what is missing: no bot yet.
		r := e.fail(key, setActive, map[string]any{"id": id, "active": true}, "FAILED_PRECONDITION", "")
		if m := r.Errors[0].Extensions["missing"]; len(m.([]any)) != 1 || m.([]any)[0] != "CONNECTED_BOT" {
			t.Errorf("missing = %v, want [CONNECTED_BOT]", m)
		}

		// A draft bot can be neither connected nor activated.
		bd := e.ok(key, createBot, map[string]any{"in": map[string]any{"name": "Orders", "definition": jsonValue(flowValid)}})
		botID := str(bd, "createBot.bot.id")
		const connect = `mutation($i: ID!, $b: ID!) { connectBot(input: {integrationId: $i, botId: $b}) { integration { id bot { id name published } } } }`
		e.fail(key, connect, map[string]any{"i": id, "b": botID}, "BAD_USER_INPUT", "botId")

		// Published, connected: activation works.
		e.ok(key, publishBot, map[string]any{"id": botID})
		cd := e.ok(key, connect, map[string]any{"i": id, "b": botID})
		if str(cd, "connectBot.integration.bot.id") != botID || get(cd, "connectBot.integration.bot.published") != true {
			t.Fatalf("connectBot = %v", cd)
		}
		ad := e.ok(key, setActive, map[string]any{"id": id, "active": true})
		if str(ad, "setIntegrationActive.integration.status") != "ACTIVE" {
			t.Fatalf("status = %v, want ACTIVE", ad)
		}

		// An active integration keeps its bot.
		const disconnect = `mutation($i: ID!) { disconnectBot(input: {integrationId: $i}) { integration { id bot { id } } } }`
		e.fail(key, disconnect, map[string]any{"i": id}, "FAILED_PRECONDITION", "")

		// Rebinding: a running conversation keeps the version it started with.
		row, _ := db.Client.Integration.Query().Only(sys())
		v1, _ := db.Client.BotVersion.Query().Only(sys())
		ct := db.Client.Contact.Create().SetAccountID(acct).SetIntegrationID(row.ID).SetWaID("4915112345678").SaveX(sys())
		conv := db.Client.Conversation.Create().SetAccountID(acct).SetIntegrationID(row.ID).SetContactID(ct.ID).SetBotVersionID(v1.ID).SaveX(sys())
		db.Client.Message.Create().SetAccountID(acct).SetIntegrationID(row.ID).SetConversationID(conv.ID).SetContactID(ct.ID).
			SetDirection(message.DirectionINBOUND).SetType("text").SetText("hi").SetStatus(message.StatusPROCESSED).SaveX(sys())
		db.Client.IntegrationError.Create().SetAccountID(acct).SetIntegrationID(row.ID).SetKind("NO_BOT").SetMessage("no bot").SaveX(sys())
		other := seedBot(t, db.Client, acct, "Other", 1)
		e.ok(key, connect, map[string]any{"i": id, "b": gid("Bot", other.ID)})
		if got := db.Client.Conversation.GetX(sys(), conv.ID).BotVersionID; got != v1.ID {
			t.Errorf("conversation's version = %d, want %d", got, v1.ID)
		}

		// Deactivate, then disconnect.
		e.ok(key, setActive, map[string]any{"id": id, "active": false})
		dd := e.ok(key, disconnect, map[string]any{"i": id})
		if get(dd, "disconnectBot.integration.bot") != nil {
			t.Errorf("bot after disconnect = %v", dd)
		}

		// Expired credentials block activation, and say so.
		e.ok(key, connect, map[string]any{"i": id, "b": botID})
		db.Client.Integration.UpdateOneID(row.ID).SetAccessTokenExpiresAt(time.Now().Add(-time.Hour)).ExecX(sys())
		r = e.fail(key, setActive, map[string]any{"id": id, "active": true}, "FAILED_PRECONDITION", "")
		if m := r.Errors[0].Extensions["missing"]; len(m.([]any)) != 1 || m.([]any)[0] != "WORKING_CREDENTIALS" {
			t.Errorf("missing = %v, want [WORKING_CREDENTIALS]", m)
		}

		// Refreshing with a new short-lived token renews the credentials.
		const refresh = `mutation($id: ID!, $tok: String) { refreshIntegrationToken(input: {id: $id, accessToken: $tok}) { integration { id accessTokenExpiresAt } } }`
		rd := e.ok(key, refresh, map[string]any{"id": id, "tok": e.shortToken(time.Hour)})
		if exp, _ := time.Parse(time.RFC3339, str(rd, "refreshIntegrationToken.integration.accessTokenExpiresAt")); time.Until(exp) < 50*24*time.Hour {
			t.Errorf("expiry after refresh = %v", rd)
		}
		e.ok(key, setActive, map[string]any{"id": id, "active": true})
		// Refreshing the stored long-lived token works too.
		e.ok(key, refresh, map[string]any{"id": id})
		e.fail(key, refresh, map[string]any{"id": id, "tok": "EAAunknown"}, "UPSTREAM", "accessToken")

		// Delete cascades to everything under the integration.
		const del = `mutation($id: ID!) { deleteIntegration(input: {id: $id}) { deletedId } }`
		if got := str(e.ok(key, del, map[string]any{"id": id}), "deleteIntegration.deletedId"); got != id {
			t.Errorf("deletedId = %q, want %q", got, id)
		}
		for name, n := range map[string]int{
			"integrations":  db.Client.Integration.Query().CountX(sys()),
			"contacts":      db.Client.Contact.Query().Where(contact.IntegrationID(row.ID)).CountX(sys()),
			"conversations": db.Client.Conversation.Query().Where(conversation.IntegrationID(row.ID)).CountX(sys()),
			"messages":      db.Client.Message.Query().Where(message.IntegrationID(row.ID)).CountX(sys()),
			"errors":        db.Client.IntegrationError.Query().CountX(sys()),
		} {
			if n != 0 {
				t.Errorf("%s left after delete: %d", name, n)
			}
		}
		e.fail(key, del, map[string]any{"id": id}, "NOT_FOUND", "")
		changed := e.changed.take()
		if len(changed) == 0 || slices.ContainsFunc(changed, func(i int) bool { return i != row.ID }) {
			t.Errorf("OnIntegrationChanged ids = %v, want only %d", changed, row.ID)
		}
	})
}

func TestUpdateIntegration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		_, key := e.account("Acme")
		id := str(e.ok(key, createIntegration, map[string]any{"in": with(e.createInput("106540352242922", verifyTokenA),
			"settings", map[string]any{"conversationExpirySeconds": 600})}), "createWhatsAppIntegration.integration.id")
		id2 := str(e.ok(key, createIntegration, map[string]any{"in": e.createInput("106540352242923", "verify-token-beta-42")}), "createWhatsAppIntegration.integration.id")
		row := func() (string, string) {
			i, _ := db.Client.Integration.Get(sys(), mustID(t, id))
			tok, _ := e.box.Open(i.AccessTokenSealed, "access_token")
			return tok, i.AppSecretSealed
		}
		tok0, secret0 := row()

		// A subset: the name and one setting; null clears the expiry.
		d := e.ok(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "name": "Sales",
			"settings": map[string]any{"conversationExpirySeconds": nil, "alertEmail": "a@example.com"}}})
		got := get(d, "updateIntegration.integration").(map[string]any)
		if got["name"] != "Sales" || get(got, "settings.conversationExpirySeconds") != nil || get(got, "settings.alertEmail") != "a@example.com" || got["phoneNumberId"] != "106540352242922" {
			t.Fatalf("after update = %v", got)
		}
		if tok, secret := row(); tok != tok0 || secret != secret0 {
			t.Error("an update without credentials changed them")
		}

		// Rotating the access token exchanges the new one.
		e.ok(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "accessToken": e.shortToken(time.Hour)}})
		if tok, _ := row(); tok == tok0 {
			t.Error("the access token did not change")
		}
		// A new verify token: the hint follows, reuse within the account is refused.
		d = e.ok(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "verifyToken": "xyz-new-verify-token"}})
		if str(d, "updateIntegration.integration.verifyTokenHint") != "xyz…" {
			t.Errorf("hint = %v", d)
		}
		e.fail(key, updateIntegration, map[string]any{"in": map[string]any{"id": id2, "verifyToken": "xyz-new-verify-token"}}, "BAD_USER_INPUT", "verifyToken")
		e.fail(key, updateIntegration, map[string]any{"in": map[string]any{"id": id2, "phoneNumberId": "106540352242922"}}, "CONFLICT", "phoneNumberId")
		// Its own verify token and number are not a conflict.
		e.ok(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "verifyToken": "xyz-new-verify-token", "phoneNumberId": "106540352242922"}})
		// New app credentials are checked with Meta.
		e.fail(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "appSecret": "wrong-secret"}}, "UPSTREAM", "appSecret")
		e.ok(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "appSecret": appSecret}})
		e.fail(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "accessToken": e.shortToken(-time.Second)}}, "UPSTREAM", "accessToken")

		for _, tt := range []struct {
			name, field string
			give        map[string]any
		}{
			{"verify token", "verifyToken", map[string]any{"verifyToken": "short"}},
			{"api version", "apiVersion", map[string]any{"apiVersion": "v21"}},
			{"empty phone", "phoneNumberId", map[string]any{"phoneNumberId": ""}},
			{"alerts without email", "settings.alertEmail", map[string]any{"settings": map[string]any{"alertsEnabled": true, "alertEmail": ""}}},
			{"template without name", "settings.templateName", map[string]any{"settings": map[string]any{"templateLanguage": "en"}}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				e.fail(key, updateIntegration, map[string]any{"in": with(tt.give, "id", id)}, "BAD_USER_INPUT", tt.field)
			})
		}
		e.fail(key, updateIntegration, map[string]any{"in": map[string]any{"id": "Qm90OjE", "name": "x"}}, "NOT_FOUND", "")
	})
}
