package integrations

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

func ptr[T any](v T) *T { return &v }

func validFields() Fields {
	return Fields{
		BusinessAccountID: ptr("102290129340398"), PhoneNumberID: ptr("106540352242922"), AppID: ptr("1234"),
		AppSecret: ptr("secret"), AccessToken: ptr("EAAshort"), VerifyToken: ptr("verify-token-12"),
	}
}

func TestFieldsCheck(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*Fields)
		create    bool
		wantField string
	}{
		{"valid", func(*Fields) {}, true, ""},
		{"update of nothing", func(f *Fields) { *f = Fields{} }, false, ""},
		{"missing on create", func(f *Fields) { f.AppID = nil }, true, "appId"},
		{"12 characters is enough", func(f *Fields) { f.VerifyToken = ptr("123456789012") }, true, ""},
		{"11 characters", func(f *Fields) { f.VerifyToken = ptr("12345678901") }, true, "verifyToken"},
		{"11 runes in more bytes", func(f *Fields) { f.VerifyToken = ptr("ééééééééééé") }, true, "verifyToken"},
		{"api version v21.0", func(f *Fields) { f.APIVersion = ptr("v21.0") }, true, ""},
		{"api version without v", func(f *Fields) { f.APIVersion = ptr("21.0") }, true, "apiVersion"},
		{"api version with patch", func(f *Fields) { f.APIVersion = ptr("v21.0.1") }, true, "apiVersion"},
		{"phone id with letters", func(f *Fields) { f.PhoneNumberID = ptr("10654x") }, false, "phoneNumberId"},
		{"ids are trimmed", func(f *Fields) { f.AppID = ptr(" 1234 ") }, true, ""},
		{"email", func(f *Fields) { f.Settings.AlertEmail = ptr("Ops <ops@example.com>") }, false, "settings.alertEmail"},
		{"expiry of a minute", func(f *Fields) {
			f.Settings.SetConversationExpiry, f.Settings.ConversationExpiry = true, ptr(time.Minute)
		}, false, ""},
		{"expiry under a minute", func(f *Fields) {
			f.Settings.SetConversationExpiry, f.Settings.ConversationExpiry = true, ptr(59*time.Second)
		}, false, "settings.conversationExpirySeconds"},
		{"cleared expiry", func(f *Fields) { f.Settings.SetConversationExpiry = true }, false, ""},
		{"recipient with plus and spaces", func(f *Fields) { f.Settings.TriggerRecipients = ptr([]string{"+49 151 2345678"}) }, false, ""},
		{"recipient too short", func(f *Fields) { f.Settings.TriggerRecipients = ptr([]string{"123"}) }, false, "settings.triggerRecipients[0]"},
		{"rate above 1000", func(f *Fields) { f.Settings.MessagesPerSecond = ptr(1001.0) }, false, "settings.messagesPerSecond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validFields()
			tt.edit(&f)
			err := f.check(tt.create)
			var ie *InputError
			switch {
			case tt.wantField == "" && err != nil:
				t.Errorf("check = %v, want nil", err)
			case tt.wantField != "" && (!errors.As(err, &ie) || ie.Field != tt.wantField):
				t.Errorf("check = %v, want an error on %s", err, tt.wantField)
			}
		})
	}
}

func TestCheckCombined(t *testing.T) {
	tests := []struct {
		alerts                bool
		email, template, lang string
		wantField             string
	}{
		{false, "", "", "", ""},
		{true, "a@b.c", "", "", ""},
		{true, "", "", "", "settings.alertEmail"},
		{false, "", "hello", "en", ""},
		{false, "", "hello", "", "settings.templateLanguage"},
		{false, "", "", "en", "settings.templateName"},
	}
	for _, tt := range tests {
		err := checkCombined(tt.alerts, tt.email, tt.template, tt.lang)
		var ie *InputError
		if got := ""; errors.As(err, &ie) {
			got = ie.Field
			if got != tt.wantField {
				t.Errorf("checkCombined(%+v) = %s, want %s", tt, got, tt.wantField)
			}
		} else if tt.wantField != "" {
			t.Errorf("checkCombined(%+v) = %v, want an error on %s", tt, err, tt.wantField)
		}
	}
}

