package whatsapp_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/intalos/integrations/internal/whatsapp"
)

func buttons(titles ...string) *whatsapp.Interactive {
	in := &whatsapp.Interactive{Type: whatsapp.InteractiveButton, Body: &whatsapp.InteractiveText{Text: "Choose"}}
	for i, title := range titles {
		in.Action.Buttons = append(in.Action.Buttons, whatsapp.Button{Type: "reply", Reply: whatsapp.ButtonReply{ID: string(rune('a' + i)), Title: title}})
	}
	return in
}

func list(rows ...whatsapp.Row) *whatsapp.Interactive {
	return &whatsapp.Interactive{
		Type: whatsapp.InteractiveList, Body: &whatsapp.InteractiveText{Text: "Choose"},
		Action: whatsapp.InteractiveAction{Button: "Open", Sections: []whatsapp.Section{{Title: "All", Rows: rows}}},
	}
}

func rows(n int) []whatsapp.Row {
	var out []whatsapp.Row
	for i := range n {
		out = append(out, whatsapp.Row{ID: strings.Repeat("r", i+1), Title: "Row"})
	}
	return out
}

func TestValidateRejects(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // runes, not bytes
	interactive := func(in *whatsapp.Interactive) whatsapp.Message {
		return whatsapp.Message{To: testTo, Type: whatsapp.TypeInteractive, Interactive: in}
	}
	media := func(typ string, m *whatsapp.Media) whatsapp.Message {
		msg := whatsapp.Message{To: testTo, Type: typ}
		switch typ {
		case whatsapp.TypeAudio:
			msg.Audio = m
		case whatsapp.TypeSticker:
			msg.Sticker = m
		case whatsapp.TypeImage:
			msg.Image = m
		}
		return msg
	}
	tests := []struct {
		name      string
		give      whatsapp.Message
		wantField string
	}{
		{"no recipient", whatsapp.Message{Type: whatsapp.TypeText, Text: &whatsapp.Text{Body: "x"}}, "to"},
		{"unknown type", whatsapp.Message{To: testTo, Type: "carousel"}, "type"},
		{"text missing", whatsapp.Message{To: testTo, Type: whatsapp.TypeText}, "text"},
		{"empty text", textMessage(""), "text.body"},
		{"text too long", textMessage(long(whatsapp.MaxTextBody + 1)), "text.body"},
		{"media without id or link", media(whatsapp.TypeImage, &whatsapp.Media{}), "image"},
		{"media with id and link", media(whatsapp.TypeImage, &whatsapp.Media{ID: "1", Link: "https://x"}), "image"},
		{"caption on audio", media(whatsapp.TypeAudio, &whatsapp.Media{ID: "1", Caption: "c"}), "audio.caption"},
		{"caption on sticker", media(whatsapp.TypeSticker, &whatsapp.Media{ID: "1", Caption: "c"}), "sticker.caption"},
		{"filename on image", media(whatsapp.TypeImage, &whatsapp.Media{ID: "1", Filename: "a.png"}), "image.filename"},
		{"caption too long", media(whatsapp.TypeImage, &whatsapp.Media{ID: "1", Caption: long(whatsapp.MaxCaption + 1)}), "image.caption"},
		{"no buttons", interactive(buttons()), "interactive.action.buttons"},
		{"four buttons", interactive(buttons("a", "b", "c", "d")), "interactive.action.buttons"},
		{"button title too long", interactive(buttons("ok", long(whatsapp.MaxButtonTitle+1))), "interactive.action.buttons[1].reply.title"},
		{"empty button title", interactive(buttons("")), "interactive.action.buttons[0].reply.title"},
		{"duplicate button ids", interactive(func() *whatsapp.Interactive {
			in := buttons("a", "b")
			in.Action.Buttons[1].Reply.ID = in.Action.Buttons[0].Reply.ID
			return in
		}()), "interactive.action.buttons[1].reply.id"},
		{"button body too long", interactive(func() *whatsapp.Interactive {
			in := buttons("a")
			in.Body.Text = long(whatsapp.MaxButtonBodyText + 1)
			return in
		}()), "interactive.body.text"},
		{"missing body", interactive(func() *whatsapp.Interactive { in := buttons("a"); in.Body = nil; return in }()), "interactive.body"},
		{"header too long", interactive(func() *whatsapp.Interactive {
			in := buttons("a")
			in.Header = &whatsapp.InteractiveHeader{Type: "text", Text: long(whatsapp.MaxHeaderText + 1)}
			return in
		}()), "interactive.header.text"},
		{"footer too long", interactive(func() *whatsapp.Interactive {
			in := buttons("a")
			in.Footer = &whatsapp.InteractiveText{Text: long(whatsapp.MaxFooterText + 1)}
			return in
		}()), "interactive.footer.text"},
		{"eleven rows", interactive(list(rows(11)...)), "interactive.action.sections"},
		{"eleven rows across sections", interactive(func() *whatsapp.Interactive {
			in := list(rows(6)...)
			in.Action.Sections = append(in.Action.Sections, whatsapp.Section{Title: "More", Rows: []whatsapp.Row{
				{ID: "m1", Title: "1"}, {ID: "m2", Title: "2"}, {ID: "m3", Title: "3"}, {ID: "m4", Title: "4"}, {ID: "m5", Title: "5"},
			}})
			return in
		}()), "interactive.action.sections"},
		{"row title too long", interactive(list(whatsapp.Row{ID: "a", Title: long(whatsapp.MaxRowTitle + 1)})), "interactive.action.sections[0].rows[0].title"},
		{"row description too long", interactive(list(whatsapp.Row{ID: "a", Title: "A", Description: long(whatsapp.MaxRowDescription + 1)})), "interactive.action.sections[0].rows[0].description"},
		{"duplicate row ids", interactive(list(whatsapp.Row{ID: "a", Title: "A"}, whatsapp.Row{ID: "a", Title: "B"})), "interactive.action.sections[0].rows[1].id"},
		{"list button text too long", interactive(func() *whatsapp.Interactive {
			in := list(rows(1)...)
			in.Action.Button = long(whatsapp.MaxListButtonText + 1)
			return in
		}()), "interactive.action.button"},
		{"list body too long", interactive(func() *whatsapp.Interactive {
			in := list(rows(1)...)
			in.Body.Text = long(whatsapp.MaxListBodyText + 1)
			return in
		}()), "interactive.body.text"},
		{"list with image header", interactive(func() *whatsapp.Interactive {
			in := list(rows(1)...)
			in.Header = &whatsapp.InteractiveHeader{Type: "image", Image: &whatsapp.Media{ID: "1"}}
			return in
		}()), "interactive.header.type"},
		{"untitled section among several", interactive(func() *whatsapp.Interactive {
			in := list(rows(1)...)
			in.Action.Sections = append(in.Action.Sections, whatsapp.Section{Rows: []whatsapp.Row{{ID: "z", Title: "Z"}}})
			return in
		}()), "interactive.action.sections[1].title"},
		{"latitude out of range", whatsapp.Message{To: testTo, Type: whatsapp.TypeLocation, Location: &whatsapp.Location{Latitude: 91}}, "location.latitude"},
		{"reaction without message id", whatsapp.Message{To: testTo, Type: whatsapp.TypeReaction, Reaction: &whatsapp.Reaction{Emoji: "👍"}}, "reaction.message_id"},
		{"template without language", whatsapp.Message{To: testTo, Type: whatsapp.TypeTemplate, Template: &whatsapp.Template{Name: "t"}}, "template.language.code"},
	}
	sim, c, creds := newTestClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Send(context.Background(), creds, tt.give)
			var ve *whatsapp.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Send error = %v, want a *ValidationError", err)
			}
			if ve.Field != tt.wantField {
				t.Errorf("Field = %q, want %q (%v)", ve.Field, tt.wantField, err)
			}
			if got := whatsapp.Classify(err); got != whatsapp.Permanent {
				t.Errorf("Classify = %v, want permanent", got)
			}
		})
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("simulator received %d requests, want none: validation happens before sending", n)
	}
}

func TestValidateAcceptsLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	in := buttons(long(whatsapp.MaxButtonTitle), "b", "c")
	in.Body.Text = long(whatsapp.MaxButtonBodyText)
	in.Header = &whatsapp.InteractiveHeader{Type: "text", Text: long(whatsapp.MaxHeaderText)}
	in.Footer = &whatsapp.InteractiveText{Text: long(whatsapp.MaxFooterText)}
	l := list(rows(whatsapp.MaxListRows)...)
	l.Body.Text = long(whatsapp.MaxListBodyText)
	l.Action.Sections[0].Rows[0].Title = long(whatsapp.MaxRowTitle)
	l.Action.Sections[0].Rows[0].Description = long(whatsapp.MaxRowDescription)
	tests := []whatsapp.Message{
		textMessage(long(whatsapp.MaxTextBody)),
		{To: testTo, Type: whatsapp.TypeInteractive, Interactive: in},
		{To: testTo, Type: whatsapp.TypeInteractive, Interactive: l},
		{To: testTo, Type: whatsapp.TypeReaction, Reaction: &whatsapp.Reaction{MessageID: "wamid.x"}}, // removal
	}
	_, c, creds := newTestClient(t)
	for i, m := range tests {
		if _, err := c.Send(context.Background(), creds, m); err != nil {
			t.Errorf("message %d at the limits: %v", i, err)
		}
	}
}
