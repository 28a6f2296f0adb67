package webhook

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/contact"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
)

// TestInboundMessageTypes posts one real payload per message type over
// HTTP and checks the stored inbox row and its contact.
func TestInboundMessageTypes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i, tt := range messageFixtures {
			t.Run(tt.file, func(t *testing.T) {
				in := e.integration(fmt.Sprintf("pn-%d", i), "app-1", "secret-1")
				body := withPhone(t, readFixture(t, tt.file), in.PhoneNumberID)
				e.mustPost(in, body)

				p, _ := ParsePayload(body)
				want := p.Changes[0].Messages[0]
				m, err := e.client.Message.Query().Where(message.IntegrationID(in.ID)).WithContact().Only(sysCtx())
				if err != nil {
					t.Fatal(err)
				}
				if m.Direction != message.DirectionINBOUND || m.Status != message.StatusRECEIVED || m.AccountID != in.AccountID {
					t.Errorf("got %s %s account %d, want INBOUND RECEIVED account %d", m.Direction, m.Status, m.AccountID, in.AccountID)
				}
				if *m.Wamid != want.ID || m.Type != tt.typ || m.Text != tt.text {
					t.Errorf("got %s %q %q, want %s %q %q", *m.Wamid, m.Type, m.Text, want.ID, tt.typ, tt.text)
				}
				if !jsonEqual(t, m.Content, want.Raw) {
					t.Errorf("content %s, want the message as received %s", m.Content, want.Raw)
				}
				if m.WaTimestamp == nil || !m.WaTimestamp.Equal(want.Timestamp) {
					t.Errorf("wa_timestamp %v, want %v", m.WaTimestamp, want.Timestamp)
				}
				c := m.Edges.Contact
				if c == nil {
					t.Fatal("message has no contact")
				}
				if c.WaID != tt.contact || c.ProfileName != tt.profile || c.AccountID != in.AccountID {
					t.Errorf("contact %q %q, want %q %q", c.WaID, c.ProfileName, tt.contact, tt.profile)
				}
				if tt.typ == "system" {
					if c.LastInboundAt != nil {
						t.Errorf("a system message set last_inbound_at to %v", c.LastInboundAt)
					}
				} else if c.LastInboundAt == nil || !c.LastInboundAt.Equal(want.Timestamp) {
					t.Errorf("last_inbound_at %v, want %v", c.LastInboundAt, want.Timestamp)
				}
			})
		}
		if got := e.wakes.get(); got != len(messageFixtures) {
			t.Errorf("workers woken %d times, want %d", got, len(messageFixtures))
		}
	})
}

// TestInboundBSUIDOnly keys a username-only user (no "from") on the
// business-scoped user id.
func TestInboundBSUIDOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("PHONE_NUMBER_ID", "app-1", "secret-1")
		e.mustPost(in, readFixture(t, "text_bsuid_only_no_from.json"))
		c, err := e.client.Contact.Query().Only(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if c.WaID != "BSUID_123" || c.UserID != "BSUID_123" || c.ProfileName != "NAME" {
			t.Errorf("contact %q user %q name %q, want keyed on BSUID_123", c.WaID, c.UserID, c.ProfileName)
		}
	})
}

// TestInboundRedelivery: Meta redelivers for days and to every subscribed
// app; a wamid is stored once, whether the copies come one after another,
// at the same time, or inside one body.
func TestInboundRedelivery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("106540352242922", "app-1", "secret-1")
		body := readFixture(t, "text.json")
		e.mustPost(in, body)
		e.mustPost(in, body)
		var wg sync.WaitGroup
		codes := make(chan int, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes <- e.post(in, body)
			}()
		}
		wg.Wait()
		close(codes)
		for code := range codes {
			if code != http.StatusOK {
				t.Errorf("concurrent redelivery answered %d", code)
			}
		}
		e.wantCounts(map[string]int{"messages": 1, "contacts": 1})
		if got := e.wakes.get(); got != 1 {
			t.Errorf("workers woken %d times, want once", got)
		}

		// The same wamid twice in one body (two changes of one entry).
		in2 := e.integration("PHONE_NUMBER_ID", "app-1", "secret-1")
		e.mustPost(in2, readFixture(t, "batch_one_entry_two_changes.json"))
		n, err := e.client.Message.Query().Where(message.IntegrationID(in2.ID)).Count(sysCtx())
		if err != nil || n != 1 {
			t.Errorf("%d rows for a wamid sent twice in one body (%v), want 1", n, err)
		}
	})
}

