package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// e2eBot asks one button question and answers the choice.
const e2eBot = `{
  "version": 1, "start": "ask",
  "nodes": [
    {"id": "ask", "type": "QuestionButtons", "text": "Hi {{contact.name}}, coffee or tea?",
     "buttons": [{"id": "coffee", "title": "Coffee", "next": "coffee"}, {"id": "tea", "title": "Tea", "next": "tea"}]},
    {"id": "coffee", "type": "Message", "text": "Coffee it is."},
    {"id": "tea", "type": "Message", "text": "Tea it is."}
  ]
}`

// meta is the simulator set up as Meta's side of one WhatsApp number.
type meta struct {
	*whatsapptest.Server
	appID, appSecret, shortToken, phoneNumberID string
}

func newMeta(t *testing.T) *meta {
	t.Helper()
	m := &meta{
		Server:        whatsapptest.NewServer(t, whatsapptest.Config{WABAID: "102290129340398"}),
		appID:         "1234567890",
		appSecret:     "e2e-app-secret-value",
		shortToken:    "EAAshort-lived-e2e-token",
		phoneNumberID: "106540352242922",
	}
	m.AddApp(m.appID, m.appSecret)
	m.AddToken(m.shortToken, whatsapptest.TokenSpec{AppID: m.appID, ExpiresAt: time.Now().Add(time.Hour)})
	m.AddPhoneNumber(m.phoneNumberID, "15550783881")
	return m
}

// setUpIntegration creates and publishes a bot with the given definition,
// connects it to an active integration of m's number through the API, and
// returns the integration's webhook URL.
func setUpIntegration(t *testing.T, base, key string, m *meta, definition string) string {
	t.Helper()
	bot := gqlOK(t, base, key, `mutation($def: JSON) { createBot(input: {name: "Test bot", definition: $def}) { bot { id } } }`,
		map[string]any{"def": json.RawMessage(definition)})
	botID := dig(bot, "createBot", "bot", "id")
	gqlOK(t, base, key, `mutation($id: ID!) { publishBot(input: {id: $id}) { botVersion { number } } }`, map[string]any{"id": botID})
	created := gqlOK(t, base, key, `mutation($in: CreateWhatsAppIntegrationInput!) {
		createWhatsAppIntegration(input: $in) { integration { id webhookUrl } } }`,
		map[string]any{"in": map[string]any{
			"name": "Front desk", "botId": botID,
			"businessAccountId": "102290129340398", "phoneNumberId": m.phoneNumberID,
			"appId": m.appID, "appSecret": m.appSecret, "accessToken": m.shortToken,
			"verifyToken": "a-long-verify-token-123",
		}})
	integ := dig(created, "createWhatsAppIntegration", "integration").(map[string]any)
	gqlOK(t, base, key, `mutation($id: ID!) { setIntegrationActive(input: {id: $id, active: true}) { integration { status } } }`,
		map[string]any{"id": integ["id"]})
	return integ["webhookUrl"].(string)
}

