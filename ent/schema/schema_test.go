package schema_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/schema"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

// fixture is one account with an integration, a bot version, a contact.
type fixture struct {
	account     *ent.Account
	integration *ent.Integration
	version     *ent.BotVersion
	contact     *ent.Contact
}

func newBox(t *testing.T) *secrets.Box {
	t.Helper()
	box, err := secrets.New([]byte(strings.Repeat("k", secrets.KeySize)))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func seal(t *testing.T, box *secrets.Box, plaintext, purpose string) string {
	t.Helper()
	s, err := box.Seal(plaintext, purpose)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newFixture(t *testing.T, client *ent.Client, box *secrets.Box, phoneNumberID string) fixture {
	t.Helper()
	ctx := tenant.AsSystem(context.Background())
	acct := client.Account.Create().SetName("acct " + phoneNumberID).SaveX(ctx)
	actx := tenant.WithAccount(context.Background(), acct.ID)
	bot := client.Bot.Create().SetName("bot").SaveX(actx)
	version := client.BotVersion.Create().SetBotID(bot.ID).SetNumber(1).SetDefinition([]byte(`{"version":1}`)).SaveX(actx)
	integ := client.Integration.Create().
		SetName("main line").
		SetBotID(bot.ID).
		SetBusinessAccountID("waba-1").
		SetPhoneNumberID(phoneNumberID).
		SetAppID("app-1").
		SetAppSecretSealed(seal(t, box, "plain-app-secret", secrets.AppSecret)).
		SetAccessTokenSealed(seal(t, box, "EAAplain-access-token", secrets.AccessToken)).
		SetVerifyTokenSealed(seal(t, box, "plain-verify-token", secrets.VerifyToken)).
		SetVerifyTokenFingerprint(box.Fingerprint("plain-verify-token", secrets.VerifyToken)).
		SetWebhookKey("key-" + phoneNumberID).
		SaveX(actx)
	contact := client.Contact.Create().SetIntegrationID(integ.ID).SetWaID("4915112345678").SaveX(actx)
	return fixture{account: acct, integration: integ, version: version, contact: contact}
}

func TestSchema(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, db *store.DB)
	}{
		{"tenant isolation", testTenantIsolation},
		{"unique phone number id", testUniquePhoneNumberID},
		{"bot versions are immutable", testBotVersionImmutable},
		{"one active conversation per contact", testOneActiveConversation},
		{"wamid unique per integration", testWamidUnique},
		{"secrets sealed at rest", testSecretsSealedAtRest},
		{"deleting an integration removes its data", testDeleteCascades},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, tt.run)
		})
	}
}

func testTenantIsolation(t *testing.T, db *store.DB) {
	box := newBox(t)
	a := newFixture(t, db.Client, box, "111")
	b := newFixture(t, db.Client, box, "222")
	actx := tenant.WithAccount(context.Background(), a.account.ID)

	got := db.Client.Integration.Query().IDsX(actx)
	if len(got) != 1 || got[0] != a.integration.ID {
		t.Fatalf("account A sees integrations %v, want only %d", got, a.integration.ID)
	}
	if _, err := db.Client.Integration.Get(actx, b.integration.ID); !ent.IsNotFound(err) {
		t.Fatalf("Get of another account's integration: err = %v, want not found", err)
	}
	if _, err := db.Client.Contact.Get(actx, b.contact.ID); !ent.IsNotFound(err) {
		t.Fatalf("Get of another account's contact: err = %v, want not found", err)
	}
	// Traversals stay inside the account too.
	if n := db.Client.Bot.Query().QueryIntegrations().CountX(actx); n != 1 {
		t.Fatalf("traversal from bots counts %d integrations, want 1", n)
	}
	err := db.Client.Integration.UpdateOneID(b.integration.ID).SetName("taken over").Exec(actx)
	if !ent.IsNotFound(err) {
		t.Fatalf("update of another account's integration: err = %v, want not found", err)
	}
	n, err := db.Client.Integration.Delete().Where(integration.ID(b.integration.ID)).Exec(actx)
	if err != nil || n != 0 {
		t.Fatalf("delete of another account's integration: n = %d, err = %v; want 0, nil", n, err)
	}
	_, err = db.Client.Contact.Create().SetAccountID(b.account.ID).SetIntegrationID(b.integration.ID).SetWaID("1").Save(actx)
	if !errors.Is(err, tenant.ErrDenied) {
		t.Fatalf("create in another account: err = %v, want ErrDenied", err)
	}
	if _, err := db.Client.Integration.Query().All(context.Background()); !errors.Is(err, tenant.ErrMissing) {
		t.Fatalf("query without an account: err = %v, want ErrMissing", err)
	}
	if _, err := db.Client.Account.Create().SetName("x").Save(actx); !errors.Is(err, tenant.ErrDenied) {
		t.Fatalf("account created from an account context: err = %v, want ErrDenied", err)
	}
}

func testUniquePhoneNumberID(t *testing.T, db *store.DB) {
	box := newBox(t)
	a := newFixture(t, db.Client, box, "333")
	other := newFixture(t, db.Client, box, "334")
	actx := tenant.WithAccount(context.Background(), other.account.ID)
	err := db.Client.Integration.Create().
		SetBusinessAccountID("w").SetPhoneNumberID(a.integration.PhoneNumberID).SetAppID("a").
		SetAppSecretSealed("v1:x").SetAccessTokenSealed("v1:x").SetVerifyTokenSealed("v1:x").
		SetVerifyTokenFingerprint("other").SetWebhookKey("another-key").
		Exec(actx)
	if !ent.IsConstraintError(err) {
		t.Fatalf("second integration with phone number id %s: err = %v, want a constraint error", a.integration.PhoneNumberID, err)
	}
}

