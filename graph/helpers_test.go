package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/apikey"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// Credentials the Meta simulator knows.
const (
	appID        = "1234567890"
	appSecret    = "app-secret-0123456789abcdef"
	publicURL    = "https://hooks.example.com"
	flowValid    = `{"version":1,"start":"hi","nodes":[{"id":"hi","type":"Message","text":"Hello {{contact.name}}","next":"ask"},{"id":"ask","type":"QuestionText","text":"Your order number?","variable":"order","next":"done"},{"id":"done","type":"Message","text":"Looking up {{order}}","next":"end"},{"id":"end","type":"End"}]}`
	flowInvalid  = `{"version":1,"start":"q","nodes":[{"id":"q","type":"QuestionButtons","text":"Pick","buttons":[{"id":"a","title":"A","next":"end"},{"id":"b","title":"B","next":"nowhere"},{"id":"c","title":"C","next":"end"},{"id":"d","title":"D","next":"end"}]},{"id":"end","type":"End"}]}`
	verifyTokenA = "verify-token-alpha-42"
)

// env is one test server: the GraphQL handler over a real database, the
// Meta simulator and captured logs.
type env struct {
	t       testing.TB
	db      *store.DB
	box     *secrets.Box
	sim     *whatsapptest.Server
	srv     *httptest.Server
	handler http.Handler
	logs    *syncBuffer
	changed *recorder

	mu      sync.Mutex
	bodies  []string // every response body, for the secret scan
	tokens  int      // short-lived tokens issued
	secrets []string // every secret a test sent
}

type recorder struct {
	mu  sync.Mutex
	ids []int
}

func (r *recorder) add(_ context.Context, id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
}

