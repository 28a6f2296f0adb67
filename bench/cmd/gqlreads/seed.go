package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

// createKeys makes n API keys of the account (the first included).
func createKeys(g benchkit.GraphQL, n int) ([]string, error) {
	keys := []string{g.Key}
	for i := 1; i < n; i++ {
		var out struct{ CreateAPIKey struct{ Key string } }
		err := retryThrottled(func() error {
			return g.Do(`mutation($name: String!) { createAPIKey(input: {name: $name}) { key } }`,
				map[string]any{"name": fmt.Sprintf("bench %d", i)}, &out)
		})
		if err != nil {
			return nil, fmt.Errorf("createAPIKey: %w", err)
		}
		keys = append(keys, out.CreateAPIKey.Key)
	}
	return keys, nil
}

// seed creates n integrations, each with its own published echo bot, and
// posts one inbound message to each so that it has a last activity. The
// calls rotate over keys to stay under the per-key rate limit.
func seed(base string, keys []string, n int) error {
	client := benchkit.Client(4)
	for i := range n {
		g := benchkit.GraphQL{Base: base, Key: keys[i%len(keys)], HTTP: client}
		var in benchkit.Integration
		err := retryThrottled(func() error {
			botID, err := benchkit.CreateBot(g, fmt.Sprintf("bot %03d", i), benchkit.EchoBot)
			if err != nil {
				return err
			}
			in, err = benchkit.CreateIntegration(g, fmt.Sprintf("line %03d", i), botID, fmt.Sprintf("1065403%08d", i+1), nil)
			return err
		})
		if err != nil {
			return err
		}
		from := fmt.Sprintf("4917%08d", i)
		body := benchkit.InboundBody(in.PhoneNumberID, from, fmt.Sprintf("wamid.seed.%d.%d", time.Now().UnixNano(), i), "hello", time.Now())
		if status, err := benchkit.PostSigned(client, in.WebhookURL, benchkit.AppSecret, body); err != nil || status != http.StatusOK {
			return fmt.Errorf("seeding activity: HTTP %d, %v", status, err)
		}
	}
	return nil
}

// retryThrottled repeats f while the server answers 429, for up to 30s.
func retryThrottled(f func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) || !isThrottled(err) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func isThrottled(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "HTTP 429") || strings.Contains(err.Error(), "rate limit"))
}
