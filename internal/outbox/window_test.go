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
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// TestWindow: the bot answers with two free-form messages after the
// 24-hour window closed, known from our data (the sender's clock is a day
// ahead) or from Meta's 131047.
func TestWindow(t *testing.T) {
	later := func() time.Time { return time.Now().Add(25 * time.Hour) }
	tests := []struct {
		name       string
		template   bool
		now        func() time.Time
		faults     whatsapptest.Faults
		wantSends  int
		wantErrors []integrationerror.Kind
	}{
		{name: "template instead, once", template: true, now: later, wantSends: 1},
		{name: "no template", now: later,
			wantErrors: []integrationerror.Kind{integrationerror.KindOUTSIDE_WINDOW, integrationerror.KindOUTSIDE_WINDOW}},
		{name: "131047 from Meta, template instead", template: true, faults: whatsapptest.Faults{OutsideWindow: true}, wantSends: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := pipelinetest.New(t, db, pipelinetest.Config{
					AutoStatus: true,
					Outbox:     outbox.Options{Now: tt.now},
					Integration: func(c *ent.IntegrationCreate) {
						if tt.template {
							c.SetTemplateName("hello_again").SetTemplateLanguage("en_US")
						}
					},
				})
				e.Sim.SetFaults(e.PhoneNumberID, tt.faults)
				bot, _ := e.Bot("Welcome", welcomeBot)
				e.Bind(bot.ID)
				e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))

				want := 2
				if tt.template {
					want = 3
				}
				var out []*ent.Message
				e.Eventually("replies settled", func() bool {
					out = e.Outbound()
					if len(out) < want {
						return false
					}
					for _, m := range out {
						if m.Status == message.StatusQUEUED {
							return false
						}
					}
					return true
				})
				if len(out) != want {
					t.Fatalf("%d outbound messages, want %d", len(out), want)
				}
				for _, m := range out[:2] {
					if m.Status != message.StatusFAILED || m.ErrorDetail == "" {
						t.Errorf("free-form %q: %s %q, want FAILED with the reason", m.Text, m.Status, m.ErrorDetail)
					}
				}
				sends := e.Requests(whatsapptest.KindSend)
				if len(sends) != tt.wantSends {
					t.Fatalf("%d sends, want %d", len(sends), tt.wantSends)
				}
				if tt.template {
					jsonEqual(t, sends[0].Body, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+15551234567",
						"type":"template","template":{"name":"hello_again","language":{"code":"en_US"}},
						"biz_opaque_callback_data":"`+itoa(out[2].ID)+`"}`)
					e.WaitStatus(out[2].ID, message.StatusREAD)
				}
				if kinds := errorKinds(t, e); !sameKinds(kinds, tt.wantErrors) {
					t.Errorf("integration errors %v, want %v", kinds, tt.wantErrors)
				}
			})
		})
	}
}
