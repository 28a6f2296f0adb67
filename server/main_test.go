package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
)

// syncBuffer collects output written by the server goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs the binary's run() as main would and waits for /healthz.
func startServer(t *testing.T, env map[string]string) (base string, stdout *syncBuffer) {
	t.Helper()
	return startServerAt(t, env, freeAddr(t))
}

// startServerAt is startServer on a chosen address.
func startServerAt(t *testing.T, env map[string]string, addr string) (base string, stdout *syncBuffer) {
	t.Helper()
	env["INTALOS_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &syncBuffer{}
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, stdout, stderr) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server output:\n%s", stderr.String())
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after shutdown", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not shut down")
		}
	})
	base = "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server stopped: %v\n%s", err, stderr.String())
		default:
		}
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stdout
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not healthy in time\n%s", stderr.String())
	return "", nil
}

func graphqlQuery(t *testing.T, base, key, query string) map[string]any {
	t.Helper()
	return graphqlRequest(t, base, key, query, nil)
}

func graphqlRequest(t *testing.T, base, key, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// database names the environment that selects one database for the server.
type database struct {
	name string
	env  func(t *testing.T) map[string]string
}

// databases are the two the server must work on: the embedded SQLite
// default and PostgreSQL, in a fresh schema per test.
func databases() []database {
	return []database{
		{"sqlite", func(t *testing.T) map[string]string { return map[string]string{} }},
		{"postgres", func(t *testing.T) map[string]string {
			return map[string]string{"DATABASE_URL": testdb.PostgresSource(t).DSN}
		}},
	}
}

var keyPattern = regexp.MustCompile(`ik_[A-Za-z0-9_-]{20,}`)

func TestServeFirstStart(t *testing.T) {
	for _, db := range databases() {
		t.Run(db.name, func(t *testing.T) {
			env := db.env(t)
			dataDir := t.TempDir()
			env["INTALOS_DATA_DIR"] = dataDir
			base, stdout := startServer(t, env)

			key := keyPattern.FindString(stdout.String())
			if key == "" {
				t.Fatalf("no API key printed on first start; stdout:\n%s", stdout.String())
			}
			saved, err := os.ReadFile(filepath.Join(dataDir, firstKeyFile))
			if err != nil || strings.TrimSpace(string(saved)) != key {
				t.Fatalf("key file = %q, %v; want the printed key", saved, err)
			}
			if info, _ := os.Stat(filepath.Join(dataDir, firstKeyFile)); info.Mode().Perm() != 0o600 {
				t.Fatalf("key file mode = %o, want 600", info.Mode().Perm())
			}

			out := graphqlQuery(t, base, key, `{ viewer { account { id name } } }`)
			name, _ := dig(out, "data", "viewer", "account", "name").(string)
			if name == "" {
				t.Fatalf("viewer query answered %v", out)
			}
			out = graphqlQuery(t, base, "ik_unknownunknownunknownunknown", `{ viewer { account { id } } }`)
			if code := dig(out, "errors", 0, "extensions", "code"); code != "UNAUTHENTICATED" {
				t.Fatalf("unknown key: code = %v, want UNAUTHENTICATED (%v)", code, out)
			}
			for _, path := range []string{"/readyz", "/metrics"} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d %s", path, resp.StatusCode, body)
				}
				if path == "/metrics" {
					for _, name := range []string{"intalos_webhook_", "intalos_graphql_subscriptions"} {
						if !strings.Contains(string(body), name) {
							t.Errorf("/metrics has no %s metrics", name)
						}
					}
				}
			}
		})
	}
}

func TestServeStartupErrors(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notADir, nil, 0o600)
	tests := []struct {
		name    string
		env     map[string]string
		wantMsg string
	}{
		{"unsupported database", map[string]string{"DATABASE_URL": "mysql://localhost/x"}, `scheme "mysql" is not supported`},
		{"unreachable database", map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"}, "database unreachable"},
		{"unwritable data folder", map[string]string{"INTALOS_DATA_DIR": filepath.Join(notADir, "data")}, "data folder"},
		{"bad secret key", map[string]string{"INTALOS_SECRET_KEY": "short"}, "INTALOS_SECRET_KEY"},
		{"bad shutdown timeout", map[string]string{"INTALOS_SHUTDOWN_TIMEOUT": "soon"}, "INTALOS_SHUTDOWN_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env["INTALOS_DATA_DIR"] == "" {
				tt.env["INTALOS_DATA_DIR"] = t.TempDir()
			}
			tt.env["INTALOS_ADDR"] = "127.0.0.1:0"
			err := run(context.Background(), nil, func(k string) string { return tt.env[k] }, io.Discard, io.Discard)
			if err == nil {
				t.Fatal("run succeeded, want a startup error")
			}
			if code := exitCode(err); code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.wantMsg) || strings.Contains(msg, "\n") {
				t.Errorf("error = %q, want one line containing %q", msg, tt.wantMsg)
			}
			var se startupError
			if !errors.As(err, &se) {
				t.Errorf("error %v is not a startup error", err)
			}
		})
	}
}

func TestAccountsCreate(t *testing.T) {
	env := map[string]string{"INTALOS_DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"accounts", "create", "--name", "Acme"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	key := keyPattern.FindString(out.String())
	if key == "" || !strings.Contains(out.String(), `"Acme"`) {
		t.Fatalf("accounts create printed %q", out.String())
	}
	base, _ := startServer(t, env)
	got := graphqlQuery(t, base, key, `{ viewer { account { name } } }`)
	if name := dig(got, "data", "viewer", "account", "name"); name != "Acme" {
		t.Fatalf("viewer with the new key = %v, want Acme", got)
	}
}

// dig walks decoded JSON by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}
