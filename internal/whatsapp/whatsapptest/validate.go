package whatsapptest

import (
	"fmt"
	"unicode/utf8"
)

// Meta's limits, restated here rather than imported: the simulator plays
// Meta and must not share the client's notion of what is valid.
const (
	maxTextBody       = 4096
	maxButtons        = 3
	maxButtonID       = 256
	maxButtonTitle    = 20
	maxButtonBody     = 1024
	maxListBody       = 4096
	maxListButton     = 20
	maxSections       = 10
	maxRows           = 10
	maxRowID          = 200
	maxRowTitle       = 24
	maxRowDescription = 72
	maxSectionTitle   = 24
	maxHeaderText     = 60
	maxFooterText     = 60
)

const messageTypes = "AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LINK_PREVIEW, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO"

const interactiveTypes = "BUTTON, CATALOG_MESSAGE, CTA_URL, FLOW, LIST, LOCATION_REQUEST_MESSAGE, PRODUCT, PRODUCT_LIST"

func runes(s string) int { return utf8.RuneCountInString(s) }

// lengthInvalid words a length error like Meta's "Button title length
// invalid. Min length: 1, Max length: 20".
func lengthInvalid(what string, max int) *graphError {
	return errInvalidValue(fmt.Sprintf("%s length invalid. Min length: 1, Max length: %d", what, max))
}

// validateSend checks a send the way the Cloud API does; the first problem
// wins.
func validateSend(req *sendRequest) *graphError {
	if req.To == "" {
		return errParamRequired("to")
	}
	if req.Type == "" {
		req.Type = "text" // Meta's default type
	}
	switch req.Type {
	case "text":
		return validateText(req.Text)
	case "image":
		return validateMedia("image", req.Image)
	case "video":
		return validateMedia("video", req.Video)
	case "audio":
		return validateMedia("audio", req.Audio)
	case "document":
		return validateMedia("document", req.Document)
	case "sticker":
		return validateMedia("sticker", req.Sticker)
	case "interactive":
		return validateInteractive(req.Interactive)
	case "location":
		return validateLocation(req.Location)
	case "reaction":
		return validateReaction(req.Reaction)
	case "template":
		return validateTemplate(req.Template)
	case "contacts":
		if len(req.Contacts) == 0 {
			return errParamRequired("contacts")
		}
		return nil
	}
	return errParamOneOf("type", messageTypes, req.Type)
}

func validateText(t *textObject) *graphError {
	switch {
	case t == nil || t.Body == nil || *t.Body == "":
		return errParamRequired("text['body']")
	case runes(*t.Body) > maxTextBody:
		return errParamTooLong("text['body']", maxTextBody)
	}
	return nil
}

func validateMedia(kind string, m *mediaObject) *graphError {
	switch {
	case m == nil:
		return errParamRequired(kind)
	case m.ID == "" && m.Link == "":
		return errMissing(fmt.Sprintf("Either %s['id'] or %s['link'] is required.", kind, kind))
	case m.ID != "" && m.Link != "":
		return errInvalidParameter(fmt.Sprintf("Only one of %s['id'] and %s['link'] may be set.", kind, kind))
	}
	return nil
}

func validateLocation(l *locationObject) *graphError {
	switch {
	case l == nil:
		return errParamRequired("location")
	case l.Latitude == nil:
		return errMissing("location['latitude'] is required.")
	case l.Longitude == nil:
		return errMissing("location['longitude'] is required.")
	case *l.Latitude < -90 || *l.Latitude > 90 || *l.Longitude < -180 || *l.Longitude > 180:
		return errInvalidValue("Invalid latitude or longitude.")
	}
	return nil
}

func validateReaction(r *reactionObject) *graphError {
	switch {
	case r == nil:
		return errParamRequired("reaction")
	case r.MessageID == nil || *r.MessageID == "":
		return errMissing("reaction['message_id'] is required.")
	case r.Emoji == nil:
		return errMissing("reaction['emoji'] is required.")
	}
	return nil
}

func validateTemplate(t *templateObject) *graphError {
	switch {
	case t == nil:
		return errParamRequired("template")
	case t.Name == "":
		return errMissing("template['name'] is required.")
	case t.Language == nil || t.Language.Code == "":
		return errMissing("template['language']['code'] is required.")
	}
	return nil
}
