package webhook

import (
	"context"
	"net/http"
	"testing"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// TestSimulatorWebhooks drives the handler with the Meta simulator's
// webhook side: a batch of several types, its redelivery, and a delivery
// signed with another app's secret.
func TestSimulatorWebhooks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-sim", "app-1", "secret-1")
		sim := whatsapptest.New(whatsapptest.Config{})
		t.Cleanup(sim.Close)
		sim.AddPhoneNumber(in.PhoneNumberID, "15550783881")
		hook := whatsapptest.Webhook{URL: e.url(in), AppSecret: in.appSecret}
		ctx := context.Background()

		media := whatsapptest.MediaRef{ID: "m1", MimeType: "image/jpeg", SHA256: "abc"}
		d, err := sim.PostInbound(ctx, hook, in.PhoneNumberID,
			whatsapptest.TextMessage("16505551234", "Olá! Tudo bem? 🙂"),
			whatsapptest.ImageMessage("16505551234", media, "a photo"),
			whatsapptest.LocationMessage("16505550000", 38.72, -9.14, "Lisboa", "Praça do Comércio"),
			whatsapptest.ButtonReplyMessage("16505550000", "wamid.ours", "yes", "Yes"),
			whatsapptest.ReactionMessage("16505551234", "wamid.ours", "👍"),
		)
		if err != nil || d.StatusCode != http.StatusOK {
			t.Fatalf("delivery: %d %v", d.StatusCode, err)
		}
		if r, err := sim.Redeliver(ctx, hook, d); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("redelivery: %d %v", r.StatusCode, err)
		}
		forged := whatsapptest.Webhook{URL: hook.URL, AppSecret: "someone else's"}
		if r, err := sim.PostInbound(ctx, forged, in.PhoneNumberID, whatsapptest.TextMessage("1", "x")); err != nil || r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged delivery: %d %v, want 401", r.StatusCode, err)
		}
		e.wantCounts(map[string]int{"messages": 5, "contacts": 2, "errors": 1})
		texts, err := e.client.Message.Query().Order(message.ByID()).Select(message.FieldText).Strings(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Olá! Tudo bem? 🙂", "[image] a photo", "[location] Lisboa, Praça do Comércio (38.72, -9.14)", "Yes", "[reaction] 👍"}
		if len(texts) != len(want) {
			t.Fatalf("texts %q, want %q", texts, want)
		}
		for i := range want {
			if texts[i] != want[i] {
				t.Errorf("message %d: %q, want %q", i, texts[i], want[i])
			}
		}
	})
}
