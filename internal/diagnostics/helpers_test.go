package diagnostics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	entmessage "github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/secrets/secretstest"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/testclock"
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
	"github.com/intalos/integrations/webhook"
)

const appSecret = "the-app-secret"

func sysCtx() context.Context { return tenant.AsSystem(context.Background()) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// env is a database, Meta's simulator and the real webhook handler.
type env struct {
	t       *testing.T
	db      *store.DB
	box     *secrets.Box
	clock   *testclock.Clock
	sim     *whatsapptest.Server
	meta    *whatsapp.Client
	hooks   *httptest.Server
	account int
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	box := secretstest.Box(t)
	clk := testclock.New(time.Now().UTC().Truncate(time.Second))
	sim := whatsapptest.NewServer(t, whatsapptest.Config{Now: clk.Now})
	sim.AddApp("app-1", appSecret)
	mux := http.NewServeMux()
	webhook.New(db.Client, box, webhook.Options{Now: clk.Now}).Register(mux)
	hooks := httptest.NewServer(mux)
	t.Cleanup(hooks.Close)
	acc, err := db.Client.Account.Create().SetName("Acme").Save(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, box: box, clock: clk, sim: sim, hooks: hooks, account: acc.ID,
		meta: whatsapp.NewClient(nil, sim.URL, whatsapp.WithClock(clk.Now))}
}

// subject is an integration and the credentials its owner entered.
type subject struct {
	*ent.Integration
	token, verifyToken string
}

// healthy creates an integration that passes every check: active, a
// published bot, a valid token, verified, receiving webhooks and sending.
func (e *env) healthy() *subject {
	e.t.Helper()
	ctx := sysCtx()
	now := e.clock.Now()
	bot := e.bot("Support bot", true)
	token, verify := "EAA"+randomHex(16), "Verify-"+randomHex(6)
	expires := now.Add(50 * 24 * time.Hour)
	e.sim.AddToken(token, whatsapptest.TokenSpec{AppID: "app-1", ExpiresAt: expires})
	in, err := e.db.Client.Integration.Create().
		SetAccountID(e.account).
		SetName("Support line").
		SetActive(true).
		SetBotID(bot.ID).
		SetBusinessAccountID("waba-1").
		SetPhoneNumberID("pn-" + randomHex(6)).
		SetAppID("app-1").
		SetAppSecretSealed(e.seal(appSecret, secrets.AppSecret)).
		SetAccessTokenSealed(e.seal(token, secrets.AccessToken)).
		SetAccessTokenExpiresAt(expires).
		SetVerifyTokenSealed(e.seal(verify, secrets.VerifyToken)).
		SetVerifyTokenFingerprint(e.box.Fingerprint(verify, secrets.VerifyToken)).
		SetWebhookKey("key-" + randomHex(12)).
		SetWebhookVerifiedAt(now.Add(-48 * time.Hour)).
		SetLastActivityAt(now.Add(-time.Hour)).
		Save(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.outbound(in, outbound{status: "SENT", at: now.Add(-time.Hour)})
	return &subject{Integration: in, token: token, verifyToken: verify}
}

func (e *env) seal(v, purpose string) string {
	s, err := e.box.Seal(v, purpose)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// bot creates a bot, with a published version if published.
func (e *env) bot(name string, published bool) *ent.Bot {
	e.t.Helper()
	b, err := e.db.Client.Bot.Create().SetAccountID(e.account).SetName(name).Save(sysCtx())
	if err != nil {
		e.t.Fatal(err)
	}
	if published {
		_, err = e.db.Client.BotVersion.Create().SetAccountID(e.account).SetBotID(b.ID).SetNumber(1).
			SetDefinition(json.RawMessage(`{}`)).Save(sysCtx())
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return b
}

// outbound is an outbound message as the sender leaves it.
type outbound struct {
	status string // SENT or FAILED
	code   int
	at     time.Time
}

func (e *env) outbound(in *ent.Integration, m outbound) {
	e.t.Helper()
	c := e.db.Client.Message.Create().
		SetAccountID(in.AccountID).SetIntegrationID(in.ID).
		SetDirection("OUTBOUND").SetType("text").SetText("hello").
		SetStatus(entmessage.Status(m.status)).
		SetCreatedAt(m.at).SetUpdatedAt(m.at)
	if m.status == "FAILED" {
		c.SetErrorCode(m.code).SetErrorDetail("refused").SetFailedAt(m.at)
	} else {
		c.SetSentAt(m.at).SetWamid("wamid." + randomHex(8))
	}
	if err := c.Exec(sysCtx()); err != nil {
		e.t.Fatal(err)
	}
}

// verify sends Meta's verification GET to the webhook.
func (e *env) verify(in *subject, mode, token string) int {
	e.t.Helper()
	q := url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {"1158201444"}}
	resp, err := http.Get(e.hooks.URL + "/webhooks/whatsapp/" + in.WebhookKey + "?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// forge posts a webhook signed with the wrong secret.
func (e *env) forge(in *subject) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.hooks.URL+"/webhooks/whatsapp/"+in.WebhookKey,
		strings.NewReader(`{"object":"whatsapp_business_account","entry":[]}`))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("ab", 32))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) deps() Deps {
	return Deps{Client: e.db.Client, Meta: e.meta, Box: e.box, Now: e.clock.Now}
}

func (e *env) run(in *subject) map[string]Check {
	e.t.Helper()
	checks, err := Run(tenant.WithAccount(context.Background(), e.account), e.deps(), in.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := make(map[string]Check, len(checks))
	for _, c := range checks {
		out[c.Name] = c
	}
	return out
}

func whatsappTokenSpec(expires time.Time) whatsapptest.TokenSpec {
	return whatsapptest.TokenSpec{AppID: "app-1", ExpiresAt: expires}
}

// newBlackhole returns the URL of a server that accepts connections and
// never answers.
func newBlackhole(t *testing.T) string {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return srv.URL
}
