package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// seedDemo makes sure the demo bot is published and the demo integration
// exists and is active, through the GraphQL API as a frontend would. It
// returns the integration's id and webhook URL.
func seedDemo(ctx context.Context, base, key string) (id, webhookURL string, err error) {
	api := &apiClient{base: base, key: key}
	botID, err := demoBotID(ctx, api)
	if err != nil {
		return "", "", err
	}
	var found struct {
		Integrations struct {
			Edges []struct {
				Node struct{ ID, WebhookURL, Status string }
			}
		}
	}
	err = api.do(ctx, `query($search: String) { integrations(first: 1, filter: {search: $search}) {
		edges { node { id webhookUrl status } } } }`, map[string]any{"search": demoPhoneNumberID}, &found)
	if err != nil {
		return "", "", err
	}
	if len(found.Integrations.Edges) == 0 {
		var created struct {
			CreateWhatsAppIntegration struct {
				Integration struct{ ID, WebhookURL string }
			}
		}
		err = api.do(ctx, `mutation($in: CreateWhatsAppIntegrationInput!) {
			createWhatsAppIntegration(input: $in) { integration { id webhookUrl } } }`,
			map[string]any{"in": map[string]any{
				"name": demoIntegration, "botId": botID, "businessAccountId": "100000000000000",
				"phoneNumberId": demoPhoneNumberID, "appId": demoAppID, "appSecret": demoAppSecret,
				"accessToken": "EAAdemo-short-lived-token", "verifyToken": demoVerifyToken,
			}}, &created)
		if err != nil {
			return "", "", err
		}
		id, webhookURL = created.CreateWhatsAppIntegration.Integration.ID, created.CreateWhatsAppIntegration.Integration.WebhookURL
	} else {
		n := found.Integrations.Edges[0].Node
		id, webhookURL = n.ID, n.WebhookURL
		if n.Status == "ACTIVE" {
			return id, webhookURL, nil
		}
		// Reconnect the demo bot in case it was changed since the last run.
		err = api.do(ctx, `mutation($id: ID!, $bot: ID!) { connectBot(input: {id: $id, botId: $bot}) { integration { id } } }`,
			map[string]any{"id": id, "bot": botID}, nil)
		if err != nil {
			return "", "", err
		}
	}
	err = api.do(ctx, `mutation($id: ID!) { setIntegrationActive(input: {id: $id, active: true}) { integration { id } } }`,
		map[string]any{"id": id}, nil)
	return id, webhookURL, err
}

// demoBotID finds the demo bot, creating and publishing it when missing.
func demoBotID(ctx context.Context, api *apiClient) (string, error) {
	var bots struct {
		Bots struct {
			Edges []struct {
				Node struct {
					ID, Name  string
					Published bool
				}
			}
		}
	}
	if err := api.do(ctx, `{ bots(first: 100) { edges { node { id name published } } } }`, nil, &bots); err != nil {
		return "", err
	}
	for _, e := range bots.Bots.Edges {
		if e.Node.Name == demoBotName && e.Node.Published {
			return e.Node.ID, nil
		}
	}
	var created struct {
		CreateBot struct{ Bot struct{ ID string } }
	}
	err := api.do(ctx, `mutation($name: String!, $def: JSON) { createBot(input: {name: $name, definition: $def}) { bot { id } } }`,
		map[string]any{"name": demoBotName, "def": json.RawMessage(demoBot)}, &created)
	if err != nil {
		return "", err
	}
	botID := created.CreateBot.Bot.ID
	err = api.do(ctx, `mutation($id: ID!) { publishBot(input: {id: $id}) { botVersion { number } } }`, map[string]any{"id": botID}, nil)
	return botID, err
}

// apiClient is a minimal GraphQL client for the server's own API.
type apiClient struct {
	base, key string
}

func (c *apiClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("GraphQL answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if len(answer.Errors) > 0 {
		msgs := make([]string, len(answer.Errors))
		for i, e := range answer.Errors {
			msgs[i] = e.Message
		}
		return fmt.Errorf("GraphQL: %s", strings.Join(msgs, "; "))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer.Data, out)
}
