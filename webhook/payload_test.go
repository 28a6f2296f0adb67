package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// messageFixtures lists one payload per inbound type and variant, with what
// parsing must make of its only message.
var messageFixtures = []struct {
	file, typ, text, contact, profile string
}{
	{"text.json", "text", "Does it come in another color?", "16505551234", "Sheena Nelson"},
	{"text_reply_context.json", "text", "replied text", "972987654321", "Test Name"},
	{"text_reply_context_referred_product.json", "text", "Is this still available?", "16505551234", "Sheena Nelson"},
	{"text_click_to_whatsapp_ad_referral.json", "text", "Hello! Can I get more info on this?", "16505551234", "Sheena Nelson"},
	{"text_referral_ad_placeholders.json", "text", "BODY", "972987654321", "Test Name"},
	{"text_forwarded.json", "text", "forwarded text", "972987654321", "Test Name"},
	{"text_frequently_forwarded.json", "text", "text forwarded many times", "972987654321", "Test Name"},
	{"text_bsuid_only_no_from.json", "text", "MESSAGE_BODY", "BSUID_123", "NAME"},
	{"image.json", "image", "[image] Taj Mahal", "16505551234", "Sheena Nelson"},
	{"image_with_url.json", "image", "[image]", "972987654321", "Test Name"},
	{"video_forwarded.json", "video", "[video] caption", "972987654321", "Test Name"},
	{"audio_forwarded.json", "audio", "[audio]", "972987654321", "Test Name"},
	{"audio_voice_note.json", "audio", "[voice message]", "972987654321", "Test Name"},
	{"document_forwarded.json", "document", "[filename.pdf] caption", "972987654321", "Test Name"},
	{"sticker_static.json", "sticker", "[sticker]", "972987654321", "Test Name"},
	{"location.json", "location", "[location] Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.44221496582, -122.16165924072)", "16505551234", "Sheena Nelson"},
	{"location_current.json", "location", "[location] 12.25089, 43.90539", "972987654321", "Test Name"},
	{"contacts.json", "contacts", "[contact] Lucía Gómez", "16505551234", "Sheena Nelson"},
	{"interactive_button_reply.json", "interactive", "Cancel", "16505551234", "Sheena Nelson"},
	{"interactive_list_reply.json", "interactive", "Priority Mail Express", "16505551234", "Sheena Nelson"},
	{"interactive_nfm_reply_flow.json", "interactive", "[flow] Sent", "972987654321", "Test Name"},
	{"button_template_quick_reply.json", "button", "Unsubscribe", "16505551234", "Sheena Nelson"},
	{"button_quick_reply_bsuid_no_context.json", "button", "title", "972987654321", "Test Name"},
	{"button_with_context_and_referral_all_fields.json", "button", "No", "16315551234", "NAME"},
	{"reaction.json", "reaction", "[reaction] 👍", "16505551234", "Sheena Nelson"},
	{"reaction_removed_empty_emoji.json", "reaction", "[reaction removed]", "972987654321", "Test Name"},
	{"order.json", "order", "[order: 2 items]", "16505551234", "Sheena Nelson"},
	{"system_user_changed_number.json", "system", "[system] User Sheena Nelson changed from 16505551234 to 12195555358", "16505551234", ""},
	{"system_customer_identity_changed.json", "system", "[system] User identity changed", "972987654321", "User A"},
	{"unsupported.json", "unsupported", "[unsupported] Message type is currently not supported.", "16505551234", "Sheena Nelson"},
	{"unsupported_with_type.json", "unsupported", "[unsupported] Message type is currently not supported.", "972987654321", "Test Name"},
	{"unknown_type_131051_legacy.json", "unknown", "[unknown] Message type is not currently supported", "PHONE_NUMBER", "NAME"},
	{"revoke_deleted_message.json", "revoke", "[message deleted]", "<WHATSAPP_USER_PHONE_NUMBER>", "Test Name"},
	{"edit_message.json", "edit", "[edited] [image] Updated image caption", "16505551234", "Test Name"},
	{"value_errors_131000.json", "interactive", "[interactive]", "972987654321", "Test Name"},
}

func TestParsePayloadMessageTypes(t *testing.T) {
	for _, tt := range messageFixtures {
		t.Run(tt.file, func(t *testing.T) {
			body := readFixture(t, tt.file)
			p, err := ParsePayload(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Skipped) != 0 || len(p.Changes) != 1 || len(p.Changes[0].Messages) != 1 {
				t.Fatalf("skipped %v, %d changes; want one change with one message", p.Skipped, len(p.Changes))
			}
			m := p.Changes[0].Messages[0]
			got := [4]string{m.Type, m.Text, m.ContactKey, m.ProfileName}
			want := [4]string{tt.typ, tt.text, tt.contact, tt.profile}
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			if m.Timestamp.IsZero() {
				t.Error("timestamp not parsed")
			}
			if !strings.Contains(string(body), string(m.Raw)) {
				t.Error("content is not the message object exactly as received")
			}
		})
	}
}

