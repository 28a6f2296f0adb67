package flowengine

import "strconv"

// Input kinds.
const (
	InputText     = "text"
	InputButton   = "button"   // a reply button tap, or a template quick reply
	InputList     = "list"     // a list row choice
	InputMedia    = "media"    // image, video, audio, document, sticker
	InputLocation = "location" // a shared location
	InputOther    = "other"    // anything else (reaction, contacts, order…)
)

// Input is one inbound message from the contact. Its JSON form is what test
// mode takes.
type Input struct {
	Kind string `json:"kind"`
	// Text is the text body, or the caption of media.
	Text string `json:"text,omitempty"`
	// ReplyID and ReplyTitle are the id and title of a button or list reply.
	ReplyID    string `json:"replyId,omitempty"`
	ReplyTitle string `json:"replyTitle,omitempty"`
	// MediaType (image, video, …) and MediaID describe received media.
	MediaType string    `json:"mediaType,omitempty"`
	MediaID   string    `json:"mediaId,omitempty"`
	Location  *Location `json:"location,omitempty"`
	// Contact is who wrote; its fields fill {{contact.name}} and
	// {{contact.phone}}.
	Contact Contact `json:"contact,omitzero"`
}

// Location is a shared location.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Contact is the WhatsApp user the bot talks to.
type Contact struct {
	Name  string `json:"name,omitempty"`  // profile name
	Phone string `json:"phone,omitempty"` // wa_id or phone number
}

// setInputVars fills the contact.* and message.* variables.
func setInputVars(vars map[string]string, in Input) {
	if in.Contact.Name != "" {
		vars[VarContactName] = clip(in.Contact.Name, maxVarLen)
	}
	if in.Contact.Phone != "" {
		vars[VarContactPhone] = clip(in.Contact.Phone, maxVarLen)
	}
	for _, k := range [...]string{VarMessageType, VarMessageText, VarMessageReplyID, VarMessageMediaID, VarMessageLat, VarMessageLong} {
		delete(vars, k)
	}
	set := func(k, v string) {
		if v != "" {
			vars[k] = clip(v, maxVarLen)
		}
	}
	set(VarMessageType, in.Kind)
	set(VarMessageText, in.answerText())
	set(VarMessageReplyID, in.ReplyID)
	set(VarMessageMediaID, in.MediaID)
	if in.Location != nil {
		set(VarMessageLat, strconv.FormatFloat(in.Location.Latitude, 'f', -1, 64))
		set(VarMessageLong, strconv.FormatFloat(in.Location.Longitude, 'f', -1, 64))
	}
}

// answerText is what the contact wrote or chose, as text.
func (in Input) answerText() string {
	switch in.Kind {
	case InputButton, InputList:
		return in.ReplyTitle
	}
	return in.Text
}
