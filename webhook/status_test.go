package webhook

import (
	"fmt"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/statusreceipt"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
)

// seedOutbound records a message the sender sent, as the sender would.
func seedOutbound(t testing.TB, e *env, in *testIntegration, wamid string, status message.Status) *ent.Message {
	t.Helper()
	m, err := e.client.Message.Create().
		SetAccountID(in.AccountID).
		SetIntegrationID(in.ID).
		SetDirection(message.DirectionOUTBOUND).
		SetWamid(wamid).
		SetType("text").
		SetText("hello").
		SetStatus(status).
		Save(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func statusBody(phoneNumberID, wamid string, statuses ...string) []byte {
	items := ""
	for i, s := range statuses {
		if i > 0 {
			items += ","
		}
		errs := ""
		if s == "failed" {
			errs = `,"errors":[{"code":131047,"title":"Re-engagement message","error_data":{"details":"more than 24 hours"}}]`
		}
		items += fmt.Sprintf(`{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"111"%s}`, wamid, s, 1750000000+i, errs)
	}
	return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"w","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"` +
		phoneNumberID + `"},"statuses":[` + items + `]}}]}]}`)
}

// TestStatusFixtures posts each real status payload for a message we sent
// and checks the receipt and the message.
func TestStatusFixtures(t *testing.T) {
	tests := []struct {
		file         string
		want         message.Status
		errorCode    int
		callbackData string
	}{
		{"status_sent_biz_opaque_callback_data.json", message.StatusSENT, 0, "some data"},
		{"status_delivered.json", message.StatusDELIVERED, 0, ""},
		{"status_read.json", message.StatusREAD, 0, ""},
		{"status_read_group.json", message.StatusREAD, 0, ""},
		{"status_played_voice.json", message.StatusPLAYED, 0, ""},
		{"status_failed_130472.json", message.StatusFAILED, 130472, ""},
		{"status_failed_131047_reengagement.json", message.StatusFAILED, 131047, ""},
		{"status_failed_131053_media_upload.json", message.StatusFAILED, 131053, ""},
		{"status_failed_131053_minimal_error.json", message.StatusFAILED, 131053, ""},
	}
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i, tt := range tests {
			t.Run(tt.file, func(t *testing.T) {
				in := e.integration(fmt.Sprintf("pn-%d", i), "app-1", "secret-1")
				body := withPhone(t, readFixture(t, tt.file), in.PhoneNumberID)
				p, _ := ParsePayload(body)
				st := p.Changes[0].Statuses[0]
				seedOutbound(t, e, in, st.ID, message.StatusQUEUED)
				e.mustPost(in, body)

				r, err := e.client.StatusReceipt.Query().Where(statusreceipt.IntegrationID(in.ID)).Only(sysCtx())
				if err != nil {
					t.Fatal(err)
				}
				if r.Wamid != st.ID || r.Status != st.Status || !r.Timestamp.Equal(st.Timestamp) || r.AppliedAt == nil || r.AccountID != in.AccountID {
					t.Errorf("receipt %+v, want %s %s at %v, applied", r, st.ID, st.Status, st.Timestamp)
				}
				if r.CallbackData != tt.callbackData {
					t.Errorf("receipt callback data %q, want %q", r.CallbackData, tt.callbackData)
				}
				m, err := e.client.Message.Query().Where(message.IntegrationID(in.ID)).Only(sysCtx())
				if err != nil {
					t.Fatal(err)
				}
				if m.Status != tt.want {
					t.Errorf("message %s, want %s", m.Status, tt.want)
				}
				code := 0
				if m.ErrorCode != nil {
					code = *m.ErrorCode
				}
				if code != tt.errorCode || (tt.errorCode != 0) != (m.FailedAt != nil) {
					t.Errorf("error code %d failed at %v, want %d", code, m.FailedAt, tt.errorCode)
				}
			})
		}
	})
}

