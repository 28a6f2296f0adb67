package outbox_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/inbox"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// TestCrashInDoubt stops a sender in the middle of an attempt, before or
// after Meta accepted the message, and lets a new sender on the same
// database settle it: the contact gets the reply exactly once.
func TestCrashInDoubt(t *testing.T) {
	tests := []struct {
		name       string
		afterCall  bool // crash once Meta answered, else just before the call
		wantBefore int  // sends accepted when the first sender stops
	}{
		{name: "stopped between Meta's answer and the commit", afterCall: true, wantBefore: 1},
		{name: "stopped before the call", wantBefore: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				e := pipelinetest.New(t, db, pipelinetest.Config{AutoStatus: true, NoInstance: true})
				bot, _ := e.Bot("Ask", questionBot)
				e.Bind(bot.ID)
				opts := outbox.Options{Lease: time.Second}
				first := e.Build(db, inbox.Options{}, opts)
				crashed := make(chan struct{})
				var once sync.Once
				crash := func(int) error {
					err := error(nil)
					once.Do(func() { close(crashed); err = errors.New("crash") })
					return err
				}
				if tt.afterCall {
					outbox.SetCallHooks(first.Sender, nil, crash)
				} else {
					outbox.SetCallHooks(first.Sender, crash, nil)
				}
				first.Run()
				e.Inbound(withID(whatsapptest.TextMessage(ana, "hi"), "1"))
				select {
				case <-crashed:
				case <-time.After(pipelinetest.Deadline):
					t.Fatal("the sender never reached the crash")
				}
				first.Stop() // its webhook keeps receiving Meta's statuses
				if n := len(e.Requests(whatsapptest.KindSend)); n != tt.wantBefore {
					t.Fatalf("%d sends before the restart, want %d", n, tt.wantBefore)
				}
				out := e.Outbound()
				if len(out) != 1 || out[0].Status != message.StatusQUEUED || out[0].AttemptStartedAt == nil {
					t.Fatalf("outbox %v, want one QUEUED attempt in doubt", out)
				}

				e.Start(db, inbox.Options{}, opts)
				m := e.WaitStatus(out[0].ID, message.StatusREAD)
				sends := e.Requests(whatsapptest.KindSend)
				if len(sends) != 1 {
					t.Fatalf("%d sends, want exactly 1", len(sends))
				}
				if m.Wamid == nil || *m.Wamid != sends[0].WAMID {
					t.Errorf("wamid %v, want %s", m.Wamid, sends[0].WAMID)
				}
			})
		})
	}
}