// TestEndToEnd runs the product as the binary does: Meta's simulator posts
// a signed webhook, the bot runs, the reply reaches the simulator as Meta's
// exact payload, and the statuses it posts back mark the reply as read.
func TestEndToEnd(t *testing.T) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			m := newMeta(t)
			env := db.env(t)
			env["INTALOS_DATA_DIR"] = t.TempDir()
			env["GRAPH_API_URL"] = m.URL
			env["INTALOS_LOG_LEVEL"] = "warn"
			addr := freeAddr(t)
			env["INTALOS_PUBLIC_URL"] = "http://" + addr
			base, stdout := startServerAt(t, env, addr)
			key := keyPattern.FindString(stdout.String())

			hook := whatsapptest.Webhook{URL: setUpIntegration(t, base, key, m, e2eBot), AppSecret: m.appSecret}
			ctx := context.Background()
			const customer = "4915112345678"
			d, err := m.PostInbound(ctx, hook, m.phoneNumberID, whatsapptest.TextMessage(customer, "hello"))
			if err != nil || d.StatusCode != http.StatusOK {
				t.Fatalf("inbound webhook: status %d, err %v", d.StatusCode, err)
			}
			question := waitForSend(t, m, "+"+customer, 1)
			var q struct {
				Interactive struct {
					Body   struct{ Text string }
					Action struct {
						Buttons []struct{ Reply struct{ ID, Title string } }
					}
				}
			}
			json.Unmarshal(question.Body, &q)
			if !strings.HasPrefix(q.Interactive.Body.Text, "Hi ") || len(q.Interactive.Action.Buttons) != 2 {
				t.Fatalf("question sent = %s", question.Body)
			}

			m.PostInbound(ctx, hook, m.phoneNumberID, whatsapptest.ButtonReplyMessage(customer, question.WAMID, "tea", "Tea"))
			answer := waitForSend(t, m, "+"+customer, 2)
			want := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+` + customer + `","type":"text","text":{"body":"Tea it is."}`
			if !strings.HasPrefix(string(answer.Body), strings.TrimSuffix(want, "}")) {
				t.Fatalf("answer sent = %s\nwant it to start with %s", answer.Body, want)
			}

			if _, err := m.PostStatuses(ctx, hook, answer.WAMID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the answer to be READ", func() bool {
				return messageStatus(t, base, key, "Tea it is.") == "READ"
			})
		})
	}
}

// waitForSend waits for the n-th message sent to a customer and returns it.
func waitForSend(t *testing.T, m *meta, to string, n int) whatsapptest.Request {
	t.Helper()
	var got []whatsapptest.Request
	waitFor(t, fmt.Sprintf("send #%d to %s", n, to), func() bool {
		got = got[:0]
		for _, r := range m.Requests() {
			if r.To == to && r.Type != "" {
				got = append(got, r)
			}
		}
		return len(got) >= n
	}, func() {
		for _, r := range m.Requests() {
			t.Logf("simulator saw %s %s to=%q type=%q: %s", r.Method, r.Path, r.To, r.Type, r.Body)
		}
	})
	return got[n-1]
}

// messageStatus finds an outbound message by its text through the API.
func messageStatus(t *testing.T, base, key, text string) string {
	t.Helper()
	out := gqlOK(t, base, key, `{ integrations(first: 1) { edges { node { id } } } }`, nil)
	integrationID := dig(out, "integrations", "edges", 0, "node", "id")
	convs := gqlOK(t, base, key, `query($id: ID!) { conversations(integrationId: $id) { edges { node { id } } } }`,
		map[string]any{"id": integrationID})
	edges, _ := dig(convs, "conversations", "edges").([]any)
	for i := range edges {
		msgs := gqlOK(t, base, key, `query($id: ID!) { messages(conversationId: $id, first: 100) { edges { node { direction text status } } } }`,
			map[string]any{"id": dig(edges[i], "node", "id")})
		list, _ := dig(msgs, "messages", "edges").([]any)
		for _, e := range list {
			if dig(e, "node", "direction") == "OUTBOUND" && dig(e, "node", "text") == text {
				s, _ := dig(e, "node", "status").(string)
				return s
			}
		}
	}
	return ""
}

// waitFor polls ok until it holds; on timeout it runs explain, then fails.
func waitFor(t *testing.T, what string, ok func() bool, explain ...func()) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			for _, f := range explain {
				f()
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gqlOK runs a GraphQL operation and fails the test on any error.
func gqlOK(t *testing.T, base, key, query string, vars map[string]any) map[string]any {
	t.Helper()
	out := graphqlRequest(t, base, key, query, vars)
	if errs, ok := out["errors"]; ok {
		t.Fatalf("graphql errors: %v\nquery: %s", errs, query)
	}
	data, _ := out["data"].(map[string]any)
	return data
}