// TestInboundNonASCII checks that the signature is verified over the raw
// bytes, with \u escapes and raw UTF-8 alike, and that the text is stored
// decoded.
func TestInboundNonASCII(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"escaped", `\u00a1Hola, se\u00f1or! \ud83d\ude00 \u4f60\u597d`, "¡Hola, señor! 😀 你好"},
		{"raw UTF-8", "¡Hola, señor! 😀 你好", "¡Hola, señor! 😀 你好"},
		{"mixed", `caf\u00e9 café 👍🏽`, "café café 👍🏽"},
	}
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("106540352242922", "app-1", "secret-1")
		for i, tt := range tests {
			body := []byte(strings.Replace(string(readFixture(t, "text.json")), "Does it come in another color?", tt.body, 1))
			body = []byte(strings.Replace(string(body), "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", fmt.Sprintf("wamid.utf8.%d", i), 1))
			e.mustPost(in, body)
			m, err := e.client.Message.Query().Where(message.Wamid(fmt.Sprintf("wamid.utf8.%d", i))).Only(sysCtx())
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != tt.want {
				t.Errorf("%s: text %q, want %q", tt.name, m.Text, tt.want)
			}
		}
	})
}

// TestInboundBatched posts bodies with several entries, changes, messages
// and statuses, for two numbers of one app, a number of another app, an
// unknown number and an account-level field.
func TestInboundBatched(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.integration("pn-a", "app-1", "secret-1")
		b := e.integration("pn-b", "app-1", "secret-1")
		other := e.integration("pn-other", "app-2", "secret-2")
		seedOutbound(t, e, b, "wamid.out.1", message.StatusSENT)

		body := []byte(`{"object":"whatsapp_business_account","entry":[
 {"id":"waba-1","changes":[
  {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"pn-a"},
   "contacts":[{"profile":{"name":"Ann"},"wa_id":"111"},{"profile":{"name":"Bob"},"wa_id":"222"}],
   "messages":[
    {"from":"111","id":"wamid.a1","timestamp":"1750000001","type":"text","text":{"body":"one"}},
    {"from":"222","id":"wamid.a2","timestamp":"1750000002","type":"text","text":{"body":"two"}},
    {"from":"111","id":"wamid.a3","timestamp":1750000003,"type":"reaction","reaction":{"message_id":"wamid.a1","emoji":"❤️"}}]}},
  {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"2","phone_number_id":"pn-b"},
   "statuses":[
    {"id":"wamid.out.1","status":"delivered","timestamp":"1750000010","recipient_id":"333"},
    {"id":"wamid.out.1","status":"read","timestamp":"1750000011","recipient_id":"333"},
    {"id":"wamid.out.unknown","status":"sent","timestamp":"1750000012","recipient_id":"333"}]}}]},
 {"id":"waba-2","changes":[
  {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"2","phone_number_id":"pn-b"},
   "contacts":[{"profile":{"name":"Cy"},"wa_id":"333"}],
   "messages":[{"from":"333","id":"wamid.b1","timestamp":"1750000020","type":"text","text":{"body":"three"}}]}},
  {"field":"messages","value":{"metadata":{"phone_number_id":"pn-other"},"messages":[{"from":"9","id":"wamid.x","timestamp":"1","type":"text","text":{"body":"other app"}}]}},
  {"field":"messages","value":{"metadata":{"phone_number_id":"pn-nobody"},"messages":[{"from":"9","id":"wamid.y","timestamp":"1","type":"text","text":{"body":"nobody"}}]}},
  {"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":12345,"message_template_name":"order_update"}}]}]}`)
		e.mustPost(a, body)

		e.wantCounts(map[string]int{"messages": 5, "contacts": 3, "statuses": 3, "events": 1})
		ctx := sysCtx()
		texts := func(in *testIntegration) []string {
			got, err := e.client.Message.Query().
				Where(message.IntegrationID(in.ID), message.DirectionEQ(message.DirectionINBOUND)).
				Order(ent.Asc(message.FieldWamid)).Select(message.FieldText).Strings(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got, want := strings.Join(texts(a), "|"), "one|two|[reaction] ❤️"; got != want {
			t.Errorf("integration a: %q, want %q", got, want)
		}
		if got, want := strings.Join(texts(b), "|"), "three"; got != want {
			t.Errorf("integration b: %q, want %q", got, want)
		}
		if got := texts(other); len(got) != 0 {
			t.Errorf("a change for another app's number was stored: %q", got)
		}
		ann, err := e.client.Contact.Query().Where(contact.IntegrationID(a.ID), contact.WaID("111")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ann.ProfileName != "Ann" || !ann.LastInboundAt.Equal(time.Unix(1750000003, 0)) {
			t.Errorf("Ann: %q last inbound %v, want the later of her two messages", ann.ProfileName, ann.LastInboundAt)
		}
		out, err := e.client.Message.Query().Where(message.Wamid("wamid.out.1")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != message.StatusREAD || out.DeliveredAt == nil || out.ReadAt == nil {
			t.Errorf("outbound message %s delivered %v read %v, want READ with both times", out.Status, out.DeliveredAt, out.ReadAt)
		}
		ev, err := e.client.WebhookEvent.Query().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Field != "message_template_status_update" || ev.IntegrationID != a.ID || !strings.Contains(string(ev.Value), "APPROVED") {
			t.Errorf("event %s for %d: %s", ev.Field, ev.IntegrationID, ev.Value)
		}
	})
}

// TestInboundContactOrder: a late message neither moves last_inbound_at
// back nor erases a known profile name.
func TestInboundContactOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		msg := func(id, ts, name string) []byte {
			return []byte(`{"entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"pn-1"},
"contacts":[{"profile":{"name":"` + name + `"},"wa_id":"111"}],
"messages":[{"from":"111","id":"` + id + `","timestamp":"` + ts + `","type":"text","text":{"body":"hi"}}]}}]}]}`)
		}
		e.mustPost(in, msg("wamid.new", "1750000100", "Ann"))
		e.mustPost(in, msg("wamid.old", "1750000050", ""))
		c, err := e.client.Contact.Query().Only(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if !c.LastInboundAt.Equal(time.Unix(1750000100, 0)) || c.ProfileName != "Ann" {
			t.Errorf("contact %q last inbound %v, want Ann at 1750000100", c.ProfileName, c.LastInboundAt)
		}
		e.mustPost(in, msg("wamid.newer", "1750000200", "Ann B."))
		c, _ = e.client.Contact.Query().Only(sysCtx())
		if !c.LastInboundAt.Equal(time.Unix(1750000200, 0)) || c.ProfileName != "Ann B." {
			t.Errorf("contact %q last inbound %v, want Ann B. at 1750000200", c.ProfileName, c.LastInboundAt)
		}
	})
}

