package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/secrets/secretstest"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/testclock"
)

// env is a webhook Handler served over real HTTP on a test database.
type env struct {
	t        testing.TB
	db       *store.DB
	client   *ent.Client
	box      *secrets.Box
	handler  *Handler
	server   *httptest.Server
	clock    *testclock.Clock
	registry *prometheus.Registry
	wakes    *counter
	account  int
}

// testIntegration is an integration and the plaintext secrets Meta holds.
type testIntegration struct {
	*ent.Integration
	appSecret   string
	verifyToken string
}

// testLog sends log lines to the test's output.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func sysCtx() context.Context { return tenant.AsSystem(context.Background()) }

func newEnv(t testing.TB, db *store.DB, opts ...func(*Options)) *env {
	t.Helper()
	box := secretstest.Box(t)
	e := &env{
		t: t, db: db, client: db.Client, box: box,
		clock:    testclock.New(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)),
		registry: prometheus.NewRegistry(),
		wakes:    &counter{},
	}
	o := Options{Registerer: e.registry, Now: e.clock.Now, Wake: e.wakes.inc,
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))}
	for _, f := range opts {
		f(&o)
	}
	e.handler = New(db.Client, box, o)
	mux := http.NewServeMux()
	e.handler.Register(mux)
	e.server = httptest.NewServer(mux)
	t.Cleanup(e.server.Close)
	acc, err := db.Client.Account.Create().SetName("Acme").Save(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	e.account = acc.ID
	return e
}

// integration creates an active integration for phoneNumberID of appID.
func (e *env) integration(phoneNumberID, appID, appSecret string) *testIntegration {
	e.t.Helper()
	verifyToken := "verify-" + randomString(8)
	seal := func(v, purpose string) string {
		s, err := e.box.Seal(v, purpose)
		if err != nil {
			e.t.Fatal(err)
		}
		return s
	}
	in, err := e.client.Integration.Create().
		SetAccountID(e.account).
		SetActive(true).
		SetBusinessAccountID("waba-1").
		SetPhoneNumberID(phoneNumberID).
		SetAppID(appID).
		SetAppSecretSealed(seal(appSecret, secrets.AppSecret)).
		SetAccessTokenSealed(seal("token", secrets.AccessToken)).
		SetVerifyTokenSealed(seal(verifyToken, secrets.VerifyToken)).
		SetVerifyTokenFingerprint(e.box.Fingerprint(verifyToken, secrets.VerifyToken)).
		SetWebhookKey("key-" + randomString(12)).
		Save(sysCtx())
	if err != nil {
		e.t.Fatal(err)
	}
	return &testIntegration{Integration: in, appSecret: appSecret, verifyToken: verifyToken}
}

func (e *env) url(in *testIntegration) string {
	return e.server.URL + "/webhooks/whatsapp/" + in.WebhookKey
}

func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends body signed with the integration's app secret.
func (e *env) post(in *testIntegration, body []byte) int {
	e.t.Helper()
	return e.postSigned(e.url(in), body, sign(body, in.appSecret))
}

func (e *env) postSigned(url string, body []byte, signature string) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(signatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) mustPost(in *testIntegration, body []byte) {
	e.t.Helper()
	if code := e.post(in, body); code != http.StatusOK {
		e.t.Fatalf("POST answered %d, want 200", code)
	}
}

// counts returns how many rows each webhook table holds.
func (e *env) counts() map[string]int {
	e.t.Helper()
	ctx := sysCtx()
	out := map[string]int{}
	var err error
	count := func(name string, n int, qerr error) {
		out[name] = n
		if qerr != nil {
			err = qerr
		}
	}
	n, qerr := e.client.Message.Query().Count(ctx)
	count("messages", n, qerr)
	n, qerr = e.client.Contact.Query().Count(ctx)
	count("contacts", n, qerr)
	n, qerr = e.client.StatusReceipt.Query().Count(ctx)
	count("statuses", n, qerr)
	n, qerr = e.client.WebhookEvent.Query().Count(ctx)
	count("events", n, qerr)
	n, qerr = e.client.IntegrationError.Query().Count(ctx)
	count("errors", n, qerr)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) wantCounts(want map[string]int) {
	e.t.Helper()
	got := e.counts()
	for k, w := range want {
		if got[k] != w {
			e.t.Errorf("%s: %d rows, want %d", k, got[k], w)
		}
	}
}

// withPhone rewrites a fixture's phone_number_id, so that each test can
// give it an integration of its own.
func withPhone(t testing.TB, body []byte, phoneNumberID string) []byte {
	t.Helper()
	p, err := ParsePayload(body)
	if err != nil || len(p.Changes) == 0 {
		t.Fatalf("fixture: %v", err)
	}
	old := []byte(`"phone_number_id": "` + p.Changes[0].PhoneNumberID + `"`)
	if !bytes.Contains(body, old) {
		t.Fatalf("fixture has no %s", old)
	}
	return bytes.ReplaceAll(body, old, []byte(`"phone_number_id": "`+phoneNumberID+`"`))
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// jsonEqual compares JSON documents semantically: PostgreSQL's jsonb does
// not keep the bytes, SQLite does.
func jsonEqual(t testing.TB, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("stored content is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return bytes.Equal(gb, wb)
}

// metric sums the samples of a counter or the counts of a histogram.
func (e *env) metric(name string) float64 {
	e.t.Helper()
	families, err := e.registry.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}
