package diagnostics

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp"
)

func TestHealthyIntegrationPassesEveryCheck(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.healthy()
		checks, err := Run(tenant.WithAccount(context.Background(), e.account), e.deps(), in.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{CheckActive, CheckBot, CheckAccessToken, CheckVerification, CheckReceived, CheckSignature, CheckSending, CheckFlow}
		if len(checks) != len(want) {
			t.Fatalf("got %d checks, want %d", len(checks), len(want))
		}
		for i, c := range checks {
			if c.Name != want[i] {
				t.Errorf("check %d is %q, want %q", i, c.Name, want[i])
			}
			if c.Status != OK || c.Reason == "" || c.Action != "" || c.Title == "" {
				t.Errorf("%s: got %+v, want OK with a reason and no action", c.Name, c)
			}
			if strings.Contains(c.Reason, in.token) || strings.Contains(c.Reason, appSecret) {
				t.Errorf("%s: reason contains a secret", c.Name)
			}
		}
	})
}

// TestEachCheckFails breaks a healthy integration one way at a time, by
// doing what breaks it in real life where that can be done here.
func TestEachCheckFails(t *testing.T) {
	tests := []struct {
		name       string
		breakIt    func(t *testing.T, e *env, in *subject)
		check      string
		want       Status
		wantReason string
		wantAction string
	}{
		{
			name: "inactive integration",
			breakIt: func(t *testing.T, e *env, in *subject) {
				in.Update().SetActive(false).ExecX(sysCtx())
			},
			check: CheckActive, want: Failing, wantReason: "switched off", wantAction: "Active toggle",
		},
		{
			name: "no bot connected",
			breakIt: func(t *testing.T, e *env, in *subject) {
				in.Update().ClearBotID().ExecX(sysCtx())
			},
			check: CheckBot, want: Failing, wantReason: "No bot", wantAction: "published bot",
		},
		{
			name: "bot never published",
			breakIt: func(t *testing.T, e *env, in *subject) {
				in.Update().SetBotID(e.bot("Draft bot", false).ID).ExecX(sysCtx())
			},
			check: CheckBot, want: Failing, wantReason: `"Draft bot" has never been published`, wantAction: "Publish",
		},
		{
			name: "token expired at Meta",
			breakIt: func(t *testing.T, e *env, in *subject) {
				e.sim.ExpireToken(in.token)
			},
			check: CheckAccessToken, want: Failing, wantReason: "expired", wantAction: "new access token",
		},
		{
			name: "token expiring tomorrow, not renewed",
			breakIt: func(t *testing.T, e *env, in *subject) {
				e.sim.AddToken(in.token, whatsappTokenSpec(e.clock.Now().Add(20*time.Hour)))
			},
			check: CheckAccessToken, want: Warning, wantReason: "expires at", wantAction: "new access token",
		},
		{
			name: "wrong app secret",
			breakIt: func(t *testing.T, e *env, in *subject) {
				in.Update().SetAppSecretSealed(e.seal("not-the-secret", "app_secret")).ExecX(sysCtx())
			},
			check: CheckAccessToken, want: Failing, wantReason: "client secret", wantAction: "App Secret",
		},
		{
			name: "wrong verify token sent by Meta",
			breakIt: func(t *testing.T, e *env, in *subject) {
				if code := e.verify(in, "subscribe", strings.ToUpper(in.verifyToken)); code != http.StatusForbidden {
					t.Fatalf("verification answered %d, want 403", code)
				}
			},
			check: CheckVerification, want: Failing, wantReason: "refused: wrong verify token", wantAction: "case-sensitive",
		},
		{
			name: "wrong verification mode",
			breakIt: func(t *testing.T, e *env, in *subject) {
				e.verify(in, "unsubscribe", in.verifyToken)
			},
			check: CheckVerification, want: Failing, wantReason: "hub.mode is not subscribe", wantAction: "subscription request",
		},
		{
			name: "never verified, nothing received",
			breakIt: func(t *testing.T, e *env, in *subject) {
				in.Update().ClearWebhookVerifiedAt().ClearLastActivityAt().ExecX(sysCtx())
			},
			check: CheckVerification, want: Warning, wantReason: "not verified", wantAction: "verify token",
		},
		{
			name: "no webhook received",
			breakIt: func(t *testing.T, e *env, in *subject) {
				in.Update().ClearLastActivityAt().ExecX(sysCtx())
			},
			check: CheckReceived, want: Warning, wantReason: "No webhook", wantAction: "messages field",
		},
		{
			name: "forged signature",
			breakIt: func(t *testing.T, e *env, in *subject) {
				if code := e.forge(in); code != http.StatusUnauthorized && code != http.StatusForbidden {
					t.Fatalf("forged POST answered %d", code)
				}
			},
			check: CheckSignature, want: Failing, wantReason: "wrong signature", wantAction: "App Secret",
		},
		{
			name: "sends failing",
			breakIt: func(t *testing.T, e *env, in *subject) {
				now := e.clock.Now()
				e.outbound(in.Integration, outbound{status: "FAILED", code: 190, at: now.Add(-30 * time.Minute)})
				e.outbound(in.Integration, outbound{status: "FAILED", code: 131047, at: now.Add(-20 * time.Minute)})
				e.outbound(in.Integration, outbound{status: "FAILED", code: 131047, at: now.Add(-10 * time.Minute)})
				e.outbound(in.Integration, outbound{status: "FAILED", code: 131026, at: now.Add(-30 * time.Hour)})
			},
			check: CheckSending, want: Failing, wantReason: "3 sends failed in the last 24 hours (Meta code 131047 ×2, 190 ×1)", wantAction: "template",
		},
		{
			name: "a send failed, later ones went out",
			breakIt: func(t *testing.T, e *env, in *subject) {
				now := e.clock.Now()
				e.outbound(in.Integration, outbound{status: "FAILED", code: 190, at: now.Add(-3 * time.Hour)})
			},
			check: CheckSending, want: Warning, wantReason: "sent since", wantAction: "new access token",
		},
		{
			name: "flow errors",
			breakIt: func(t *testing.T, e *env, in *subject) {
				for range 2 {
					e.db.Client.IntegrationError.Create().SetAccountID(in.AccountID).SetIntegrationID(in.ID).
						SetKind(integrationerror.KindFLOW_ERROR).SetMessage("HttpRequest node: connection refused").
						SetCreatedAt(e.clock.Now().Add(-time.Minute)).ExecX(sysCtx())
				}
			},
			check: CheckFlow, want: Failing, wantReason: "2 flow errors", wantAction: "test mode",
		},
	}
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := e.healthy()
				tt.breakIt(t, e, in)
				got := e.run(in)[tt.check]
				if got.Status != tt.want || !strings.Contains(got.Reason, tt.wantReason) || !strings.Contains(got.Action, tt.wantAction) {
					t.Errorf("got %s %q / %q, want %s with %q / %q", got.Status, got.Reason, got.Action, tt.want, tt.wantReason, tt.wantAction)
				}
				if strings.Contains(got.Reason, "\n") {
					t.Errorf("reason spans lines: %q", got.Reason)
				}
			})
		}
	})
}

// TestMetaUnreachable: a Meta that does not answer is a warning, not a failure.
func TestMetaUnreachable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.healthy()
		blackhole := newBlackhole(t)
		d := e.deps()
		d.Meta = whatsapp.NewClient(nil, blackhole)
		d.MetaTimeout = 200 * time.Millisecond
		start := time.Now()
		checks, err := Run(sysCtx(), d, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %v despite the timeout", took)
		}
		c := checks[2]
		if c.Name != CheckAccessToken || c.Status != Warning || !strings.Contains(c.Reason, "could not be asked") {
			t.Errorf("got %+v, want a warning", c)
		}
	})
}

func TestOtherAccountCannotDiagnose(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.healthy()
		_, err := Run(tenant.WithAccount(context.Background(), e.account+1000), e.deps(), in.ID)
		if !ent.IsNotFound(err) {
			t.Errorf("got %v, want not found", err)
		}
	})
}
