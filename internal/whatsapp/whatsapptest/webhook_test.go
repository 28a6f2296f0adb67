package whatsapptest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

const appSecret = "webhook-app-secret"

// receiver is a webhook endpoint that checks signatures the way ours must:
// HMAC-SHA256 over the exact bytes, constant-time compare.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	got    chan []byte
}

func newReceiver(t *testing.T) (*receiver, whatsapptest.Webhook) {
	rc := &receiver{got: make(chan []byte, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256=")
		want := hmac.New(sha256.New, []byte(appSecret))
		want.Write(body)
		got, err := hex.DecodeString(sig)
		if !ok || err != nil || !hmac.Equal(got, want.Sum(nil)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, body)
		rc.mu.Unlock()
		rc.got <- body
	}))
	t.Cleanup(srv.Close)
	return rc, whatsapptest.Webhook{URL: srv.URL, AppSecret: appSecret}
}

// keyPaths lists every key path of a JSON value ("a.b", arrays as "[]").
func keyPaths(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out[p] = true
			keyPaths(p, c, out)
		}
	case []any:
		for _, c := range x {
			keyPaths(prefix+"[]", c, out)
		}
	}
}

// firstOf decodes a webhook body and returns value and value.<list>[0].
func firstOf(t *testing.T, body []byte, list string) (map[string]any, any) {
	t.Helper()
	var env struct {
		Object string `json:"object"`
		Entry  []struct {
			Changes []struct {
				Field string         `json:"field"`
				Value map[string]any `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	if env.Object != "whatsapp_business_account" || len(env.Entry) != 1 || len(env.Entry[0].Changes) != 1 {
		t.Fatalf("envelope = %s", body)
	}
	ch := env.Entry[0].Changes[0]
	items, _ := ch.Value[list].([]any)
	if ch.Field != "messages" || len(items) == 0 {
		t.Fatalf("change has no %s: %s", list, body)
	}
	return ch.Value, items[0]
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "meta-webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compareShape: every key we send appears in Meta's payload, and every key
// of Meta's payload we leave out is listed as optional.
func compareShape(t *testing.T, ours, meta any, optional ...string) {
	t.Helper()
	o, m := map[string]bool{}, map[string]bool{}
	keyPaths("", ours, o)
	keyPaths("", meta, m)
	var invented, missing []string
	for k := range o {
		if !m[k] {
			invented = append(invented, k)
		}
	}
	opt := map[string]bool{}
	for _, k := range optional {
		opt[k] = true
	}
	for k := range m {
		if !o[k] && !opt[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(invented)
	sort.Strings(missing)
	if len(invented) > 0 || len(missing) > 0 {
		t.Errorf("shape differs from Meta's: keys not in Meta's payload %v, Meta's keys missing %v", invented, missing)
	}
}

func TestInboundEveryTypeMatchesMeta(t *testing.T) {
	sim := newSim(t, whatsapptest.Config{})
	rc, hook := newReceiver(t)
	img := sim.AddMedia([]byte("jpeg"), "image/jpeg")
	const from, ours = "16505551234", "wamid.ours"
	forwarded := []string{"context", "context.forwarded"}
	tests := []struct {
		fixture  string
		give     whatsapptest.InboundMessage
		optional []string
	}{
		{"text.json", whatsapptest.TextMessage(from, "Does it come in another color? 🎨"), nil},
		{"image.json", whatsapptest.ImageMessage(from, img, "Taj Mahal"), nil},
		{"video_forwarded.json", whatsapptest.VideoMessage(from, sim.AddMedia([]byte("mp4"), "video/mp4"), "caption"), forwarded},
		{"audio_voice_note.json", whatsapptest.AudioMessage(from, sim.AddMedia([]byte("ogg"), "audio/ogg; codecs=opus"), true), nil},
		{"document_forwarded.json", whatsapptest.DocumentMessage(from, sim.AddMedia([]byte("%PDF"), "application/pdf"), "filename.pdf", "caption"), forwarded},
		{"sticker_static.json", whatsapptest.StickerMessage(from, sim.AddMedia([]byte("RIFF"), "image/webp"), false), nil},
		{"location.json", whatsapptest.LocationMessage(from, 37.44, -122.16, "Philz Coffee", "101 Forest Ave"), []string{"location.url"}},
		{"contacts.json", whatsapptest.ContactsMessage(from, "Lucía Gómez", "+1 (983) 555-2319"),
			[]string{"contacts[].name.last_name", "contacts[].org", "contacts[].org.company"}},
		{"interactive_button_reply.json", whatsapptest.ButtonReplyMessage(from, ours, "cancel-button", "Cancel"), nil},
		{"interactive_list_reply.json", whatsapptest.ListReplyMessage(from, ours, "priority_express", "Priority Mail Express", "Next Day to 2 Days"), nil},
		{"interactive_nfm_reply_flow.json", whatsapptest.FlowReplyMessage(from, ours, `{"flow_token":"AQAA","cs_rating":"0"}`), nil},
		{"button_template_quick_reply.json", whatsapptest.QuickReplyMessage(from, ours, "Unsubscribe", "Unsubscribe"), nil},
		{"reaction.json", whatsapptest.ReactionMessage(from, ours, "👍"), nil},
		{"order.json", whatsapptest.OrderMessage(from, "194836987003835", "",
			whatsapptest.OrderItem{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 30, Currency: "USD"}), nil},
		{"system_user_changed_number.json", whatsapptest.ChangedNumberMessage(from, "12195555358"), nil},
		{"unsupported.json", whatsapptest.UnsupportedMessage(from), nil},
		{"revoke_deleted_message.json", whatsapptest.RevokeMessage(from, "wamid.gone"), nil},
		{"edit_message.json", whatsapptest.EditMessage(from, "wamid.orig", whatsapptest.ImageMessage(from, img, "Updated image caption")),
			[]string{"edit.message.context", "edit.message.context.id", "edit.message.image.url"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			d, err := sim.PostInbound(context.Background(), hook, phoneID, tt.give)
			if err != nil || d.StatusCode != 200 {
				t.Fatalf("PostInbound: %v, status %d (signature rejected?)", err, d.StatusCode)
			}
			body := <-rc.got
			value, msg := firstOf(t, body, "messages")
			metaValue, metaMsg := firstOf(t, fixture(t, tt.fixture), "messages")
			compareShape(t, msg, metaMsg, tt.optional...)
			if _, ok := value["contacts"]; ok != (metaValue["contacts"] != nil) {
				t.Errorf("contacts present = %v, Meta's = %v", ok, !ok)
			}
			if md := value["metadata"].(map[string]any); md["phone_number_id"] != phoneID || md["display_phone_number"] != "15550783881" {
				t.Errorf("metadata = %v", md)
			}
		})
	}
}

func TestStatusesForAcceptedSend(t *testing.T) {
	sim := newSim(t, whatsapptest.Config{})
	rc, hook := newReceiver(t)
	a := post(t, sim.URL+"/v21.0/"+phoneID+"/messages", token,
		`{"messaging_product":"whatsapp","to":"+972987654321","type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"some data"}`)
	wamid := a.Messages[0].ID
	ctx := context.Background()
	if _, err := sim.PostStatuses(ctx, hook, wamid); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.PostFailed(ctx, hook, wamid, whatsapptest.ReengagementError()); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for range 4 {
		_, st := firstOf(t, <-rc.got, "statuses")
		s := st.(map[string]any)
		if s["id"] != wamid || s["recipient_id"] != "972987654321" || s["biz_opaque_callback_data"] != "some data" {
			t.Errorf("status = %v, want our wamid, recipient and callback data", s)
		}
		statuses = append(statuses, s["status"].(string))
	}
	if got, want := strings.Join(statuses, ","), "sent,delivered,read,failed"; got != want {
		t.Errorf("statuses = %s, want %s", got, want)
	}
	// Shapes against Meta's: pricing.type is documented for per-message pricing.
	rc.mu.Lock()
	bodies := rc.bodies
	rc.mu.Unlock()
	_, sent := firstOf(t, bodies[0], "statuses")
	_, metaSent := firstOf(t, fixture(t, "status_sent_biz_opaque_callback_data.json"), "statuses")
	metaSent.(map[string]any)["pricing"].(map[string]any)["type"] = "free_customer_service"
	compareShape(t, sent, metaSent, "conversation", "conversation.id", "conversation.expiration_timestamp", "conversation.origin", "conversation.origin.type")
	_, failed := firstOf(t, bodies[3], "statuses")
	_, metaFailed := firstOf(t, fixture(t, "status_failed_131047_reengagement.json"), "statuses")
	delete(failed.(map[string]any), "biz_opaque_callback_data") // echoed by us; Meta's failed example sent none
	compareShape(t, failed, metaFailed)

	if _, err := sim.PostStatus(ctx, hook, "wamid.never-sent", whatsapptest.StatusRead); err == nil {
		t.Error("status for a message the simulator never accepted: want an error")
	}
}

func TestRedeliverIsVerbatim(t *testing.T) {
	sim := newSim(t, whatsapptest.Config{})
	rc, hook := newReceiver(t)
	ctx := context.Background()
	d, err := sim.PostInbound(ctx, hook, phoneID, whatsapptest.TextMessage("16505551234", "twice ✓"))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := sim.Redeliver(ctx, hook, d)
	if err != nil {
		t.Fatal(err)
	}
	first, second := <-rc.got, <-rc.got
	if string(first) != string(second) || d.Signature != d2.Signature || d2.StatusCode != 200 {
		t.Errorf("redelivery differs: %s vs %s", first, second)
	}
	// A fixture can be posted as is, and a wrong secret is refused by the receiver.
	if d, _ := sim.PostPayload(ctx, hook, fixture(t, "text.json")); d.StatusCode != 200 {
		t.Errorf("fixture: status %d, want 200", d.StatusCode)
	}
	bad := hook
	bad.AppSecret = "wrong"
	if d, _ := sim.PostPayload(ctx, bad, fixture(t, "text.json")); d.StatusCode != 401 {
		t.Errorf("wrong secret: status %d, want 401", d.StatusCode)
	}
}

func TestAutoStatuses(t *testing.T) {
	rc, hook := newReceiver(t)
	sim := newSim(t, whatsapptest.Config{AutoStatus: hook, AutoStatusDelay: time.Millisecond})
	a := post(t, sim.URL+"/v21.0/"+phoneID+"/messages", token, textBody)
	var statuses []string
	for range 3 {
		select {
		case body := <-rc.got:
			_, st := firstOf(t, body, "statuses")
			s := st.(map[string]any)
			if s["id"] != a.Messages[0].ID {
				t.Errorf("status for %v, want %s", s["id"], a.Messages[0].ID)
			}
			statuses = append(statuses, s["status"].(string))
		case <-time.After(5 * time.Second):
			t.Fatalf("got statuses %v, then nothing", statuses)
		}
	}
	if got := strings.Join(statuses, ","); got != "sent,delivered,read" {
		t.Errorf("statuses = %s, want sent,delivered,read", got)
	}
}
