package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// echoBot answers every message of a conversation with "Echo: <text>",
// waiting for the next one in between: one reply per inbound message, all
// in one conversation, so their order is observable.
const echoBot = `{
  "version": 1, "start": "echo",
  "nodes": [
    {"id": "echo", "type": "QuestionText", "text": "Echo: {{message.text}}", "variable": "last", "next": "echo"}
  ]
}`

// buildBinary compiles the server once per test into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "intalos")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is one server process of the binary.
type process struct {
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	base   string
}

// startProcess starts the binary with env and waits until it is healthy.
func startProcess(t *testing.T, bin string, env map[string]string) *process {
	t.Helper()
	p := &process{stdout: &syncBuffer{}, stderr: &syncBuffer{}, base: "http://" + env["INTALOS_ADDR"]}
	p.cmd = exec.Command(bin)
	p.cmd.Env = os.Environ()
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
		if t.Failed() {
			t.Logf("process %s output:\n%s", p.base, p.stderr.String())
		}
	})
	waitFor(t, "the server process to be healthy", func() bool {
		resp, err := http.Get(p.base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// kill ends the process at once, as a crash or an OOM kill would.
func (p *process) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// processEnv is the configuration shared by the processes of one test.
func processEnv(t *testing.T, m *meta, databaseURL string) map[string]string {
	t.Helper()
	key, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"DATABASE_URL":       databaseURL,
		"INTALOS_DATA_DIR":   t.TempDir(),
		"INTALOS_SECRET_KEY": key,
		"GRAPH_API_URL":      m.URL,
		"INTALOS_LOG_LEVEL":  "warn",
		// Long enough for Meta's status webhook, redelivered after the
		// crash, to prove a send in doubt before the lease runs out.
		"INTALOS_SEND_LEASE": "10s",
	}
}

func withAddr(env map[string]string, addr string) map[string]string {
	out := make(map[string]string, len(env)+2)
	for k, v := range env {
		out[k] = v
	}
	out["INTALOS_ADDR"] = addr
	out["INTALOS_PUBLIC_URL"] = "http://" + addr
	return out
}

// deliver posts one inbound message until a server acknowledges it, as
// Meta redelivers: the same wamid each time, so duplicates are possible
// and must be harmless. targets rotate between attempts.
func deliver(ctx context.Context, t *testing.T, m *meta, targets []whatsapptest.Webhook, msg whatsapptest.InboundMessage) {
	for attempt := 0; ; attempt++ {
		hook := targets[attempt%len(targets)]
		d, err := m.PostInbound(ctx, hook, m.phoneNumberID, msg)
		if err == nil && d.StatusCode == http.StatusOK {
			return
		}
		if ctx.Err() != nil {
			t.Errorf("message %s never acknowledged", msg.ID)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// load sends msgsPer messages from each of contacts contacts, one contact's
// messages in sequence, contacts in parallel, and calls midway once half of
// all messages are acknowledged.
func load(t *testing.T, m *meta, targets []whatsapptest.Webhook, contacts, msgsPer int, midway func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		acked   int
		midOnce sync.Once
	)
	for c := 0; c < contacts; c++ {
		wg.Go(func() {
			from := fmt.Sprintf("49151%07d", c)
			for k := 1; k <= msgsPer; k++ {
				msg := whatsapptest.TextMessage(from, fmt.Sprintf("m-%d-%d", c, k))
				msg.ID = fmt.Sprintf("wamid.load.%d.%d", c, k)
				deliver(ctx, t, m, targets, msg)
				mu.Lock()
				acked++
				half := acked >= contacts*msgsPer/2
				mu.Unlock()
				if half && midway != nil {
					midOnce.Do(midway)
				}
			}
		})
	}
	wg.Wait()
}

// checkAnsweredOnce waits until every message has its echo at the
// simulator, then checks that none was answered twice and that each
// contact's echoes came in the order of its messages.
func checkAnsweredOnce(t *testing.T, m *meta, contacts, msgsPer int) {
	t.Helper()
	want := contacts * msgsPer
	var echoes []string
	collect := func() {
		echoes = echoes[:0]
		for _, r := range m.Requests() {
			if r.Type != "text" {
				continue
			}
			var body struct{ Text struct{ Body string } }
			json.Unmarshal(r.Body, &body)
			echoes = append(echoes, strings.TrimPrefix(body.Text.Body, "Echo: "))
		}
	}
	waitFor(t, fmt.Sprintf("%d echoes", want), func() bool { collect(); return len(echoes) >= want },
		func() { t.Logf("%d of %d echoes arrived", len(echoes), want) })
	time.Sleep(2 * time.Second) // a duplicate would come now, if at all
	collect()
	seen := make(map[string]int)
	next := make(map[int]int)
	for _, e := range echoes {
		seen[e]++
		var c, k int
		if _, err := fmt.Sscanf(e, "m-%d-%d", &c, &k); err != nil {
			t.Errorf("unexpected reply %q", e)
			continue
		}
		if k != next[c]+1 && seen[e] == 1 {
			t.Errorf("contact %d: echo of message %d came after message %d", c, k, next[c])
		}
		next[c] = k
	}
	if len(echoes) != want {
		t.Errorf("simulator received %d echoes, want exactly %d", len(echoes), want)
	}
	for e, n := range seen {
		if n > 1 {
			t.Errorf("%s answered %d times", e, n)
		}
	}
}

// TestCrashMidLoad kills the server with SIGKILL while messages stream in,
// restarts it on the same database, and checks that every inbound message
// was answered exactly once.
func TestCrashMidLoad(t *testing.T) {
	bin := buildBinary(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			m := newMeta(t)
			dbURL := filepath.Join(t.TempDir(), "intalos.db")
			if dialect == "postgres" {
				dbURL = testdb.PostgresSource(t).DSN
			}
			env := withAddr(processEnv(t, m, dbURL), freeAddr(t))
			first := startProcess(t, bin, env)
			key := keyPattern.FindString(first.stdout.String())
			hook := whatsapptest.Webhook{URL: setUpIntegration(t, first.base, key, m, echoBot), AppSecret: m.appSecret}
			m.SetAutoStatus(hook) // Meta reports each accepted message as sent

			const contacts, msgsPer = 20, 5
			load(t, m, []whatsapptest.Webhook{hook}, contacts, msgsPer, func() {
				first.kill()
				startProcess(t, bin, env)
			})
			checkAnsweredOnce(t, m, contacts, msgsPer)
		})
	}
}

// TestTwoInstances runs two server processes on one PostgreSQL database and
// spreads each contact's messages over both.
func TestTwoInstances(t *testing.T) {
	bin := buildBinary(t)
	m := newMeta(t)
	env := processEnv(t, m, testdb.PostgresSource(t).DSN)
	a := startProcess(t, bin, withAddr(env, freeAddr(t)))
	key := keyPattern.FindString(a.stdout.String())
	hookA := whatsapptest.Webhook{URL: setUpIntegration(t, a.base, key, m, echoBot), AppSecret: m.appSecret}
	b := startProcess(t, bin, withAddr(env, freeAddr(t)))
	hookB := whatsapptest.Webhook{URL: strings.Replace(hookA.URL, a.base, b.base, 1), AppSecret: m.appSecret}
	m.SetAutoStatus(hookB)

	const contacts, msgsPer = 30, 5
	load(t, m, []whatsapptest.Webhook{hookA, hookB}, contacts, msgsPer, nil)
	checkAnsweredOnce(t, m, contacts, msgsPer)
}
