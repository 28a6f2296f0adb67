package whatsapp

// The types below mirror the JSON body of Meta's send endpoint,
// POST /{version}/{phone-number-id}/messages
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages).
// A Message marshals to exactly what Meta expects, so the flow engine can
// produce one and the outbox can store and send it unchanged.

// Message types accepted by the send endpoint.
const (
	TypeText        = "text"
	TypeImage       = "image"
	TypeVideo       = "video"
	TypeAudio       = "audio"
	TypeDocument    = "document"
	TypeSticker     = "sticker"
	TypeInteractive = "interactive"
	TypeLocation    = "location"
	TypeReaction    = "reaction"
	TypeTemplate    = "template"
)

// Interactive message kinds.
const (
	InteractiveButton = "button"
	InteractiveList   = "list"
)

// Message is one outbound message. To may be left empty by producers that do
// not know the recipient (the flow engine); the sender fills it in.
type Message struct {
	MessagingProduct string `json:"messaging_product"` // always "whatsapp"
	RecipientType    string `json:"recipient_type,omitempty"`
	To               string `json:"to"`
	Type             string `json:"type"`

	Context     *ReplyContext `json:"context,omitempty"`
	Text        *Text         `json:"text,omitempty"`
	Image       *Media        `json:"image,omitempty"`
	Video       *Media        `json:"video,omitempty"`
	Audio       *Media        `json:"audio,omitempty"`
	Document    *Media        `json:"document,omitempty"`
	Sticker     *Media        `json:"sticker,omitempty"`
	Interactive *Interactive  `json:"interactive,omitempty"`
	Location    *Location     `json:"location,omitempty"`
	Reaction    *Reaction     `json:"reaction,omitempty"`
	Template    *Template     `json:"template,omitempty"`

	// BizOpaqueCallbackData is echoed back by Meta in status webhooks.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
}

// ReplyContext quotes an earlier message.
type ReplyContext struct {
	MessageID string `json:"message_id"`
}

// Text is a plain text body (at most 4096 characters).
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Media is sent either by an uploaded media ID or by an https Link.
// Caption applies to image, video and document; Filename to document only.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Interactive is a reply-button or list message.
type Interactive struct {
	Type   string             `json:"type"` // InteractiveButton or InteractiveList
	Header *InteractiveHeader `json:"header,omitempty"`
	Body   *InteractiveText   `json:"body,omitempty"`
	Footer *InteractiveText   `json:"footer,omitempty"`
	Action InteractiveAction  `json:"action"`
}

// InteractiveHeader is the optional header; lists allow only text headers.
type InteractiveHeader struct {
	Type     string `json:"type"` // text, image, video, document
	Text     string `json:"text,omitempty"`
	Image    *Media `json:"image,omitempty"`
	Video    *Media `json:"video,omitempty"`
	Document *Media `json:"document,omitempty"`
}

// InteractiveText is a body or footer.
type InteractiveText struct {
	Text string `json:"text"`
}

// InteractiveAction holds reply buttons (button messages) or the list button
// text and its sections (list messages).
type InteractiveAction struct {
	Buttons  []Button  `json:"buttons,omitempty"`
	Button   string    `json:"button,omitempty"`
	Sections []Section `json:"sections,omitempty"`
}

// Button is one reply button.
type Button struct {
	Type  string      `json:"type"` // always "reply"
	Reply ButtonReply `json:"reply"`
}

// ButtonReply is a reply button's id and title.
type ButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Section is one section of a list message.
type Section struct {
	Title string `json:"title,omitempty"`
	Rows  []Row  `json:"rows"`
}

// Row is one choosable row of a list message.
type Row struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Location is a pin on the map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Reaction reacts to a message with an emoji; an empty emoji removes it.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Template is a pre-approved message template.
type Template struct {
	Name       string              `json:"name"`
	Language   TemplateLanguage    `json:"language"`
	Components []TemplateComponent `json:"components,omitempty"`
}

// TemplateLanguage names the template's language, e.g. "en_US".
type TemplateLanguage struct {
	Code string `json:"code"`
}

// TemplateComponent fills the parameters of one part of a template.
type TemplateComponent struct {
	Type       string              `json:"type"` // header, body, button
	SubType    string              `json:"sub_type,omitempty"`
	Index      string              `json:"index,omitempty"`
	Parameters []TemplateParameter `json:"parameters,omitempty"`
}

// TemplateParameter is one value substituted into a template.
type TemplateParameter struct {
	Type string `json:"type"` // text, currency, date_time, image, …
	Text string `json:"text,omitempty"`
}
