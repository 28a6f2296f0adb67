package alerts

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/secrets/secretstest"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/testclock"
)

// newClock starts every test at the same instant.
func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)) }

func sysCtx() context.Context { return tenant.AsSystem(context.Background()) }

// fixture is a database with one account and the plaintext credentials of
// the integrations created in it.
type fixture struct {
	t       *testing.T
	db      *store.DB
	box     *secrets.Box
	account int
}

// creds are an integration's credentials as its owner knows them.
type creds struct {
	appSecret, accessToken, verifyToken string
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	box := secretstest.Box(t)
	acc, err := db.Client.Account.Create().SetName("Acme").Save(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, box: box, account: acc.ID}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// integration creates an integration alerting email (alerts off when empty).
func (f *fixture) integration(name, email string) (*ent.Integration, creds) {
	f.t.Helper()
	c := creds{appSecret: "appsecret-" + randomHex(8), accessToken: "EAAtoken" + randomHex(12), verifyToken: "Verify-" + randomHex(6)}
	seal := func(v, purpose string) string {
		s, err := f.box.Seal(v, purpose)
		if err != nil {
			f.t.Fatal(err)
		}
		return s
	}
	in, err := f.db.Client.Integration.Create().
		SetAccountID(f.account).
		SetName(name).
		SetActive(true).
		SetBusinessAccountID("waba-1").
		SetPhoneNumberID("pn-" + randomHex(6)).
		SetAppID("app-1").
		SetAppSecretSealed(seal(c.appSecret, secrets.AppSecret)).
		SetAccessTokenSealed(seal(c.accessToken, secrets.AccessToken)).
		SetVerifyTokenSealed(seal(c.verifyToken, secrets.VerifyToken)).
		SetVerifyTokenFingerprint(f.box.Fingerprint(c.verifyToken, secrets.VerifyToken)).
		SetWebhookKey("key-" + randomHex(12)).
		SetAlertsEnabled(email != "").
		SetAlertEmail(email).
		Save(sysCtx())
	if err != nil {
		f.t.Fatal(err)
	}
	return in, c
}

// recordError inserts an error as the webhook or the flow engine would.
func (f *fixture) recordError(in *ent.Integration, kind integrationerror.Kind, at time.Time, message string, detail map[string]any) *ent.IntegrationError {
	f.t.Helper()
	e, err := f.db.Client.IntegrationError.Create().
		SetAccountID(in.AccountID).
		SetIntegrationID(in.ID).
		SetKind(kind).
		SetMessage(message).
		SetDetail(detail).
		SetCreatedAt(at).
		Save(sysCtx())
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// unalerted counts the integration's errors without alerted_at.
func (f *fixture) unalerted(in *ent.Integration) int {
	f.t.Helper()
	n, err := f.db.Client.IntegrationError.Query().
		Where(integrationerror.IntegrationID(in.ID), integrationerror.AlertedAtIsNil()).
		Count(sysCtx())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
