package benchkit

import (
	"encoding/json"
	"fmt"
)

// EchoBot answers every message with "Echo: <text>" and waits for the
// next one: one reply per inbound message.
const EchoBot = `{
  "version": 1, "start": "echo",
  "nodes": [
    {"id": "echo", "type": "QuestionText", "text": "Echo: {{message.text}}", "variable": "last", "next": "echo"}
  ]
}`

// Integration is a connected WhatsApp number as the API created it.
type Integration struct {
	ID, BotID, WebhookURL, PhoneNumberID string
}

// CreateBot creates and publishes a bot and returns its id.
func CreateBot(g GraphQL, name, definition string) (string, error) {
	var bot struct {
		CreateBot struct{ Bot struct{ ID string } }
	}
	err := g.Do(`mutation($name: String!, $def: JSON) { createBot(input: {name: $name, definition: $def}) { bot { id } } }`,
		map[string]any{"name": name, "def": json.RawMessage(definition)}, &bot)
	if err != nil {
		return "", fmt.Errorf("createBot: %w", err)
	}
	id := bot.CreateBot.Bot.ID
	if err := g.Do(`mutation($id: ID!) { publishBot(input: {id: $id}) { botVersion { number } } }`, map[string]any{"id": id}, nil); err != nil {
		return "", fmt.Errorf("publishBot: %w", err)
	}
	return id, nil
}

// CreateIntegration connects phoneNumberID to botID through the API and
// activates it; an empty botID leaves it without a bot. The simulator must be the server's GRAPH_API_URL.
// settings is the IntegrationSettingsInput, nil for the defaults.
func CreateIntegration(g GraphQL, name, botID, phoneNumberID string, settings map[string]any) (Integration, error) {
	in := map[string]any{
		"name": name, "businessAccountId": WABAID, "phoneNumberId": phoneNumberID,
		"appId": AppID, "appSecret": AppSecret, "accessToken": ShortToken,
		"verifyToken": "bench-verify-" + phoneNumberID,
	}
	if botID != "" {
		in["botId"] = botID
	}
	if settings != nil {
		in["settings"] = settings
	}
	var created struct {
		CreateWhatsAppIntegration struct {
			Integration struct{ ID, WebhookURL string }
		}
	}
	err := g.Do(`mutation($in: CreateWhatsAppIntegrationInput!) {
		createWhatsAppIntegration(input: $in) { integration { id webhookUrl } } }`,
		map[string]any{"in": in}, &created)
	if err != nil {
		return Integration{}, fmt.Errorf("createWhatsAppIntegration: %w", err)
	}
	out := Integration{ID: created.CreateWhatsAppIntegration.Integration.ID, BotID: botID,
		WebhookURL: created.CreateWhatsAppIntegration.Integration.WebhookURL, PhoneNumberID: phoneNumberID}
	if err := g.Do(`mutation($id: ID!) { setIntegrationActive(input: {id: $id, active: true}) { integration { status } } }`,
		map[string]any{"id": out.ID}, nil); err != nil {
		return Integration{}, fmt.Errorf("setIntegrationActive: %w", err)
	}
	return out, nil
}

// SetUpEcho creates the echo bot and one active integration bound to it.
func SetUpEcho(g GraphQL, settings map[string]any) (Integration, error) {
	botID, err := CreateBot(g, "Echo", EchoBot)
	if err != nil {
		return Integration{}, err
	}
	return CreateIntegration(g, "Bench line", botID, PhoneNumberID, settings)
}

// Rate is the settings giving a number its send rate to Meta (80 messages
// per second by default, up to 1,000 for upgraded numbers).
func Rate(messagesPerSecond float64) map[string]any {
	return map[string]any{"messagesPerSecond": messagesPerSecond}
}
