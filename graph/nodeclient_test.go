package graph_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
	"github.com/intalos/integrations/webhook"
)

// TestGraphQLWSReferenceClient: the graphql-ws npm package, the protocol's
// reference client, subscribes under Node; a webhook arrives; the client
// receives the inbound message. The packages are installed from
// testdata/wsclient's lock file into a temporary directory.
func TestGraphQLWSReferenceClient(t *testing.T) {
	node, nodeErr := exec.LookPath("node")
	npm, npmErr := exec.LookPath("npm")
	if err := errors.Join(nodeErr, npmErr); err != nil {
		// CI sets INTALOS_REQUIRE_NODE=1, so that the check cannot pass unseen.
		if os.Getenv("INTALOS_REQUIRE_NODE") == "1" {
			t.Fatalf("the graphql-ws reference client check needs Node 18 or later and npm: %v", err)
		}
		t.Skipf("the graphql-ws reference client check needs Node 18 or later and npm: %v", err)
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "check.mjs"} {
		b, err := os.ReadFile(filepath.Join("testdata", "wsclient", f))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}

	e, live := newLiveEnv(t, testdb.SQLite(t), graph.HandlerConfig{})
	w := e.world("A", "100000001")
	must(t, e.db.Client.Integration.UpdateOneID(w.integration.ID).SetActive(true).Exec(sys()))
	// A second publisher on the same bus, for the webhook's own inserts.
	hooks := webhook.New(e.db.Client, e.box, webhook.Options{Events: events.New(e.db.Client, live.bus, nil)})
	mux := http.NewServeMux()
	mux.Handle("/graphql", e.handler)
	hooks.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var stdout, stderr syncBuffer
	cmd := exec.CommandContext(ctx, node, "check.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GQL_URL="+wsURL(srv.URL)+"/graphql",
		"GQL_KEY="+w.key,
		"GQL_INTEGRATION="+gid("Integration", w.integration.ID))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	must(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	sim := whatsapptest.New(whatsapptest.Config{})
	defer sim.Close()
	sim.AddPhoneNumber(w.integration.PhoneNumberID, "15550783881")
	hook := whatsapptest.Webhook{URL: srv.URL + "/webhooks/whatsapp/" + w.integration.WebhookKey, AppSecret: appSecret}
	// The client subscribes on its own time: deliver until it hears one.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("node: %v\nstdout: %s\nstderr: %s", err, &stdout, &stderr)
			}
			out := stdout.String()
			if !strings.Contains(out, `"connected":true`) || !strings.Contains(out, `"kind":"INBOUND"`) ||
				!strings.Contains(out, `"text":"hello, reference client"`) {
				t.Fatalf("node printed %s (stderr %s)", out, &stderr)
			}
			return
		case <-tick.C:
			if !strings.Contains(stdout.String(), "connected") {
				continue
			}
			d, err := sim.PostInbound(ctx, hook, w.integration.PhoneNumberID, whatsapptest.TextMessage("16505551234", "hello, reference client"))
			if err != nil || d.StatusCode != http.StatusOK {
				t.Fatalf("webhook: %d %v", d.StatusCode, err)
			}
		}
	}
}
