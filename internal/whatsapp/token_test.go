package whatsapp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

func TestExchangeToken(t *testing.T) {
	sim, c, _ := newTestClient(t)
	sim.AddApp("1234", "app-secret")
	sim.AddToken("EAAshort", whatsapptest.TokenSpec{AppID: "1234", ExpiresAt: time.Now().Add(time.Hour)})
	sim.AddToken("EAAstale", whatsapptest.TokenSpec{AppID: "1234", ExpiresAt: time.Now().Add(-time.Hour)})
	ctx := context.Background()

	tok, err := c.ExchangeToken(ctx, "v21.0", "1234", "app-secret", "EAAshort")
	if err != nil {
		t.Fatalf("ExchangeToken: %v", err)
	}
	wantExpiry := time.Now().Add(5183944 * time.Second)
	if tok.AccessToken == "" || tok.ExpiresAt.Sub(wantExpiry).Abs() > time.Minute {
		t.Errorf("token = %v, want one expiring around %v", tok, wantExpiry)
	}
	// The new token works for sends.
	creds := whatsapp.Credentials{PhoneNumberID: testPhoneID, AccessToken: tok.AccessToken}
	if _, err := c.Send(ctx, creds, textMessage("hi")); err != nil {
		t.Errorf("send with the exchanged token: %v", err)
	}

	tests := []struct {
		name                  string
		appID, secret, short  string
		wantCode, wantSubcode int
		wantClass             whatsapp.Class
	}{
		{"wrong secret", "1234", "nope", "EAAshort", 1, 0, whatsapp.Permanent},
		{"unknown app", "999", "app-secret", "EAAshort", 101, 0, whatsapp.Permanent},
		{"expired short token", "1234", "app-secret", "EAAstale", 190, 463, whatsapp.Auth},
		{"unknown short token", "1234", "app-secret", "EAAnever", 190, 0, whatsapp.Auth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ExchangeToken(ctx, "v21.0", tt.appID, tt.secret, tt.short)
			var apiErr *whatsapp.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want an *APIError", err)
			}
			if apiErr.Code != tt.wantCode || apiErr.Subcode != tt.wantSubcode {
				t.Errorf("code/subcode = %d/%d, want %d/%d (%v)", apiErr.Code, apiErr.Subcode, tt.wantCode, tt.wantSubcode, err)
			}
			if got := apiErr.Class(); got != tt.wantClass {
				t.Errorf("Class = %v, want %v", got, tt.wantClass)
			}
		})
	}
}

func TestDebugToken(t *testing.T) {
	sim, c, _ := newTestClient(t)
	sim.AddApp("1234", "app-secret")
	expiry := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	sim.AddToken("EAAexpiring", whatsapptest.TokenSpec{AppID: "1234", ExpiresAt: expiry})
	sim.AddToken("EAAforever", whatsapptest.TokenSpec{AppID: "1234", Type: "SYSTEM_USER"})
	sim.AddToken("EAAexpired", whatsapptest.TokenSpec{AppID: "1234", ExpiresAt: time.Now().Add(-time.Minute)})
	appToken := "1234|app-secret"
	tests := []struct {
		input      string
		wantValid  bool
		wantExpiry time.Time
		wantCode   int
	}{
		{"EAAexpiring", true, expiry, 0},
		{"EAAforever", true, time.Time{}, 0},
		{"EAAexpired", false, time.Time{}, 190},
		{"EAAunknown", false, time.Time{}, 190},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			info, err := c.DebugToken(context.Background(), "", tt.input, appToken)
			if err != nil {
				t.Fatal(err)
			}
			if info.IsValid != tt.wantValid {
				t.Errorf("IsValid = %v, want %v", info.IsValid, tt.wantValid)
			}
			if tt.wantValid && !info.ExpiresAt.Equal(tt.wantExpiry) {
				t.Errorf("ExpiresAt = %v, want %v", info.ExpiresAt, tt.wantExpiry)
			}
			if tt.wantCode != 0 && (info.Error == nil || info.Error.Code != tt.wantCode) {
				t.Errorf("Error = %+v, want code %d", info.Error, tt.wantCode)
			}
		})
	}
	if _, err := c.DebugToken(context.Background(), "", "EAAforever", "1234|wrong"); whatsapp.Classify(err) != whatsapp.Permanent || err == nil {
		t.Errorf("debug with a wrong app secret: %v, want error code 1", err)
	}
}
