package outbox_test

import (
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// TestGraphErrors sends one reply through each class of Graph API answer.
func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name       string
		opts       outbox.Options
		setup      func(e *pipelinetest.Env)
		wantStatus message.Status
		wantCode   int
		wantSends  int
		wantErrors []integrationerror.Kind
	}{
		{
			name: "retryable then accepted",
			setup: func(e *pipelinetest.Env) {
				e.Sim.SetFaults(e.PhoneNumberID, whatsapptest.Faults{Throttle: 1, ServerErrors: 1})
			},
			wantStatus: message.StatusSENT, wantSends: 1,
		},
		{
			name:       "retryable until the attempts run out",
			opts:       outbox.Options{MaxAttempts: 2},
			setup:      func(e *pipelinetest.Env) { e.Sim.SetFaults(e.PhoneNumberID, whatsapptest.Faults{ServerErrors: -1}) },
			wantStatus: message.StatusFAILED, wantCode: 2,
			wantErrors: []integrationerror.Kind{integrationerror.KindSEND_FAILED},
		},
		{
			name: "connection dropped: in doubt, then sent once",
			// The lease must outlast a send on a loaded machine, or the
			// retry itself goes in doubt.
			opts:       outbox.Options{Lease: 3 * time.Second},
			setup:      func(e *pipelinetest.Env) { e.Sim.SetFaults(e.PhoneNumberID, whatsapptest.Faults{DropConnections: 1}) },
			wantStatus: message.StatusSENT, wantSends: 1,
		},
		{
			name: "permanent",
			setup: func(e *pipelinetest.Env) {
				// Meta knows no such number: code 100.
				e.UpdateIntegration(func(u *ent.IntegrationUpdateOne) { u.SetPhoneNumberID("999000111") })
			},
			wantStatus: message.StatusFAILED, wantCode: 100,
			wantErrors: []integrationerror.Kind{integrationerror.KindSEND_FAILED},
		},
		{
			name: "190, token renewed",
			setup: func(e *pipelinetest.Env) {
				e.Sim.SetFaults(e.PhoneNumberID, whatsapptest.Faults{ExpiredToken: true})
				e.OnSimRequest(func(le whatsapptest.LogEntry) {
					if le.Kind == whatsapptest.KindTokenExchange && le.Status == 200 {
						e.Sim.ClearFaults(e.PhoneNumberID)
					}
				})
			},
			wantStatus: message.StatusSENT, wantSends: 1,
		},
		{
			name:       "token expired, renewal refused",
			setup:      func(e *pipelinetest.Env) { e.Sim.ExpireToken(e.Token) },
			wantStatus: message.StatusFAILED, wantCode: 190,
			wantErrors: []integrationerror.Kind{integrationerror.KindTOKEN_EXPIRED},
		},
		{
			name: "190, renewal refused for a rotated app secret",
			setup: func(e *pipelinetest.Env) {
				e.Sim.SetFaults(e.PhoneNumberID, whatsapptest.Faults{ExpiredToken: true})
				e.Sim.AddApp(e.AppID, "rotated")
			},
			wantStatus: message.StatusFAILED, wantCode: 190,
			wantErrors: []integrationerror.Kind{integrationerror.KindTOKEN_EXPIRED},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := pipelinetest.New(t, db, pipelinetest.Config{Outbox: tt.opts})
				tt.setup(e)
				m := e.Queue(ana, "Hello", time.Now())
				var got *ent.Message
				e.Eventually("the message settled", func() bool {
					got = e.Message(m.ID)
					return got.Status != message.StatusQUEUED
				})
				if got.Status != tt.wantStatus {
					t.Fatalf("status %s (%q), want %s", got.Status, got.ErrorDetail, tt.wantStatus)
				}
				if code := derefInt(got.ErrorCode); got.Status == message.StatusFAILED && code != tt.wantCode {
					t.Errorf("error code %d, want %d", code, tt.wantCode)
				}
				if got.AttemptStartedAt != nil {
					t.Error("attempt still open")
				}
				if n := len(e.Requests(whatsapptest.KindSend)); n != tt.wantSends {
					t.Errorf("%d sends accepted, want %d", n, tt.wantSends)
				}
				if kinds := errorKinds(t, e); !sameKinds(kinds, tt.wantErrors) {
					t.Errorf("integration errors %v, want %v", kinds, tt.wantErrors)
				}
			})
		})
	}
}

// TestTokenRenewalStored: the renewed token is stored sealed, with its
// expiry, and used from then on.
func TestTokenRenewalStored(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{})
		e.Sim.SetFaults(e.PhoneNumberID, whatsapptest.Faults{ExpiredToken: true})
		e.OnSimRequest(func(le whatsapptest.LogEntry) {
			if le.Kind == whatsapptest.KindTokenExchange && le.Status == 200 {
				e.Sim.ClearFaults(e.PhoneNumberID)
			}
		})
		m := e.Queue(ana, "Hello", time.Now())
		e.WaitStatus(m.ID, message.StatusSENT)
		in, err := e.DB.Client.Integration.Get(pipelinetest.Ctx(), e.Integ.ID)
		if err != nil {
			t.Fatal(err)
		}
		token, err := e.Box.Open(in.AccessTokenSealed, secrets.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if token == e.Token {
			t.Error("token not renewed")
		}
		if in.AccessTokenExpiresAt == nil || in.AccessTokenExpiresAt.Before(time.Now().Add(50*24*time.Hour)) {
			t.Errorf("token expiry %v, want about 60 days ahead", in.AccessTokenExpiresAt)
		}
		e.Sim.ExpireToken(e.Token) // the old one no longer works; the new one must
		next := e.Queue(ana, "Again", time.Now())
		e.WaitStatus(next.ID, message.StatusSENT)
	})
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
