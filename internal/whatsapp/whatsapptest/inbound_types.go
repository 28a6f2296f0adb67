package whatsapptest

// Constructors for every inbound message type, shaped like Meta's webhook
// reference examples
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages).
// from is the user's wa_id.

func inbound(from, typ string, content any) InboundMessage {
	return InboundMessage{From: from, ProfileName: "Sheena Nelson", Type: typ, Content: content}
}

type obj = map[string]any

func mediaContent(m MediaRef) obj {
	return obj{"id": m.ID, "mime_type": m.MimeType, "sha256": m.SHA256}
}

// TextMessage is a plain text message.
func TextMessage(from, body string) InboundMessage {
	return inbound(from, "text", obj{"body": body})
}

// ImageMessage is a photo with an optional caption.
func ImageMessage(from string, m MediaRef, caption string) InboundMessage {
	c := mediaContent(m)
	if caption != "" {
		c["caption"] = caption
	}
	return inbound(from, "image", c)
}

// VideoMessage is a video with an optional caption.
func VideoMessage(from string, m MediaRef, caption string) InboundMessage {
	c := mediaContent(m)
	if caption != "" {
		c["caption"] = caption
	}
	return inbound(from, "video", c)
}

// AudioMessage is an audio file, or a voice note when voice is set.
func AudioMessage(from string, m MediaRef, voice bool) InboundMessage {
	c := mediaContent(m)
	c["voice"] = voice
	return inbound(from, "audio", c)
}

// DocumentMessage is a file with its name and an optional caption.
func DocumentMessage(from string, m MediaRef, filename, caption string) InboundMessage {
	c := mediaContent(m)
	c["filename"] = filename
	if caption != "" {
		c["caption"] = caption
	}
	return inbound(from, "document", c)
}

// StickerMessage is a sticker (image/webp).
func StickerMessage(from string, m MediaRef, animated bool) InboundMessage {
	c := mediaContent(m)
	c["animated"] = animated
	return inbound(from, "sticker", c)
}

// LocationMessage is a shared pin; name and address are empty for a shared
// current location.
func LocationMessage(from string, lat, long float64, name, address string) InboundMessage {
	c := obj{"latitude": lat, "longitude": long}
	if name != "" {
		c["name"] = name
	}
	if address != "" {
		c["address"] = address
	}
	return inbound(from, "location", c)
}

// ContactsMessage shares one contact card. Its content is an array.
func ContactsMessage(from, formattedName, phone string) InboundMessage {
	return inbound(from, "contacts", []obj{{
		"name":   obj{"formatted_name": formattedName, "first_name": formattedName},
		"phones": []obj{{"phone": phone, "wa_id": digits(phone), "type": "MOBILE"}},
	}})
}

// ButtonReplyMessage is a tap on a reply button of our message replyTo.
func ButtonReplyMessage(from, replyTo, id, title string) InboundMessage {
	m := inbound(from, "interactive", obj{"type": "button_reply", "button_reply": obj{"id": id, "title": title}})
	m.Context = &ReplyContext{ID: replyTo}
	return m
}

// ListReplyMessage is a choice from a list message replyTo.
func ListReplyMessage(from, replyTo, id, title, description string) InboundMessage {
	reply := obj{"id": id, "title": title}
	if description != "" {
		reply["description"] = description
	}
	m := inbound(from, "interactive", obj{"type": "list_reply", "list_reply": reply})
	m.Context = &ReplyContext{ID: replyTo}
	return m
}

// FlowReplyMessage is a completed WhatsApp Flow; responseJSON is the JSON
// string Meta sends (it includes the flow_token).
func FlowReplyMessage(from, replyTo, responseJSON string) InboundMessage {
	m := inbound(from, "interactive", obj{"type": "nfm_reply",
		"nfm_reply": obj{"name": "flow", "body": "Sent", "response_json": responseJSON}})
	m.Context = &ReplyContext{ID: replyTo}
	return m
}

// QuickReplyMessage is a tap on a template's quick-reply button (type
// "button").
func QuickReplyMessage(from, replyTo, payload, text string) InboundMessage {
	m := inbound(from, "button", obj{"payload": payload, "text": text})
	m.Context = &ReplyContext{ID: replyTo}
	return m
}

// ReactionMessage reacts to message wamid; an empty emoji removes the
// reaction.
func ReactionMessage(from, wamid, emoji string) InboundMessage {
	return inbound(from, "reaction", obj{"message_id": wamid, "emoji": emoji})
}

// OrderItem is one product line of an order.
type OrderItem struct {
	ProductRetailerID string  `json:"product_retailer_id"`
	Quantity          int     `json:"quantity"`
	ItemPrice         float64 `json:"item_price"`
	Currency          string  `json:"currency"`
}

// OrderMessage is a cart sent from a catalog.
func OrderMessage(from, catalogID, text string, items ...OrderItem) InboundMessage {
	return inbound(from, "order", obj{"catalog_id": catalogID, "text": text, "product_items": items})
}

// ChangedNumberMessage is the system message sent when a user changes
// number; it comes without contacts.
func ChangedNumberMessage(from, newWAID string) InboundMessage {
	m := inbound(from, "system", obj{
		"body":  "User " + from + " changed from " + from + " to " + newWAID,
		"wa_id": newWAID, "type": "user_changed_number",
	})
	m.NoContact = true
	return m
}

// UnsupportedMessage is a message type the Cloud API does not support.
func UnsupportedMessage(from string) InboundMessage {
	m := inbound(from, "unsupported", nil)
	m.Errors = []StatusError{{
		Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
		Details: "Message type is currently not supported.",
	}}
	return m
}

// RevokeMessage says the user deleted their message originalID.
func RevokeMessage(from, originalID string) InboundMessage {
	return inbound(from, "revoke", obj{"original_message_id": originalID})
}

// EditMessage says the user edited their message originalID; edited is the
// new version (its type and content are used).
func EditMessage(from, originalID string, edited InboundMessage) InboundMessage {
	return inbound(from, "edit", obj{
		"original_message_id": originalID,
		"message":             obj{"type": edited.Type, edited.Type: edited.Content},
	})
}
