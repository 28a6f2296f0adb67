package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/intalos/integrations/internal/apikey"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// The demo's fixed Meta-side identities. The simulator accepts any app and
// token, as a developer's own Meta app would be set up.
const (
	demoPhoneNumberID = "100000000000001"
	demoAppID         = "1000000000001"
	demoAppSecret     = "demo-app-secret"
	demoVerifyToken   = "demo-verify-token"
	demoIntegration   = "Demo line"
	demoBotName       = "Coffee shop (demo)"
	demoCustomer      = "4915112345678"
)

// demoBot is a small but complete flow: buttons, a list, a question and
// variables.
const demoBot = `{
  "version": 1, "start": "welcome",
  "nodes": [
    {"id": "welcome", "type": "QuestionButtons",
     "text": "Hi {{contact.name}}! Welcome to the demo coffee shop. What would you like?",
     "buttons": [
       {"id": "coffee", "title": "Coffee", "next": "size"},
       {"id": "tea", "title": "Tea", "next": "name"},
       {"id": "other", "title": "Something else", "next": "sorry"}
     ],
     "variable": "drink", "retryText": "Please tap one of the buttons.", "maxRetries": 2, "fallback": "sorry"},
    {"id": "size", "type": "QuestionList", "text": "Which size?", "buttonText": "Pick a size",
     "sections": [{"title": "Sizes", "rows": [
       {"id": "small", "title": "Small", "description": "0.2 l", "next": "name"},
       {"id": "large", "title": "Large", "description": "0.4 l", "next": "name"}
     ]}],
     "variable": "size"},
    {"id": "name", "type": "QuestionText", "text": "And the name for the order?", "variable": "order_name", "next": "done"},
    {"id": "done", "type": "Message", "text": "Thanks {{order_name}}: one {{size}} {{drink}} coming up!", "next": "end"},
    {"id": "sorry", "type": "Message", "text": "We only serve coffee and tea here. Write again any time!", "next": "end"},
    {"id": "end", "type": "End"}
  ]
}`

// demo runs the server on the configured database (the embedded default
// unless DATABASE_URL says otherwise) together with the Meta simulator, sets
// up an account, a published bot and an active integration (reusing them on
// later runs), and prints what to try.
func demo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e, err := setup(ctx, "demo", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.db.Close()
	if err := bootstrap(ctx, e, io.Discard); err != nil {
		return startupError{fmt.Errorf("creating the first account: %w", err)}
	}
	key, err := demoKey(ctx, e)
	if err != nil {
		return startupError{err}
	}

	sim := whatsapptest.New(whatsapptest.Config{Permissive: true, AutoStatusDelay: 300 * time.Millisecond, MaxRecorded: 10000})
	defer sim.Close()
	simLn, err := net.Listen("tcp", "127.0.0.1:9090")
	if err != nil {
		simLn, err = net.Listen("tcp", "127.0.0.1:0") // 9090 taken: any port will do
	}
	if err != nil {
		return startupError{fmt.Errorf("simulator: %w", err)}
	}
	simMux := http.NewServeMux()
	simMux.Handle("/", sim)
	simSrv := &http.Server{Handler: simMux, ReadHeaderTimeout: 10 * time.Second}
	go simSrv.Serve(simLn)
	defer simSrv.Close()
	simURL := "http://" + simLn.Addr().String()

	e.cfg.GraphAPIURL = simURL
	e.cfg.PublicURL = publicURLFor(e.cfg.Addr)
	return runServer(ctx, e, func(ctx context.Context, base string) error {
		integrationID, webhookURL, err := seedDemo(ctx, base, key)
		if err != nil {
			return fmt.Errorf("setting up the demo: %w", err)
		}
		hook := whatsapptest.Webhook{URL: strings.Replace(webhookURL, e.cfg.PublicURL, base, 1), AppSecret: demoAppSecret}
		sim.SetAutoStatus(hook)
		whatsapptest.NewControl(sim, hook, demoPhoneNumberID).Register(simMux)
		printDemo(stdout, e.cfg.PublicURL, simURL, key, integrationID)
		return nil
	})
}

// publicURLFor turns a listen address such as ":8080" into a URL.
func publicURLFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// demoKeyFile keeps the demo's API key between runs.
const demoKeyFile = "demo-api-key"

// demoKey returns a working API key: the first start's or the demo's own,
// issuing one for the first account when neither works any more.
func demoKey(ctx context.Context, e *env) (string, error) {
	auth := apikey.NewAuthenticator(e.db.Client)
	for _, name := range []string{firstKeyFile, demoKeyFile} {
		data, err := os.ReadFile(filepath.Join(e.cfg.DataDir, name))
		if err != nil {
			continue
		}
		key := strings.TrimSpace(string(data))
		if _, err := auth.Authenticate(ctx, key); err == nil {
			return key, nil
		}
	}
	sys := tenant.AsSystem(ctx)
	acct, err := e.db.Client.Account.Query().Order().First(sys)
	if err != nil {
		return "", fmt.Errorf("finding the demo account: %w", err)
	}
	key, _, err := apikey.Create(sys, e.db.Client, acct.ID, "demo")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(e.cfg.DataDir, demoKeyFile), []byte(key+"\n"), 0o600); err != nil {
		return "", err
	}
	return key, nil
}

func printDemo(w io.Writer, public, sim, key, integrationID string) {
	fmt.Fprintf(w, `
Intalos Integrations demo is running.

  GraphiQL and the API   %[1]s/  (header  Authorization: Bearer %[3]s)
  Meta simulator         %[2]s

1. Write to the bot as a WhatsApp customer:
   curl -s %[2]s/simulator/inbound -d '{"from": "%[5]s", "name": "Ada", "text": "hi"}'

2. See what the bot sent back (Meta's exact send payloads):
   curl -s '%[2]s/simulator/sent?to=%[5]s'

3. Answer the buttons, the list and the question:
   curl -s %[2]s/simulator/inbound -d '{"from": "%[5]s", "button": "coffee"}'
   curl -s %[2]s/simulator/inbound -d '{"from": "%[5]s", "row": "large"}'
   curl -s %[2]s/simulator/inbound -d '{"from": "%[5]s", "text": "Ada"}'

4. The conversation through the GraphQL API:
   curl -s %[1]s/graphql -H 'Authorization: Bearer %[3]s' -H 'Content-Type: application/json' \
     -d '{"query": "{ conversations(integrationId: \"%[4]s\") { edges { node { id status contact { waId profileName } } } } }"}'

5. Watch it live (the graphql-ws client, API key in the connection_init payload):
   (cd docs/watch && npm ci && node watch.mjs %[1]s/graphql %[3]s %[4]s)

Stop with Ctrl-C; the next run reuses the same account, bot and integration.
`, public, sim, key, integrationID, demoCustomer)
}
