package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
)

// No secret shows in any response, error or log line: not the app secret,
// the short- or long-lived tokens, the verify token or an API key (the
// createAPIKey payload, which hands the key over once, aside).
func TestSecretsNeverLeak(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{Introspection: true})
		acct, key := e.account("Acme")
		const vt, vt2 = "super-secret-verify-token", "another-secret-verify-token"
		b := seedBot(t, db.Client, acct, "bot", 1)

		in := with(e.createInput("106540352242922", vt), "botId", gid("Bot", b.ID))
		id := str(e.ok(key, createIntegration, map[string]any{"in": in}), "createWhatsAppIntegration.integration.id")
		e.fail(key, createIntegration, map[string]any{"in": with(e.createInput("106540352242923", vt2), "appSecret", "wrong-"+appSecret)}, "UPSTREAM", "appSecret")
		e.fail(key, createIntegration, map[string]any{"in": e.createInput("106540352242924", vt)}, "BAD_USER_INPUT", "verifyToken")
		e.ok(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "accessToken": e.shortToken(time.Hour), "verifyToken": vt2, "appSecret": appSecret}})
		e.fail(key, updateIntegration, map[string]any{"in": map[string]any{"id": id, "accessToken": e.shortToken(-time.Hour)}}, "UPSTREAM", "accessToken")
		e.ok(key, `mutation($id: ID!) { refreshIntegrationToken(input: {id: $id}) { integration { id } } }`, map[string]any{"id": id})
		e.ok(key, setActive, map[string]any{"id": id, "active": true})
		e.ok(key, `query($id: ID!) { integration(id: $id) { `+integrationFields+` } node(id: $id) { ... on Integration { webhookUrl verifyTokenHint } } }`, map[string]any{"id": id})
		e.ok(key, `{ integrations { edges { node { `+integrationFields+` } } } }`, nil)
		e.ok("", introspectionQuery, nil)
		keyBody := len(e.bodies)
		newKey := str(e.ok(key, `mutation { createAPIKey(input: {name: "ci"}) { key } }`, nil), "createAPIKey.key")
		e.ok(newKey, `{ apiKeys { edges { node { id name prefix } } } }`, nil)

		// An internal error is logged; its text must not leak either.
		row := db.Client.Integration.Query().OnlyX(sys())
		db.Client.Integration.UpdateOneID(row.ID).SetVerifyTokenSealed("v1:tampered").ExecX(sys())
		r := e.fail(key, `query($id: ID!) { integration(id: $id) { verifyTokenHint } }`, map[string]any{"id": id}, "INTERNAL", "")
		if r.Errors[0].Message != "internal error" {
			t.Errorf("internal error message = %q", r.Errors[0].Message)
		}
		if !strings.Contains(e.logs.String(), "graphql resolver failed") {
			t.Error("the internal error was not logged")
		}

		long, err := e.box.Open(row.AccessTokenSealed, secrets.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		forbidden := append([]string{appSecret, vt, vt2, long, key, row.AppSecretSealed, row.AccessTokenSealed}, e.secrets...)
		logs := e.logs.String()
		for _, s := range append(forbidden, newKey) {
			if strings.Contains(logs, s) {
				t.Errorf("a secret (%.6s…) is in the logs", s)
			}
		}
		for i, body := range e.bodies {
			for _, s := range forbidden {
				if strings.Contains(body, s) {
					t.Errorf("a secret (%.6s…) is in response %d: %.300s", s, i, body)
				}
			}
			if i != keyBody && strings.Contains(body, newKey) {
				t.Errorf("the new API key is in response %d besides createAPIKey's", i)
			}
		}
		if !strings.Contains(e.bodies[keyBody], newKey) {
			t.Error("createAPIKey did not return the key")
		}
	})
}
