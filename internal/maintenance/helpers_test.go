package maintenance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/testclock"
)

// newClock starts every test at the same instant.
func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)) }

func sysCtx() context.Context { return tenant.AsSystem(context.Background()) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type fixture struct {
	t       *testing.T
	db      *store.DB
	box     *secrets.Box
	account int
	version *ent.BotVersion
}

func newFixture(t *testing.T, db *store.DB, box *secrets.Box) *fixture {
	t.Helper()
	ctx := sysCtx()
	acc, err := db.Client.Account.Create().SetName("Acme").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bot, err := db.Client.Bot.Create().SetAccountID(acc.ID).SetName("Helper").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Client.BotVersion.Create().SetAccountID(acc.ID).SetBotID(bot.ID).SetNumber(1).
		SetDefinition(json.RawMessage(`{}`)).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, box: box, account: acc.ID, version: v}
}

func (f *fixture) seal(v, purpose string) string {
	s, err := f.box.Seal(v, purpose)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// integration creates an integration of app-1 holding token, which
// expires at expires (nil: never).
func (f *fixture) integration(appSecret, token string, expires *time.Time) *ent.Integration {
	f.t.Helper()
	verify := "verify-" + randomHex(6)
	in, err := f.db.Client.Integration.Create().
		SetAccountID(f.account).
		SetActive(true).
		SetBusinessAccountID("waba-1").
		SetPhoneNumberID("pn-" + randomHex(6)).
		SetAppID("app-1").
		SetAppSecretSealed(f.seal(appSecret, secrets.AppSecret)).
		SetAccessTokenSealed(f.seal(token, secrets.AccessToken)).
		SetNillableAccessTokenExpiresAt(expires).
		SetVerifyTokenSealed(f.seal(verify, secrets.VerifyToken)).
		SetVerifyTokenFingerprint(f.box.Fingerprint(verify, secrets.VerifyToken)).
		SetWebhookKey("key-" + randomHex(12)).
		Save(sysCtx())
	if err != nil {
		f.t.Fatal(err)
	}
	return in
}

// conversation starts a conversation with a new contact, last active at.
func (f *fixture) conversation(in *ent.Integration, status conversation.Status, lastActivity time.Time) *ent.Conversation {
	f.t.Helper()
	ctx := sysCtx()
	contact, err := f.db.Client.Contact.Create().SetAccountID(f.account).SetIntegrationID(in.ID).
		SetWaID("49" + randomHex(5)).Save(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := f.db.Client.Conversation.Create().SetAccountID(f.account).SetIntegrationID(in.ID).
		SetContactID(contact.ID).SetBotVersionID(f.version.ID).SetStatus(status).
		SetLastActivityAt(lastActivity).SetCreatedAt(lastActivity).Save(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) reload(in *ent.Integration) *ent.Integration {
	f.t.Helper()
	got, err := f.db.Client.Integration.Get(sysCtx(), in.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return got
}

func (f *fixture) token(in *ent.Integration) string {
	f.t.Helper()
	tok, err := f.box.Open(in.AccessTokenSealed, secrets.AccessToken)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

func ptr[T any](v T) *T { return &v }