// rootDB is a DB without a transaction, for tests of the service alone.
type rootDB struct{ c *ent.Client }

func (d rootDB) Read(context.Context) *ent.Client           { return d.c }
func (d rootDB) Write(context.Context) (*ent.Client, error) { return d.c, nil }

// The token exchange against the Meta simulator: the long-lived token is
// stored sealed; a wrong secret and an expired token are Meta's refusals,
// and nothing is stored.
func TestCreateExchangesToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		sim := whatsapptest.NewServer(t, whatsapptest.Config{})
		sim.AddApp("1234", "secret")
		sim.AddToken("EAAshort", whatsapptest.TokenSpec{AppID: "1234", ExpiresAt: time.Now().Add(time.Hour)})
		sim.AddToken("EAAexpired", whatsapptest.TokenSpec{AppID: "1234", ExpiresAt: time.Now().Add(-time.Hour)})
		key, _ := secrets.ParseKey(strings.Repeat("22", secrets.KeySize))
		box, _ := secrets.New(key)
		svc := New(box, whatsapp.NewClient(nil, sim.URL), nil)
		acct, err := db.Client.Account.Create().SetName("Acme").Save(tenant.AsSystem(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		ctx := tenant.WithAccount(context.Background(), acct.ID)

		for _, tt := range []struct {
			name, secret, token string
			wantCode            int
			wantField           string
		}{
			{"wrong secret", "not-secret", "EAAshort", 1, "appSecret"},
			{"expired token", "secret", "EAAexpired", 190, "accessToken"},
		} {
			f := validFields()
			f.AppSecret, f.AccessToken = ptr(tt.secret), ptr(tt.token)
			_, err := svc.Create(ctx, rootDB{db.Client}, CreateInput{Fields: f})
			var up *UpstreamError
			if !errors.As(err, &up) || up.API() == nil || up.API().Code != tt.wantCode || up.Field != tt.wantField {
				t.Errorf("%s: err = %v, want Meta code %d on %s", tt.name, err, tt.wantCode, tt.wantField)
			}
		}
		if n := db.Client.Integration.Query().CountX(ctx); n != 0 {
			t.Fatalf("refused exchanges stored %d integrations", n)
		}

		in, err := svc.Create(ctx, rootDB{db.Client}, CreateInput{Fields: validFields()})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := box.Open(in.AccessTokenSealed, secrets.AccessToken)
		if err != nil || tok == "EAAshort" || !strings.HasPrefix(tok, "EAA") {
			t.Errorf("stored token = %q, %v; want the long-lived one", tok, err)
		}
		if in.AccessTokenExpiresAt == nil || time.Until(*in.AccessTokenExpiresAt) < 59*24*time.Hour {
			t.Errorf("expiry = %v, want about 60 days", in.AccessTokenExpiresAt)
		}
		if len(in.WebhookKey) < 43 || in.Active {
			t.Errorf("webhook key %q, active %v", in.WebhookKey, in.Active)
		}
		if hint, err := svc.VerifyTokenHint(in); err != nil || hint != "ver…" {
			t.Errorf("hint = %q, %v", hint, err)
		}
	})
}

func TestBlame(t *testing.T) {
	tests := []struct {
		give error
		want string
	}{
		{&whatsapp.APIError{Code: 1}, "appSecret"},
		{&whatsapp.APIError{Code: 101}, "appId"},
		{&whatsapp.APIError{Code: 190, Subcode: 463}, "accessToken"},
		{&whatsapp.APIError{Code: 2}, ""},
		{errors.New("dial tcp: refused"), ""},
	}
	for _, tt := range tests {
		if got := blame(tt.give); got != tt.want {
			t.Errorf("blame(%v) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
