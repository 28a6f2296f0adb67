package inbox

import (
	"encoding/json"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/flowengine"
)

// metaMessage is the part of Meta's inbound message object a flow reads.
type metaMessage struct {
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Interactive *struct {
		Type        string     `json:"type"`
		ButtonReply *replyPart `json:"button_reply"`
		ListReply   *replyPart `json:"list_reply"`
		NfmReply    *struct {
			Body string `json:"body"`
		} `json:"nfm_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Image    *mediaPart `json:"image"`
	Video    *mediaPart `json:"video"`
	Audio    *mediaPart `json:"audio"`
	Document *mediaPart `json:"document"`
	Sticker  *mediaPart `json:"sticker"`
	Location *struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
}

type replyPart struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type mediaPart struct {
	ID      string `json:"id"`
	Caption string `json:"caption"`
}

// inputOf turns a stored inbound message into a flow input. A non-empty
// reason says the message is not the contact talking to the bot (a
// reaction, Meta's notices, edits and deletions of earlier messages, types
// Meta could not deliver) and must leave the conversation alone.
func inputOf(m *ent.Message) (flowengine.Input, string) {
	var mm metaMessage
	if len(m.Content) > 0 {
		// A body that does not decode leaves the parts nil: answered as "other".
		_ = json.Unmarshal(m.Content, &mm)
	}
	switch m.Type {
	case "text":
		in := flowengine.Input{Kind: flowengine.InputText}
		if mm.Text != nil {
			in.Text = mm.Text.Body
		}
		return in, ""
	case "interactive":
		return interactiveInput(&mm), ""
	case "button": // a template's quick-reply button
		in := flowengine.Input{Kind: flowengine.InputButton}
		if mm.Button != nil {
			in.ReplyID, in.ReplyTitle = mm.Button.Payload, mm.Button.Text
		}
		return in, ""
	case "image", "video", "audio", "document", "sticker":
		in := flowengine.Input{Kind: flowengine.InputMedia, MediaType: m.Type}
		if p := mm.media(m.Type); p != nil {
			in.MediaID, in.Text = p.ID, p.Caption
		}
		return in, ""
	case "location":
		in := flowengine.Input{Kind: flowengine.InputLocation}
		if l := mm.Location; l != nil {
			in.Location = &flowengine.Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		}
		return in, ""
	case "contacts", "order":
		return flowengine.Input{Kind: flowengine.InputOther}, ""
	case "reaction":
		return flowengine.Input{}, "reaction: not an answer"
	case "system":
		return flowengine.Input{}, "system notice: not an answer"
	case "revoke", "edit":
		return flowengine.Input{}, m.Type + " of an earlier message: not an answer"
	case "unsupported":
		return flowengine.Input{}, "message type not supported by WhatsApp Cloud API"
	}
	return flowengine.Input{}, "message type " + m.Type + ": not handled by bots"
}

func interactiveInput(mm *metaMessage) flowengine.Input {
	i := mm.Interactive
	switch {
	case i == nil:
		return flowengine.Input{Kind: flowengine.InputOther}
	case i.ButtonReply != nil:
		return flowengine.Input{Kind: flowengine.InputButton, ReplyID: i.ButtonReply.ID, ReplyTitle: i.ButtonReply.Title}
	case i.ListReply != nil:
		return flowengine.Input{Kind: flowengine.InputList, ReplyID: i.ListReply.ID, ReplyTitle: i.ListReply.Title}
	case i.NfmReply != nil:
		return flowengine.Input{Kind: flowengine.InputOther, Text: i.NfmReply.Body}
	}
	return flowengine.Input{Kind: flowengine.InputOther}
}

func (mm *metaMessage) media(typ string) *mediaPart {
	switch typ {
	case "image":
		return mm.Image
	case "video":
		return mm.Video
	case "audio":
		return mm.Audio
	case "document":
		return mm.Document
	}
	return mm.Sticker
}
