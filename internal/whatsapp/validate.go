package whatsapp

import (
	"fmt"
	"unicode/utf8"
)

// ValidationError says which field of a Message breaks WhatsApp's rules.
// Validate returns it before anything is sent, so it is never retryable.
type ValidationError struct {
	Field  string // JSON path, e.g. "interactive.action.buttons[1].reply.title"
	Reason string
}

func (e *ValidationError) Error() string {
	return "whatsapp: invalid message: " + e.Field + ": " + e.Reason
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// checkLen rejects an empty required value or one longer than max runes.
func checkLen(field, v string, required bool, max int) error {
	n := utf8.RuneCountInString(v)
	switch {
	case required && n == 0:
		return invalid(field, "required")
	case n > max:
		return invalid(field, "at most %d characters, got %d", max, n)
	}
	return nil
}

// Validate checks m against WhatsApp's limits for its type.
func Validate(m Message) error {
	if m.MessagingProduct != "" && m.MessagingProduct != "whatsapp" {
		return invalid("messaging_product", "must be \"whatsapp\"")
	}
	if m.To == "" {
		return invalid("to", "required")
	}
	switch m.Type {
	case TypeText:
		if m.Text == nil {
			return invalid("text", "required for type text")
		}
		return checkLen("text.body", m.Text.Body, true, MaxTextBody)
	case TypeImage:
		return validateMedia("image", m.Image, true, false)
	case TypeVideo:
		return validateMedia("video", m.Video, true, false)
	case TypeAudio:
		return validateMedia("audio", m.Audio, false, false)
	case TypeDocument:
		return validateMedia("document", m.Document, true, true)
	case TypeSticker:
		return validateMedia("sticker", m.Sticker, false, false)
	case TypeInteractive:
		return validateInteractive(m.Interactive)
	case TypeLocation:
		return validateLocation(m.Location)
	case TypeReaction:
		if m.Reaction == nil {
			return invalid("reaction", "required for type reaction")
		}
		if m.Reaction.MessageID == "" {
			return invalid("reaction.message_id", "required")
		}
		return nil
	case TypeTemplate:
		return validateTemplate(m.Template)
	case "":
		return invalid("type", "required")
	}
	return invalid("type", "unsupported type %q", m.Type)
}

// validateMedia enforces id xor link; captions exist only on image, video
// and document, filenames only on document.
func validateMedia(field string, m *Media, caption, filename bool) error {
	if m == nil {
		return invalid(field, "required for type %s", field)
	}
	switch {
	case m.ID == "" && m.Link == "":
		return invalid(field, "either id or link is required")
	case m.ID != "" && m.Link != "":
		return invalid(field, "id and link are mutually exclusive")
	case !caption && m.Caption != "":
		return invalid(field+".caption", "not allowed on %s", field)
	case !filename && m.Filename != "":
		return invalid(field+".filename", "only allowed on document")
	}
	return checkLen(field+".caption", m.Caption, false, MaxCaption)
}

func validateLocation(l *Location) error {
	switch {
	case l == nil:
		return invalid("location", "required for type location")
	case l.Latitude < -90 || l.Latitude > 90:
		return invalid("location.latitude", "must be within [-90, 90]")
	case l.Longitude < -180 || l.Longitude > 180:
		return invalid("location.longitude", "must be within [-180, 180]")
	}
	return nil
}

func validateTemplate(t *Template) error {
	switch {
	case t == nil:
		return invalid("template", "required for type template")
	case t.Name == "":
		return invalid("template.name", "required")
	case t.Language.Code == "":
		return invalid("template.language.code", "required")
	}
	return nil
}