// TestStatusMonotonic sends statuses in every awkward order and checks
// that a message only moves forward.
func TestStatusMonotonic(t *testing.T) {
	tests := []struct {
		name  string
		posts [][]string // one POST per element, statuses in body order
		want  message.Status
	}{
		{"in order", [][]string{{"sent"}, {"delivered"}, {"read"}}, message.StatusREAD},
		{"read then delivered", [][]string{{"read"}, {"delivered"}}, message.StatusREAD},
		{"read without delivered", [][]string{{"sent"}, {"read"}}, message.StatusREAD},
		{"one body, reversed", [][]string{{"read", "delivered", "sent"}}, message.StatusREAD},
		{"played then read", [][]string{{"played"}, {"read"}}, message.StatusPLAYED},
		{"sent then failed", [][]string{{"sent"}, {"failed"}}, message.StatusFAILED},
		{"failed then sent", [][]string{{"failed"}, {"sent"}}, message.StatusFAILED},
		{"failed then delivered (multi-device)", [][]string{{"failed"}, {"delivered"}}, message.StatusDELIVERED},
		{"read then failed", [][]string{{"read"}, {"failed"}}, message.StatusREAD},
		{"unknown status kept, not applied", [][]string{{"sent"}, {"deleted"}}, message.StatusSENT},
		{"redelivered", [][]string{{"delivered"}, {"delivered"}, {"delivered"}}, message.StatusDELIVERED},
	}
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := e.integration(fmt.Sprintf("pn-%d", i), "app-1", "secret-1")
				seedOutbound(t, e, in, "wamid.out", message.StatusQUEUED)
				for _, statuses := range tt.posts {
					e.mustPost(in, statusBody(in.PhoneNumberID, "wamid.out", statuses...))
				}
				m, err := e.client.Message.Query().Where(message.IntegrationID(in.ID)).Only(sysCtx())
				if err != nil {
					t.Fatal(err)
				}
				if m.Status != tt.want {
					t.Errorf("status %s, want %s", m.Status, tt.want)
				}
			})
		}
	})
}

// TestStatusBeforeMessage: Meta's status can beat the send call's answer.
// It is kept, and applied once the sender records the wamid.
func TestStatusBeforeMessage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		e.mustPost(in, statusBody(in.PhoneNumberID, "wamid.early", "delivered"))
		e.mustPost(in, statusBody(in.PhoneNumberID, "wamid.early", "sent"))
		pending, err := e.client.StatusReceipt.Query().Where(statusreceipt.AppliedAtIsNil()).Count(sysCtx())
		if err != nil || pending != 2 {
			t.Fatalf("%d pending receipts (%v), want 2", pending, err)
		}

		// What the sender does when the send call returns.
		ctx := sysCtx()
		tx, err := e.client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Message.Create().SetAccountID(in.AccountID).SetIntegrationID(in.ID).
			SetDirection(message.DirectionOUTBOUND).SetWamid("wamid.early").SetType("text").
			SetStatus(message.StatusSENT).SetSentAt(time.Now()).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := ApplyPendingStatuses(ctx, tx, in.ID, "wamid.early"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		m, err := e.client.Message.Query().Where(message.Wamid("wamid.early")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != message.StatusDELIVERED || m.DeliveredAt == nil || !m.DeliveredAt.Equal(time.Unix(1750000000, 0)) {
			t.Errorf("message %s delivered at %v, want DELIVERED at Meta's time", m.Status, m.DeliveredAt)
		}
		pending, _ = e.client.StatusReceipt.Query().Where(statusreceipt.AppliedAtIsNil()).Count(ctx)
		if pending != 0 {
			t.Errorf("%d receipts still pending", pending)
		}
	})
}

func TestStatusRank(t *testing.T) {
	order := []message.Status{message.StatusQUEUED, message.StatusSENT, message.StatusFAILED,
		message.StatusDELIVERED, message.StatusREAD, message.StatusPLAYED}
	for i := 1; i < len(order); i++ {
		if StatusRank(order[i-1]) >= StatusRank(order[i]) {
			t.Errorf("%s does not rank below %s", order[i-1], order[i])
		}
	}
}

// TestSweepPendingStatuses applies a receipt whose message was recorded
// without the sender applying it (the two transactions crossed).
func TestSweepPendingStatuses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		e.mustPost(in, statusBody(in.PhoneNumberID, "wamid.crossed", "read"))
		seedOutbound(t, e, in, "wamid.crossed", message.StatusSENT)

		if err := e.handler.SweepPendingStatuses(sysCtx()); err != nil {
			t.Fatal(err)
		}
		m, _ := e.client.Message.Query().Where(message.Wamid("wamid.crossed")).Only(sysCtx())
		if m.Status != message.StatusSENT {
			t.Errorf("swept a receipt younger than the grace period: %s", m.Status)
		}
		e.clock.Advance(10 * time.Second)
		if err := e.handler.SweepPendingStatuses(sysCtx()); err != nil {
			t.Fatal(err)
		}
		m, _ = e.client.Message.Query().Where(message.Wamid("wamid.crossed")).Only(sysCtx())
		if m.Status != message.StatusREAD {
			t.Errorf("status %s after the sweep, want READ", m.Status)
		}
	})
}
