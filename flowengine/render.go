package flowengine

import "github.com/intalos/integrations/internal/whatsapp"

// The builders below turn components into messages for WhatsApp's send
// endpoint. Interpolated texts are clipped to WhatsApp's limits, since a
// variable can make a valid definition's text too long.

const messagingProduct = "whatsapp"

func textMessage(body string, preview bool) whatsapp.Message {
	return whatsapp.Message{
		MessagingProduct: messagingProduct,
		Type:             whatsapp.TypeText,
		Text:             &whatsapp.Text{Body: clip(body, maxTextBody), PreviewURL: preview},
	}
}

func (r *run) mediaMessage(c *Media) whatsapp.Message {
	media := &whatsapp.Media{
		Link:     interpolate(c.URL, r.vars),
		Caption:  clip(interpolate(c.Caption, r.vars), maxCaption),
		Filename: interpolate(c.Filename, r.vars),
	}
	m := whatsapp.Message{MessagingProduct: messagingProduct, Type: c.MediaType}
	switch c.MediaType {
	case whatsapp.TypeImage:
		m.Image = media
	case whatsapp.TypeVideo:
		m.Video = media
	case whatsapp.TypeAudio:
		m.Audio = media
	case whatsapp.TypeDocument:
		m.Document = media
	case whatsapp.TypeSticker:
		m.Sticker = media
	}
	return m
}

func (r *run) templateMessage(c *Template) whatsapp.Message {
	t := &whatsapp.Template{Name: c.Name, Language: whatsapp.TemplateLanguage{Code: c.Language}}
	for _, part := range []struct {
		typ    string
		params []string
	}{{"header", c.HeaderParameters}, {"body", c.BodyParameters}} {
		if len(part.params) == 0 {
			continue
		}
		comp := whatsapp.TemplateComponent{Type: part.typ}
		for _, p := range part.params {
			comp.Parameters = append(comp.Parameters, whatsapp.TemplateParameter{Type: "text", Text: interpolate(p, r.vars)})
		}
		t.Components = append(t.Components, comp)
	}
	return whatsapp.Message{MessagingProduct: messagingProduct, Type: whatsapp.TypeTemplate, Template: t}
}

func (r *run) buttonsMessage(q *QuestionButtons) whatsapp.Message {
	in := &whatsapp.Interactive{
		Type:   whatsapp.InteractiveButton,
		Header: r.header(q.Header),
		Body:   &whatsapp.InteractiveText{Text: clip(interpolate(q.Text, r.vars), maxButtonBody)},
		Footer: r.footer(q.Footer),
	}
	for _, b := range q.Buttons {
		in.Action.Buttons = append(in.Action.Buttons, whatsapp.Button{
			Type:  "reply",
			Reply: whatsapp.ButtonReply{ID: b.ID, Title: clip(interpolate(b.Title, r.vars), maxButtonTitle)},
		})
	}
	return whatsapp.Message{MessagingProduct: messagingProduct, Type: whatsapp.TypeInteractive, Interactive: in}
}

func (r *run) listMessage(q *QuestionList) whatsapp.Message {
	in := &whatsapp.Interactive{
		Type:   whatsapp.InteractiveList,
		Header: r.header(q.Header),
		Body:   &whatsapp.InteractiveText{Text: clip(interpolate(q.Text, r.vars), maxListBody)},
		Footer: r.footer(q.Footer),
		Action: whatsapp.InteractiveAction{Button: clip(interpolate(q.ButtonText, r.vars), maxListButtonText)},
	}
	for _, s := range q.Sections {
		sec := whatsapp.Section{Title: clip(interpolate(s.Title, r.vars), maxSectionTitle)}
		for _, row := range s.Rows {
			sec.Rows = append(sec.Rows, whatsapp.Row{
				ID:          row.ID,
				Title:       clip(interpolate(row.Title, r.vars), maxRowTitle),
				Description: clip(interpolate(row.Description, r.vars), maxRowDescription),
			})
		}
		in.Action.Sections = append(in.Action.Sections, sec)
	}
	return whatsapp.Message{MessagingProduct: messagingProduct, Type: whatsapp.TypeInteractive, Interactive: in}
}

func (r *run) header(text string) *whatsapp.InteractiveHeader {
	if text == "" {
		return nil
	}
	return &whatsapp.InteractiveHeader{Type: "text", Text: clip(interpolate(text, r.vars), maxHeader)}
}

func (r *run) footer(text string) *whatsapp.InteractiveText {
	if text == "" {
		return nil
	}
	return &whatsapp.InteractiveText{Text: clip(interpolate(text, r.vars), maxFooter)}
}