func TestParsePayloadStatuses(t *testing.T) {
	tests := []struct {
		file, wamid, status string
		code                int
	}{
		{"status_sent_biz_opaque_callback_data.json", "wamid.xyzxyz", "sent", 0},
		{"status_delivered.json", "wamid.xyzxyz", "delivered", 0},
		{"status_read.json", "wamid.xyzxyz", "read", 0},
		{"status_read_group.json", "<WHATSAPP_MESSAGE_ID>", "read", 0},
		{"status_played_voice.json", "wamid.xyzxyz", "played", 0},
		{"status_failed_130472.json", "wamid.xyzxyz", "failed", 130472},
		{"status_failed_131047_reengagement.json", "wamid.xyzxyz", "failed", 131047},
		{"status_failed_131053_media_upload.json", "wamid.xyzxyz", "failed", 131053},
		{"status_failed_131053_minimal_error.json", "amid.ID", "failed", 131053},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := ParsePayload(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) != 1 || len(p.Changes[0].Statuses) != 1 {
				t.Fatalf("want one change with one status, got %+v", p)
			}
			s := p.Changes[0].Statuses[0]
			code := 0
			if s.Error != nil {
				code = s.Error.Code
			}
			if s.ID != tt.wamid || s.Status != tt.status || code != tt.code || s.Timestamp.IsZero() {
				t.Errorf("got %s %s code %d at %v, want %s %s code %d", s.ID, s.Status, code, s.Timestamp, tt.wamid, tt.status, tt.code)
			}
		})
	}
}

func TestParsePayloadChangeErrors(t *testing.T) {
	p, err := ParsePayload(readFixture(t, "value_errors_131000.json"))
	if err != nil {
		t.Fatal(err)
	}
	errs := p.Changes[0].Errors
	if len(errs) != 1 || errs[0].Code != 131000 || errs[0].Details != "Unsupported webhook payload" {
		t.Errorf("got %+v, want the 131000 error", errs)
	}
}

func TestParsePayloadTimestamps(t *testing.T) {
	tests := []struct {
		give string
		want time.Time
	}{
		{`"1749416383"`, time.Unix(1749416383, 0)},
		{`1669233778`, time.Unix(1669233778, 0)},
		{`1669233778.5`, time.Unix(1669233778, 5e8)},
		{`""`, time.Time{}},
		{`"soon"`, time.Time{}},
		{`-5`, time.Time{}},
		{`99999999999999`, time.Time{}},
		{`{"a":1}`, time.Time{}},
	}
	for _, tt := range tests {
		body := `{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","type":"text","timestamp":` + tt.give + `}]}}]}]}`
		p, err := ParsePayload([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Changes[0].Messages[0].Timestamp; !got.Equal(tt.want) {
			t.Errorf("timestamp %s: got %v, want %v", tt.give, got, tt.want)
		}
	}
}

func TestParsePayloadLenient(t *testing.T) {
	tests := []struct {
		name, body    string
		wantErr       bool
		changes, msgs int
		skipped       int
	}{
		{"not json", `{"entry":`, true, 0, 0, 0},
		{"entry not an array", `{"entry":{}}`, true, 0, 0, 0},
		{"no entries", `{"object":"whatsapp_business_account"}`, false, 0, 0, 0},
		{"entry not an object", `{"entry":[1]}`, false, 0, 0, 1},
		{"change without field", `{"entry":[{"changes":[{"value":{}}]}]}`, false, 0, 0, 1},
		{"message without id", `{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text"}]}}]}]}`, false, 1, 0, 1},
		{"message not an object", `{"entry":[{"changes":[{"field":"messages","value":{"messages":["x",{"id":"w","type":"text"}]}}]}]}`, false, 1, 1, 1},
		{"numeric ids", `{"entry":[{"id":7,"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":123},"messages":[{"id":42,"from":16505551234}]}}]}]}`, false, 1, 1, 0},
		{"other field", `{"entry":[{"changes":[{"field":"account_update","value":{"event":"X"}}]}]}`, false, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePayload([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			msgs := 0
			for _, c := range p.Changes {
				msgs += len(c.Messages)
			}
			if len(p.Changes) != tt.changes || msgs != tt.msgs || len(p.Skipped) != tt.skipped {
				t.Errorf("got %d changes, %d messages, skipped %q", len(p.Changes), msgs, p.Skipped)
			}
		})
	}
}

func TestStorableJSON(t *testing.T) {
	tests := []struct {
		give, want string
	}{
		{`{"a":"\u00e9\ud83d\ude00"}`, `{"a":"\u00e9\ud83d\ude00"}`},
		{`{"a":"\\u0000"}`, `{"a":"\\u0000"}`},
		{`{"a":"x\u0000y"}`, `{"a":"xy"}`},
		{`{"a":"\ud83d"}`, `{"a":"` + "\uFFFD" + `"}`},
		{`{"a":"\ude00\ud83d"}`, `{"a":"` + "\uFFFD\uFFFD" + `"}`},
		{"{\"a\":\"\xff\"}", `{"a":"` + "\uFFFD" + `"}`},
		{`{"n":12345678901234567890}`, `{"n":12345678901234567890}`},
	}
	for _, tt := range tests {
		if got := string(storableJSON(json.RawMessage(tt.give))); got != tt.want {
			t.Errorf("storableJSON(%s) = %s, want %s", tt.give, got, tt.want)
		}
	}
}
