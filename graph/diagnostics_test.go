package graph_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
	"github.com/intalos/integrations/webhook"
)

const diagnosticsQuery = `query($id: ID!) { integration(id: $id) { id diagnostics { name title status reason action at } } }`

// checkOrder is the order diagnostics.Run promises.
var checkOrder = []string{"integration_active", "bot", "access_token", "webhook_verification",
	"webhook_received", "webhook_signature", "sending", "flow"}

// checks returns the diagnostics by name, after checking their order.
func checks(t *testing.T, list any) map[string]map[string]any {
	t.Helper()
	items, _ := list.([]any)
	if len(items) != len(checkOrder) {
		t.Fatalf("diagnostics = %v, want %d checks", list, len(checkOrder))
	}
	out := make(map[string]map[string]any, len(items))
	for i, it := range items {
		c := it.(map[string]any)
		if c["name"] != checkOrder[i] {
			t.Errorf("check %d = %v, want %s", i, c["name"], checkOrder[i])
		}
		if str(c, "title") == "" || str(c, "reason") == "" {
			t.Errorf("check %v has no title or reason: %v", c["name"], c)
		}
		// An action is what to do about a problem, and only then.
		if (c["status"] == "OK") != (str(c, "action") == "") {
			t.Errorf("check %v: status %v with action %q", c["name"], c["status"], c["action"])
		}
		out[str(c, "name")] = c
	}
	return out
}

func wantStatuses(t *testing.T, got map[string]map[string]any, want map[string]string) {
	t.Helper()
	for name, status := range want {
		if got[name]["status"] != status {
			t.Errorf("%s = %v (%v), want %s", name, got[name]["status"], got[name]["reason"], status)
		}
	}
}

func TestIntegrationDiagnostics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, graph.HandlerConfig{})
		acct, key := e.account("Acme")
		_, otherKey := e.account("Other")
		mux := http.NewServeMux()
		webhook.New(db.Client, e.box, webhook.Options{}).Register(mux)
		hooks := httptest.NewServer(mux)
		t.Cleanup(hooks.Close)

		t.Run("healthy", func(t *testing.T) {
			b := seedBot(t, db.Client, acct, "published", 1)
			in := seedIntegration(t, db.Client, e.box, acct, "healthy", "555000201", &b.ID)
			expires := time.Now().Add(50 * 24 * time.Hour).UTC().Truncate(time.Second)
			e.sim.AddToken("EAAlong-"+in.PhoneNumberID, whatsapptest.TokenSpec{AppID: appID, ExpiresAt: expires})
			db.Client.Integration.UpdateOneID(in.ID).SetActive(true).SetAccessTokenExpiresAt(expires).
				SetWebhookVerifiedAt(time.Now().Add(-48 * time.Hour)).SetLastActivityAt(time.Now().Add(-time.Hour)).ExecX(sys())
			id := gid("Integration", in.ID)

			d := e.ok(key, diagnosticsQuery, map[string]any{"id": id})
			got := checks(t, get(d, "integration.diagnostics"))
			for _, name := range checkOrder {
				wantStatuses(t, got, map[string]string{name: "OK"})
			}
			if at, err := time.Parse(time.RFC3339, str(got["access_token"], "at")); err != nil || !at.Equal(expires) {
				t.Errorf("access_token at = %v, want Meta's expiry %v", got["access_token"]["at"], expires)
			}

			// Inside a mutation the checks read the mutation's own writes.
			d = e.ok(key, `mutation($id: ID!) { setIntegrationActive(input: {id: $id, active: false}) {
				integration { diagnostics { name title status reason action at } } } }`, map[string]any{"id": id})
			got = checks(t, get(d, "setIntegrationActive.integration.diagnostics"))
			wantStatuses(t, got, map[string]string{"integration_active": "FAILING", "access_token": "OK"})
		})

		t.Run("broken", func(t *testing.T) {
			draft := seedBot(t, db.Client, acct, "draft", 0)
			in := seedIntegration(t, db.Client, e.box, acct, "broken", "555000202", &draft.ID)
			token := "EAAlong-" + in.PhoneNumberID
			e.sim.AddToken(token, whatsapptest.TokenSpec{AppID: appID, ExpiresAt: time.Now().Add(time.Hour)})
			e.sim.ExpireToken(token)

			// Meta's verification with a wrong verify token, and a webhook
			// signed with another secret, through the real webhook handler.
			q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"not-the-verify-token"}, "hub.challenge": {"42"}}
			if code := hookRequest(t, http.MethodGet, hooks.URL+"/webhooks/whatsapp/"+in.WebhookKey+"?"+q.Encode(), nil); code != http.StatusForbidden {
				t.Fatalf("wrong verify token answered %d", code)
			}
			if code := hookRequest(t, http.MethodPost, hooks.URL+"/webhooks/whatsapp/"+in.WebhookKey,
				map[string]string{"X-Hub-Signature-256": "sha256=" + strings.Repeat("ab", 32)}); code < 400 {
				t.Fatalf("forged signature answered %d", code)
			}

			d := e.ok(key, diagnosticsQuery, map[string]any{"id": gid("Integration", in.ID)})
			got := checks(t, get(d, "integration.diagnostics"))
			wantStatuses(t, got, map[string]string{
				"integration_active":   "FAILING",
				"bot":                  "FAILING",
				"access_token":         "FAILING",
				"webhook_verification": "FAILING",
				"webhook_received":     "WARNING",
				"webhook_signature":    "FAILING",
				"sending":              "OK",
				"flow":                 "OK",
			})
			if r := str(got["webhook_verification"], "reason"); !strings.Contains(r, "wrong verify token") {
				t.Errorf("verification reason = %q, want the recorded cause", r)
			}
			if r := str(got["access_token"], "reason"); !strings.Contains(r, "expired") || got["access_token"]["at"] == nil {
				t.Errorf("access_token = %v, want expired with its time", got["access_token"])
			}
		})

		t.Run("another account", func(t *testing.T) {
			in := seedIntegration(t, db.Client, e.box, acct, "mine", "555000203", nil)
			e.fail(otherKey, diagnosticsQuery, map[string]any{"id": gid("Integration", in.ID)}, "NOT_FOUND", "")
			r := e.do(otherKey, `query($id: ID!) { node(id: $id) { ... on Integration { diagnostics { name } } } }`,
				map[string]any{"id": gid("Integration", in.ID)})
			if get(r.Data, "node") != nil || len(r.Errors) == 0 || r.Errors[0].code() != "NOT_FOUND" {
				t.Errorf("node of another account = %s", r.raw)
			}
		})

		t.Run("cost", func(t *testing.T) {
			// Each integration's checks ask Meta: a page of them is fine,
			// a hundred are too many for one query.
			e.ok(key, `{ integrations(first: 20) { edges { node { diagnostics { name status } } } } }`, nil)
			r := e.do(key, `{ integrations(first: 100) { edges { node { diagnostics { name status } } } } }`, nil)
			if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].code(), "COMPLEXITY") {
				t.Errorf("diagnostics of 100 integrations = %s, want a complexity error", r.raw)
			}
		})

		for _, body := range e.bodies {
			if strings.Contains(body, "EAAlong-") || strings.Contains(body, appSecret) {
				t.Fatalf("a secret is in a response: %s", body)
			}
		}
	})
}

// hookRequest sends a request to the webhook endpoint and returns its status.
func hookRequest(t *testing.T, method, u string, header map[string]string) int {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"object":"whatsapp_business_account","entry":[]}`)
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
