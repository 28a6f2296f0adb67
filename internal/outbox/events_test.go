package outbox_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/store"
)

func brief(e eventbus.Event) string {
	return fmt.Sprintf("%s account=%d integration=%d conversation=%d message=%d error=%d status=%s detail=%s",
		e.Kind, e.AccountID, e.IntegrationID, e.ConversationID, e.MessageID, e.ErrorID, e.Status, e.Detail)
}

func briefs(evs []eventbus.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = brief(e)
	}
	slices.Sort(out)
	return out
}

// TestEvents: the sender's commits are announced by the hooks of package
// events, each in one Publish call: a failure with its logged error, and a
// message replaced by the template with the template.
func TestEvents(t *testing.T) {
	later := func() time.Time { return time.Now().Add(25 * time.Hour) }
	tests := []struct {
		name     string
		opts     outbox.Options
		template bool
		setup    func(e *pipelinetest.Env)
	}{
		{name: "failed", setup: func(e *pipelinetest.Env) {
			// Meta knows no such number: code 100.
			e.UpdateIntegration(func(u *ent.IntegrationUpdateOne) { u.SetPhoneNumberID("999000111") })
		}},
		{name: "template instead", opts: outbox.Options{Now: later}, template: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				bus := pipelinetest.NewPublished(t)
				e := pipelinetest.New(t, db, pipelinetest.Config{
					Bus:    bus,
					Outbox: tt.opts,
					Integration: func(c *ent.IntegrationCreate) {
						if tt.template {
							c.SetTemplateName("hello_again").SetTemplateLanguage("en_US")
						}
					},
				})
				if tt.setup != nil {
					tt.setup(e)
				}
				m := e.Queue(ana, "Hello", time.Now())
				e.WaitStatus(m.ID, message.StatusFAILED)
				var (
					call []eventbus.Event
					errs []error
				)
				// Publishing follows the commit on the committer's goroutine.
				e.Eventually("the failure's event", func() bool {
					i := bus.Call(eventbus.KindMessageStatus, m.ID, string(message.StatusFAILED))
					if i < 0 {
						return false
					}
					calls, all := bus.Calls()
					call, errs = calls[i], all
					return true
				})
				if len(errs) > 0 {
					t.Errorf("the bus refused events: %v", errs)
				}

				in, conv := e.Integ.ID, *m.ConversationID
				failed := eventbus.Event{Kind: eventbus.KindMessageStatus, AccountID: e.Account, IntegrationID: in,
					ConversationID: conv, MessageID: m.ID, Status: "FAILED"}
				var want []eventbus.Event
				if tt.template {
					var tmpl *ent.Message
					for _, o := range e.Outbound() {
						if o.ID != m.ID {
							tmpl = o
						}
					}
					if tmpl == nil {
						t.Fatal("no template queued")
					}
					want = []eventbus.Event{failed, {Kind: eventbus.KindMessageOutbound, AccountID: e.Account,
						IntegrationID: in, ConversationID: conv, MessageID: tmpl.ID, Status: "QUEUED"}}
				} else {
					logged, err := e.DB.Client.IntegrationError.Query().Only(pipelinetest.Ctx())
					if err != nil {
						t.Fatal(err)
					}
					failed.Detail = "100" // Meta's code
					want = []eventbus.Event{failed, {Kind: eventbus.KindIntegrationError, AccountID: e.Account,
						IntegrationID: in, ErrorID: logged.ID, Detail: string(integrationerror.KindSEND_FAILED)}}
				}
				if got, want := briefs(call), briefs(want); !slices.Equal(got, want) {
					t.Errorf("the failure's commit published\n  %v\nwant\n  %v", got, want)
				}
			})
		})
	}
}