func (r *recorder) take() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := r.ids
	r.ids = nil
	return ids
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testBox(t testing.TB) *secrets.Box {
	t.Helper()
	key, err := secrets.ParseKey(strings.Repeat("5a", secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// newEnv starts the API over db. cfg tunes the handler; the rate limit
// is off unless set.
func newEnv(t testing.TB, db *store.DB, cfg graph.HandlerConfig, opts ...func(*graph.Deps)) *env {
	t.Helper()
	return newEnvClient(t, db, db.Client, cfg, opts...)
}

// newEnvClient is newEnv with the resolvers on client (API keys are still
// checked through db.Client).
func newEnvClient(t testing.TB, db *store.DB, client *ent.Client, cfg graph.HandlerConfig, opts ...func(*graph.Deps)) *env {
	t.Helper()
	e := &env{t: t, db: db, box: testBox(t), logs: &syncBuffer{}, changed: &recorder{}}
	e.sim = whatsapptest.NewServer(t, whatsapptest.Config{})
	e.sim.AddApp(appID, appSecret)
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps := graph.Deps{
		Client:               client,
		Box:                  e.box,
		WhatsApp:             whatsapp.NewClient(nil, e.sim.URL),
		PublicURL:            publicURL,
		Logger:               logger,
		OnIntegrationChanged: e.changed.add,
	}
	for _, o := range opts {
		o(&deps)
	}
	r := graph.NewResolver(deps)
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1
	}
	e.handler = graph.NewHandler(r, apikey.NewAuthenticator(db.Client), cfg, logger)
	e.srv = httptest.NewServer(e.handler)
	t.Cleanup(e.srv.Close)
	return e
}

// account creates an account and returns its id and an API key.
func (e *env) account(name string) (int, string) {
	e.t.Helper()
	ctx := tenant.AsSystem(context.Background())
	a, err := e.db.Client.Account.Create().SetName(name).Save(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	key, _, err := apikey.Create(ctx, e.db.Client, a.ID, "test key")
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID, key
}

// shortToken registers a fresh short-lived token with the simulator.
func (e *env) shortToken(expiresIn time.Duration) string {
	e.mu.Lock()
	e.tokens++
	n := e.tokens
	e.mu.Unlock()
	tok := "EAAshort" + strings.Repeat("x", 10) + string(rune('a'+n%26)) + time.Now().Format("150405.000000000")
	e.sim.AddToken(tok, whatsapptest.TokenSpec{AppID: appID, ExpiresAt: time.Now().Add(expiresIn)})
	e.mu.Lock()
	e.secrets = append(e.secrets, tok)
	e.mu.Unlock()
	return tok
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (g gqlError) code() string  { s, _ := g.Extensions["code"].(string); return s }
func (g gqlError) field() string { s, _ := g.Extensions["field"].(string); return s }

type response struct {
	Status int
	Data   map[string]any
	Errors []gqlError
	raw    string
}

// do posts one operation with key (none when empty).
func (e *env) do(key, query string, vars map[string]any) response {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	e.mu.Lock()
	e.bodies = append(e.bodies, string(raw))
	e.mu.Unlock()
	var out response
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	out.Status, out.raw = resp.StatusCode, string(raw)
	return out
}

// ok runs an operation that must succeed and returns its data.
func (e *env) ok(key, query string, vars map[string]any) map[string]any {
	e.t.Helper()
	r := e.do(key, query, vars)
	if len(r.Errors) > 0 {
		e.t.Fatalf("unexpected errors: %s", r.raw)
	}
	return r.Data
}

// fail runs an operation that must fail with code (and field, if set).
func (e *env) fail(key, query string, vars map[string]any, code, field string) response {
	e.t.Helper()
	r := e.do(key, query, vars)
	if len(r.Errors) == 0 {
		e.t.Fatalf("want %s error, got data: %s", code, r.raw)
	}
	got := r.Errors[0]
	if got.code() != code || (field != "" && got.field() != field) {
		e.t.Fatalf("error = %s/%s, want %s/%s: %s", got.code(), got.field(), code, field, r.raw)
	}
	return r
}

// get walks a decoded JSON value along a dotted path; numbers index lists.
func get(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any, path string) string { s, _ := get(v, path).(string); return s }

func sys() context.Context { return tenant.AsSystem(context.Background()) }

// seedBot stores a bot with n published versions directly.
func seedBot(t testing.TB, c *ent.Client, accountID int, name string, versions int) *ent.Bot {
	t.Helper()
	b, err := c.Bot.Create().SetAccountID(accountID).SetName(name).SetDefinition(json.RawMessage(flowValid)).Save(sys())
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= versions; n++ {
		if _, err := c.BotVersion.Create().SetAccountID(accountID).SetBotID(b.ID).SetNumber(n).
			SetDefinition(json.RawMessage(flowValid)).Save(sys()); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// seedIntegration stores an integration directly, without Meta.
func seedIntegration(t testing.TB, c *ent.Client, box *secrets.Box, accountID int, name, phone string, botID *int) *ent.Integration {
	t.Helper()
	seal := func(v, p string) string {
		s, err := box.Seal(v, p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	vt := "seeded-verify-" + phone
	i, err := c.Integration.Create().SetAccountID(accountID).SetName(name).SetNillableBotID(botID).
		SetBusinessAccountID("111").SetPhoneNumberID(phone).SetAppID(appID).
		SetAppSecretSealed(seal(appSecret, secrets.AppSecret)).
		SetAccessTokenSealed(seal("EAAlong-"+phone, secrets.AccessToken)).
		SetVerifyTokenSealed(seal(vt, secrets.VerifyToken)).
		SetVerifyTokenFingerprint(box.Fingerprint(vt, secrets.VerifyToken)).
		SetWebhookKey("key-" + phone).
		Save(sys())
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// jsonValue decodes a JSON document for use as a variable.
func jsonValue(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	return v
}

func gid(typ string, id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.Itoa(id)))
}

func mustID(t *testing.T, g string) int {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(g)
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := strings.Cut(string(raw), ":")
	id, err := strconv.Atoi(n)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func graphHandler(e *env) http.Handler { return e.handler }
