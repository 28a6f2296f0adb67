package whatsapptest

import "encoding/json"

// sendRequest is the body of POST /messages as Meta reads it. Pointers tell
// a missing field from an empty one.
type sendRequest struct {
	MessagingProduct      *string           `json:"messaging_product"`
	RecipientType         string            `json:"recipient_type"`
	To                    string            `json:"to"`
	Type                  string            `json:"type"`
	BizOpaqueCallbackData string            `json:"biz_opaque_callback_data"`
	Context               *struct{}         `json:"context"`
	Text                  *textObject       `json:"text"`
	Image                 *mediaObject      `json:"image"`
	Video                 *mediaObject      `json:"video"`
	Audio                 *mediaObject      `json:"audio"`
	Document              *mediaObject      `json:"document"`
	Sticker               *mediaObject      `json:"sticker"`
	Interactive           *interactiveObj   `json:"interactive"`
	Location              *locationObject   `json:"location"`
	Reaction              *reactionObject   `json:"reaction"`
	Template              *templateObject   `json:"template"`
	Contacts              []json.RawMessage `json:"contacts"`

	// Read receipts.
	Status          string `json:"status"`
	MessageID       string `json:"message_id"`
	TypingIndicator *struct {
		Type string `json:"type"`
	} `json:"typing_indicator"`
}

type textObject struct {
	Body       *string `json:"body"`
	PreviewURL bool    `json:"preview_url"`
}

type mediaObject struct {
	ID       string `json:"id"`
	Link     string `json:"link"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type interactiveObj struct {
	Type   string `json:"type"`
	Header *struct {
		Type     string       `json:"type"`
		Text     string       `json:"text"`
		Image    *mediaObject `json:"image"`
		Video    *mediaObject `json:"video"`
		Document *mediaObject `json:"document"`
	} `json:"header"`
	Body   *textField `json:"body"`
	Footer *textField `json:"footer"`
	Action *struct {
		Button  string `json:"button"`
		Buttons []struct {
			Type  string `json:"type"`
			Reply *struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"reply"`
		} `json:"buttons"`
		Sections []struct {
			Title string `json:"title"`
			Rows  []struct {
				ID          string `json:"id"`
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"rows"`
		} `json:"sections"`
	} `json:"action"`
}

type textField struct {
	Text string `json:"text"`
}

type locationObject struct {
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Name      string   `json:"name"`
	Address   string   `json:"address"`
}

type reactionObject struct {
	MessageID *string `json:"message_id"`
	Emoji     *string `json:"emoji"`
}

type templateObject struct {
	Name     string `json:"name"`
	Language *struct {
		Code string `json:"code"`
	} `json:"language"`
	Components []json.RawMessage `json:"components"`
}
