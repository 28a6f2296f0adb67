package whatsapptest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

func buttonsJSON(n int, title string) string {
	var b []string
	for i := range n {
		b = append(b, fmt.Sprintf(`{"type":"reply","reply":{"id":"b%d","title":%q}}`, i, title))
	}
	return `{"messaging_product":"whatsapp","to":"+16505551234","type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},"action":{"buttons":[` + strings.Join(b, ",") + `]}}}`
}

func listJSON(rowsPerSection []int, rowTitle string) string {
	var sections []string
	n := 0
	for s, rows := range rowsPerSection {
		var r []string
		for range rows {
			r = append(r, fmt.Sprintf(`{"id":"r%d","title":%q}`, n, rowTitle))
			n++
		}
		sections = append(sections, fmt.Sprintf(`{"title":"S%d","rows":[%s]}`, s, strings.Join(r, ",")))
	}
	return `{"messaging_product":"whatsapp","to":"+16505551234","type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},"action":{"button":"Open","sections":[` + strings.Join(sections, ",") + `]}}}`
}

// TestRejectsWhatMetaRejects: each invalid payload gets Meta's HTTP status,
// code and message or details.
func TestRejectsWhatMetaRejects(t *testing.T) {
	const to = `"to":"+16505551234"`
	tests := []struct {
		name       string
		give       string
		wantCode   int
		wantInText string // in message or details
	}{
		{"not JSON", `{"messaging_product":`, 100, "Invalid parameter"},
		{"no messaging_product", `{` + to + `,"type":"text","text":{"body":"hi"}}`, 100, "The parameter messaging_product is required."},
		{"wrong messaging_product", `{"messaging_product":"sms",` + to + `,"type":"text","text":{"body":"hi"}}`, 100, `Param messaging_product must be one of {WHATSAPP} - got "sms".`},
		{"no recipient", `{"messaging_product":"whatsapp","type":"text","text":{"body":"hi"}}`, 100, "The parameter to is required."},
		{"unknown type", `{"messaging_product":"whatsapp",` + to + `,"type":"carousel"}`, 100, `Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LINK_PREVIEW, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO} - got "carousel".`},
		{"empty text body", `{"messaging_product":"whatsapp",` + to + `,"type":"text","text":{"body":""}}`, 100, "(#100) The parameter text['body'] is required."},
		{"missing text object", `{"messaging_product":"whatsapp",` + to + `,"type":"text"}`, 100, "(#100) The parameter text['body'] is required."},
		{"text too long", `{"messaging_product":"whatsapp",` + to + `,"type":"text","text":{"body":"` + strings.Repeat("a", 4097) + `"}}`, 100, "must be at most 4096 characters long"},
		{"image without id or link", `{"messaging_product":"whatsapp",` + to + `,"type":"image","image":{"caption":"x"}}`, 131008, "Required parameter is missing"},
		{"image with id and link", `{"messaging_product":"whatsapp",` + to + `,"type":"image","image":{"id":"1","link":"https://x/a.png"}}`, 100, "Invalid parameter"},
		{"unknown interactive type", `{"messaging_product":"whatsapp",` + to + `,"type":"interactive","interactive":{"type":"carousel"}}`, 100, `Param interactive['type'] must be one of`},
		{"interactive without body", `{"messaging_product":"whatsapp",` + to + `,"type":"interactive","interactive":{"type":"button","action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}}`, 131008, "Required parameter is missing"},
		{"no buttons", buttonsJSON(0, "A"), 131009, "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3"},
		{"four buttons", buttonsJSON(4, "A"), 131009, "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3"},
		{"button title too long", buttonsJSON(2, strings.Repeat("x", 21)), 131009, "Button title length invalid. Min length: 1, Max length: 20"},
		{"button title 20 runes but more bytes is fine", buttonsJSON(1, strings.Repeat("é", 20)), 0, ""},
		{"duplicate button ids", strings.Replace(buttonsJSON(2, "A"), `"b1"`, `"b0"`, 1), 131009, "Duplicate button id"},
		{"eleven rows", listJSON([]int{11}, "Row"), 131009, "Total row count exceed max allowed count: 10"},
		{"eleven rows over two sections", listJSON([]int{6, 5}, "Row"), 131009, "Total row count exceed max allowed count: 10"},
		{"ten rows is fine", listJSON([]int{5, 5}, "Row"), 0, ""},
		{"row title too long", listJSON([]int{1}, strings.Repeat("x", 25)), 131009, "Row title length invalid. Min length: 1, Max length: 24"},
		{"location without latitude", `{"messaging_product":"whatsapp",` + to + `,"type":"location","location":{"longitude":1}}`, 131008, "latitude"},
		{"reaction without message id", `{"messaging_product":"whatsapp",` + to + `,"type":"reaction","reaction":{"emoji":"x"}}`, 131008, "message_id"},
		{"template without name", `{"messaging_product":"whatsapp",` + to + `,"type":"template","template":{"language":{"code":"en_US"}}}`, 131008, "name"},
		{"read receipt without message id", `{"messaging_product":"whatsapp","status":"read"}`, 100, "The parameter message_id is required."},
		{"read receipt with a bad status", `{"messaging_product":"whatsapp","status":"seen","message_id":"wamid.x"}`, 100, `Param status must be one of {READ} - got "seen".`},
	}
	sim := newSim(t, whatsapptest.Config{})
	url := sim.URL + "/v21.0/" + phoneID + "/messages"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := post(t, url, token, tt.give)
			if got := a.code(); got != tt.wantCode {
				t.Fatalf("code = %d, want %d (answer %+v)", got, tt.wantCode, a.Error)
			}
			if tt.wantCode == 0 {
				if a.status != 200 || len(a.Messages) != 1 {
					t.Errorf("status %d, messages %v; want 200 with a wamid", a.status, a.Messages)
				}
				return
			}
			if a.status != 400 {
				t.Errorf("HTTP status = %d, want 400", a.status)
			}
			if text := a.Error.Message + " " + a.details(); !strings.Contains(text, tt.wantInText) {
				t.Errorf("error %q, want it to contain %q", text, tt.wantInText)
			}
			if a.Error.FBTraceID == "" || a.Error.Type == "" {
				t.Errorf("error lacks type or fbtrace_id: %+v", a.Error)
			}
		})
	}
}