// TestInboundChangeErrors logs Meta's change-level errors once, not again
// on redelivery.
func TestInboundChangeErrors(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("1122334455667", "app-1", "secret-1")
		body := readFixture(t, "value_errors_131000.json")
		e.mustPost(in, body)
		e.mustPost(in, body)
		errs, err := e.client.IntegrationError.Query().All(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) != 1 || errs[0].Kind != integrationerror.KindWEBHOOK_ERROR || errs[0].Detail["code"] != float64(131000) {
			t.Fatalf("errors %+v, want one WEBHOOK_ERROR 131000", errs)
		}
		e.wantCounts(map[string]int{"messages": 1})
	})
}

// TestInboundArrivalOrder: messages of the same second keep the order Meta
// listed them in, which the workers follow.
func TestInboundArrivalOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		e.mustPost(in, []byte(`{"entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"pn-1"},
"contacts":[{"profile":{"name":"Ann"},"wa_id":"111"}],
"messages":[
 {"from":"111","id":"wamid.zz","timestamp":"1750000000","type":"text","text":{"body":"first"}},
 {"from":"111","id":"wamid.mm","timestamp":"1750000000","type":"text","text":{"body":"second"}},
 {"from":"111","id":"wamid.aa","timestamp":"1750000000","type":"text","text":{"body":"third"}}]}}]}]}`))
		got, err := e.client.Message.Query().Order(message.ByID()).Select(message.FieldText).Strings(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != "first,second,third" {
			t.Errorf("stored in the order %q", got)
		}
	})
}

// TestInboundRedeliveryKeepsContact: a body holding a redelivered message
// next to a new one stores the new one, and only the new one updates the
// contact (the old profile name does not come back).
func TestInboundRedeliveryKeepsContact(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		msg := func(id, ts, name string) string {
			return `{"field":"messages","value":{"metadata":{"phone_number_id":"pn-1"},
"contacts":[{"profile":{"name":"` + name + `"},"wa_id":"111"}],
"messages":[{"from":"111","id":"` + id + `","timestamp":"` + ts + `","type":"text","text":{"body":"hi"}}]}}`
		}
		e.mustPost(in, []byte(`{"entry":[{"changes":[`+msg("wamid.old", "1750000100", "Ann")+`]}]}`))
		e.mustPost(in, []byte(`{"entry":[{"changes":[`+msg("wamid.renamed", "1750000200", "Ann B.")+`]}]}`))
		// Meta redelivers the first one, next to a new one from another contact.
		e.mustPost(in, []byte(`{"entry":[{"changes":[`+msg("wamid.old", "1750000100", "Ann")+`,`+
			strings.ReplaceAll(msg("wamid.bob", "1750000300", "Bob"), "111", "222")+`]}]}`))
		e.wantCounts(map[string]int{"messages": 3, "contacts": 2})
		c, err := e.client.Contact.Query().Where(contact.WaID("111")).Only(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if c.ProfileName != "Ann B." || !c.LastInboundAt.Equal(time.Unix(1750000200, 0)) {
			t.Errorf("contact %q last inbound %v, want Ann B. at 1750000200", c.ProfileName, c.LastInboundAt)
		}
		bob, err := e.client.Message.Query().Where(message.Wamid("wamid.bob")).WithContact().Only(sysCtx())
		if err != nil || bob.Edges.Contact == nil || bob.Edges.Contact.WaID != "222" {
			t.Errorf("new message %+v (%v), want it stored with contact 222", bob, err)
		}
		if got := e.wakes.get(); got != 3 {
			t.Errorf("workers woken %d times, want 3", got)
		}
	})
}