func testBotVersionImmutable(t *testing.T, db *store.DB) {
	f := newFixture(t, db.Client, newBox(t), "444")
	actx := tenant.WithAccount(context.Background(), f.account.ID)
	err := db.Client.BotVersion.UpdateOneID(f.version.ID).Exec(actx)
	if !errors.Is(err, schema.ErrBotVersionImmutable) {
		t.Fatalf("update of a bot version: err = %v, want ErrBotVersionImmutable", err)
	}
	err = db.Client.BotVersion.Create().SetBotID(f.version.BotID).SetNumber(1).SetDefinition([]byte(`{}`)).Exec(actx)
	if !ent.IsConstraintError(err) {
		t.Fatalf("second version 1 of a bot: err = %v, want a constraint error", err)
	}
}

func testOneActiveConversation(t *testing.T, db *store.DB) {
	f := newFixture(t, db.Client, newBox(t), "555")
	actx := tenant.WithAccount(context.Background(), f.account.ID)
	create := func() *ent.ConversationCreate {
		return db.Client.Conversation.Create().
			SetIntegrationID(f.integration.ID).SetContactID(f.contact.ID).SetBotVersionID(f.version.ID)
	}
	first := create().SaveX(actx)
	if err := create().Exec(actx); !ent.IsConstraintError(err) {
		t.Fatalf("second ACTIVE conversation: err = %v, want a constraint error", err)
	}
	db.Client.Conversation.UpdateOne(first).SetStatus(conversation.StatusEXPIRED).SetEndedAt(time.Now()).ExecX(actx)
	if err := create().Exec(actx); err != nil {
		t.Fatalf("new conversation after the first expired: %v", err)
	}
}

func testWamidUnique(t *testing.T, db *store.DB) {
	f := newFixture(t, db.Client, newBox(t), "666")
	actx := tenant.WithAccount(context.Background(), f.account.ID)
	inbound := func(wamid *string) error {
		return db.Client.Message.Create().
			SetIntegrationID(f.integration.ID).SetDirection(message.DirectionINBOUND).
			SetNillableWamid(wamid).SetType("text").SetStatus(message.StatusRECEIVED).
			Exec(actx)
	}
	wamid := "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
	if err := inbound(&wamid); err != nil {
		t.Fatal(err)
	}
	if err := inbound(&wamid); !ent.IsConstraintError(err) {
		t.Fatalf("same wamid twice: err = %v, want a constraint error", err)
	}
	// Outbound rows have no wamid until Meta accepts them: many may wait.
	if err := inbound(nil); err != nil {
		t.Fatal(err)
	}
	if err := inbound(nil); err != nil {
		t.Fatalf("second message without wamid: %v", err)
	}
}

func testSecretsSealedAtRest(t *testing.T, db *store.DB) {
	box := newBox(t)
	f := newFixture(t, db.Client, box, "777")
	rows, err := db.SQL.Query("SELECT * FROM integrations WHERE id = " + strconv.Itoa(f.integration.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	if !rows.Next() {
		t.Fatal("integration row not found")
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	var raw strings.Builder
	for _, v := range values {
		switch v := v.(type) {
		case []byte:
			raw.Write(v)
		case string:
			raw.WriteString(v)
		}
		raw.WriteByte('|')
	}
	for _, plain := range []string{"plain-app-secret", "EAAplain-access-token", "plain-verify-token"} {
		if strings.Contains(raw.String(), plain) {
			t.Errorf("raw row contains %q in clear", plain)
		}
	}
	got, err := box.Open(f.integration.AccessTokenSealed, secrets.AccessToken)
	if err != nil || got != "EAAplain-access-token" {
		t.Fatalf("Open(access token) = %q, %v", got, err)
	}
	if s := f.integration.String(); strings.Contains(s, f.integration.AccessTokenSealed) {
		t.Fatal("Integration.String() prints the sealed token")
	}
}

func testDeleteCascades(t *testing.T, db *store.DB) {
	f := newFixture(t, db.Client, newBox(t), "888")
	actx := tenant.WithAccount(context.Background(), f.account.ID)
	conv := db.Client.Conversation.Create().
		SetIntegrationID(f.integration.ID).SetContactID(f.contact.ID).SetBotVersionID(f.version.ID).SaveX(actx)
	db.Client.Message.Create().SetIntegrationID(f.integration.ID).SetConversationID(conv.ID).
		SetDirection(message.DirectionOUTBOUND).SetType("text").SetStatus(message.StatusQUEUED).ExecX(actx)
	db.Client.IntegrationError.Create().SetIntegrationID(f.integration.ID).SetKind("NO_BOT").SetMessage("x").ExecX(actx)

	db.Client.Integration.DeleteOneID(f.integration.ID).ExecX(actx)
	for name, n := range map[string]int{
		"contacts":      db.Client.Contact.Query().CountX(actx),
		"conversations": db.Client.Conversation.Query().CountX(actx),
		"messages":      db.Client.Message.Query().CountX(actx),
		"errors":        db.Client.IntegrationError.Query().CountX(actx),
	} {
		if n != 0 {
			t.Errorf("%d %s left after deleting the integration", n, name)
		}
	}
	if n := db.Client.BotVersion.Query().CountX(actx); n != 1 {
		t.Errorf("bot versions after deleting the integration = %d, want 1 (bots outlive integrations)", n)
	}
}
