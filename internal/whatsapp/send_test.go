package whatsapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// validMessages holds one valid message of every type the client sends.
func validMessages() map[string]whatsapp.Message {
	m := func(typ string, set func(*whatsapp.Message)) whatsapp.Message {
		msg := whatsapp.Message{To: testTo, Type: typ}
		set(&msg)
		return msg
	}
	return map[string]whatsapp.Message{
		"text": m(whatsapp.TypeText, func(m *whatsapp.Message) {
			m.Text = &whatsapp.Text{Body: "See https://intalos.example", PreviewURL: true}
		}),
		"image by link": m(whatsapp.TypeImage, func(m *whatsapp.Message) {
			m.Image = &whatsapp.Media{Link: "https://intalos.example/a.png", Caption: "A"}
		}),
		"video by id":   m(whatsapp.TypeVideo, func(m *whatsapp.Message) { m.Video = &whatsapp.Media{ID: "123", Caption: "V"} }),
		"audio by id":   m(whatsapp.TypeAudio, func(m *whatsapp.Message) { m.Audio = &whatsapp.Media{ID: "124"} }),
		"sticker by id": m(whatsapp.TypeSticker, func(m *whatsapp.Message) { m.Sticker = &whatsapp.Media{ID: "125"} }),
		"document by link": m(whatsapp.TypeDocument, func(m *whatsapp.Message) {
			m.Document = &whatsapp.Media{Link: "https://intalos.example/a.pdf", Filename: "a.pdf", Caption: "Invoice"}
		}),
		"reply buttons": m(whatsapp.TypeInteractive, func(m *whatsapp.Message) {
			m.Interactive = &whatsapp.Interactive{
				Type:   whatsapp.InteractiveButton,
				Header: &whatsapp.InteractiveHeader{Type: "text", Text: "Delivery"},
				Body:   &whatsapp.InteractiveText{Text: "When should we come?"},
				Footer: &whatsapp.InteractiveText{Text: "Reply with a button"},
				Action: whatsapp.InteractiveAction{Buttons: []whatsapp.Button{
					{Type: "reply", Reply: whatsapp.ButtonReply{ID: "am", Title: "Morning"}},
					{Type: "reply", Reply: whatsapp.ButtonReply{ID: "pm", Title: "Afternoon"}},
					{Type: "reply", Reply: whatsapp.ButtonReply{ID: "never", Title: strings.Repeat("x", whatsapp.MaxButtonTitle)}},
				}},
			}
		}),
		"list": m(whatsapp.TypeInteractive, func(m *whatsapp.Message) {
			m.Interactive = &whatsapp.Interactive{
				Type: whatsapp.InteractiveList,
				Body: &whatsapp.InteractiveText{Text: "Pick a shipping option"},
				Action: whatsapp.InteractiveAction{Button: "Options", Sections: []whatsapp.Section{
					{Title: "Fast", Rows: []whatsapp.Row{{ID: "express", Title: "Express", Description: "Next day"}}},
					{Title: "Cheap", Rows: []whatsapp.Row{{ID: "ground", Title: "Ground"}}},
				}},
			}
		}),
		"location": m(whatsapp.TypeLocation, func(m *whatsapp.Message) {
			m.Location = &whatsapp.Location{Latitude: 37.44, Longitude: -122.16, Name: "Philz", Address: "101 Forest Ave"}
		}),
		"reaction": m(whatsapp.TypeReaction, func(m *whatsapp.Message) {
			m.Reaction = &whatsapp.Reaction{MessageID: "wamid.abc", Emoji: "👍"}
		}),
		"template": m(whatsapp.TypeTemplate, func(m *whatsapp.Message) {
			m.Template = &whatsapp.Template{
				Name: "order_update", Language: whatsapp.TemplateLanguage{Code: "en_US"},
				Components: []whatsapp.TemplateComponent{{Type: "body", Parameters: []whatsapp.TemplateParameter{{Type: "text", Text: "#42"}}}},
			}
		}),
		"reply with context": m(whatsapp.TypeText, func(m *whatsapp.Message) {
			m.Text = &whatsapp.Text{Body: "quoted"}
			m.Context = &whatsapp.ReplyContext{MessageID: "wamid.prev"}
			m.BizOpaqueCallbackData = "run-7"
		}),
	}
}

func TestSendEveryType(t *testing.T) {
	sim, c, creds := newTestClient(t)
	for name, msg := range validMessages() {
		t.Run(name, func(t *testing.T) {
			res, err := c.Send(context.Background(), creds, msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if !strings.HasPrefix(res.WAMID, "wamid.") {
				t.Errorf("WAMID = %q, want wamid.…", res.WAMID)
			}
			if got, want := res.WAID, "16505551234"; got != want {
				t.Errorf("WAID = %q, want %q", got, want)
			}
			reqs := sim.Requests()
			last := reqs[len(reqs)-1]
			if last.WAMID != res.WAMID || last.Type != msg.Type || last.Kind != whatsapptest.KindSend {
				t.Fatalf("recorded %+v, want the send of %s", last, res.WAMID)
			}
			// The wire body is exactly the Message, with messaging_product filled in.
			msg.MessagingProduct = "whatsapp"
			var got whatsapp.Message
			if err := json.Unmarshal(last.Body, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, msg) {
				t.Errorf("sent body = %s, want %+v", last.Body, msg)
			}
		})
	}
}

func TestMarkReadAndTyping(t *testing.T) {
	sim, c, creds := newTestClient(t)
	ctx := context.Background()
	if err := c.MarkRead(ctx, creds, "wamid.in1"); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	if err := c.ShowTyping(ctx, creds, "wamid.in2"); err != nil {
		t.Fatalf("ShowTyping: %v", err)
	}
	reqs := sim.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(reqs))
	}
	tests := []struct {
		give whatsapptest.Request
		want string
	}{
		{reqs[0], `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.in1"}`},
		{reqs[1], `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.in2","typing_indicator":{"type":"text"}}`},
	}
	for _, tt := range tests {
		if tt.give.Kind != whatsapptest.KindMarkRead || string(tt.give.Body) != tt.want {
			t.Errorf("recorded %s %s, want mark_read %s", tt.give.Kind, tt.give.Body, tt.want)
		}
	}
}

func TestSendRejectsMissingCredentials(t *testing.T) {
	_, c, _ := newTestClient(t)
	_, err := c.Send(context.Background(), whatsapp.Credentials{PhoneNumberID: testPhoneID}, textMessage("hi"))
	if err == nil {
		t.Fatal("Send without a token succeeded")
	}
}

func TestCredentialsNeverPrintToken(t *testing.T) {
	creds := whatsapp.Credentials{PhoneNumberID: "1", AccessToken: "EAAsecret"}
	tok := whatsapp.Token{AccessToken: "EAAsecret"}
	for _, s := range []string{
		fmt.Sprintf("%v", creds), fmt.Sprintf("%+v", creds), fmt.Sprintf("%#v", creds),
		fmt.Sprintf("%v", tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok),
	} {
		if strings.Contains(s, "EAAsecret") {
			t.Errorf("formatted value %q contains the token", s)
		}
	}
}
