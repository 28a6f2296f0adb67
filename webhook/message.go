package webhook

import (
	"fmt"

	"github.com/segmentio/encoding/json"
)

type wireContact struct {
	WAID    flexString `json:"wa_id"`
	UserID  flexString `json:"user_id"`
	Profile struct {
		Name flexString `json:"name"`
	} `json:"profile"`
}

// messageFields is a message's common fields and its rendered parts.
type messageFields struct {
	wireMessage
	renderContent
}

type wireMessage struct {
	ID         flexString `json:"id"`
	From       flexString `json:"from"`
	FromUserID flexString `json:"from_user_id"`
	Timestamp  flexString `json:"timestamp"`
	Type       flexString `json:"type"`
}

func parseContacts(raws []json.RawMessage) []wireContact {
	out := make([]wireContact, 0, len(raws))
	for _, raw := range raws {
		var c wireContact
		if unmarshal(raw, &c) == nil {
			out = append(out, c)
		}
	}
	return out
}

// parseMessage reads the fields every message type has and keeps the
// object whole, so a type we do not know yet is stored rather than dropped.
func parseMessage(raw json.RawMessage, contacts []wireContact) (Message, error) {
	// One decode reads both the common fields and what the rendering needs.
	var f messageFields
	if err := unmarshal(raw, &f); err != nil {
		// A part of the wrong shape leaves the rest decoded; only the common
		// fields must be readable.
		if err := unmarshal(raw, &f.wireMessage); err != nil {
			return Message{}, err
		}
	}
	w := f.wireMessage
	id := clean(string(w.ID))
	if id == "" || len(id) > maxWAMIDLen {
		return Message{}, fmt.Errorf("message id %.40q is missing or too long", id)
	}
	typ := clean(string(w.Type))
	if typ == "" {
		typ = "unknown"
	}
	typ = truncate(typ, maxTypeLen)
	m := Message{
		ID:        id,
		Type:      typ,
		Timestamp: unixTime(w.Timestamp),
		Raw:       storableJSON(raw),
		System:    typ == "system",
	}
	m.Text = clean(renderText(typ, &f.renderContent))
	from, fromUser := clean(string(w.From)), clean(string(w.FromUserID))
	c, found := matchContact(contacts, from, fromUser)
	if found {
		m.ProfileName = clean(string(c.Profile.Name))
		m.UserID = clean(string(c.UserID))
	}
	if m.UserID == "" {
		m.UserID = fromUser
	}
	if len(m.UserID) > maxUserIDLen {
		m.UserID = ""
	}
	m.ContactKey = firstNonEmpty(from, fromUser, clean(string(c.WAID)), clean(string(c.UserID)))
	if len(m.ContactKey) > maxWAIDLen {
		m.ContactKey = "" // stored without a contact rather than not at all
	}
	return m, nil
}

// matchContact finds the value.contacts[] item of a message: by phone, by
// business-scoped user id, or the only one there is (wa_id and from may
// differ, e.g. for numbers Meta rewrites).
func matchContact(contacts []wireContact, from, fromUser string) (wireContact, bool) {
	for _, c := range contacts {
		if (from != "" && string(c.WAID) == from) || (fromUser != "" && string(c.UserID) == fromUser) {
			return c, true
		}
	}
	if len(contacts) == 1 {
		return contacts[0], true
	}
	return wireContact{}, false
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

type wireStatus struct {
	ID          flexString      `json:"id"`
	Status      flexString      `json:"status"`
	Timestamp   flexString      `json:"timestamp"`
	RecipientID flexString      `json:"recipient_id"`
	Callback    flexString      `json:"biz_opaque_callback_data"`
	Errors      json.RawMessage `json:"errors"`
}

func parseStatus(raw json.RawMessage) (Status, error) {
	var w wireStatus
	if err := unmarshal(raw, &w); err != nil {
		return Status{}, err
	}
	s := Status{
		ID:          clean(string(w.ID)),
		Status:      clean(string(w.Status)),
		Timestamp:   unixTime(w.Timestamp),
		RecipientID: clean(string(w.RecipientID)),
	}
	// Meta caps the value we send at 512 characters; anything longer is
	// not ours and is dropped rather than failing the status.
	if cb := clean(string(w.Callback)); len(cb) <= maxCallbackLen {
		s.CallbackData = cb
	}
	if s.ID == "" || len(s.ID) > maxWAMIDLen || s.Status == "" || len(s.Status) > maxStatusLen {
		return Status{}, fmt.Errorf("status %.40q of %.40q is malformed", s.Status, s.ID)
	}
	var errs []json.RawMessage
	if len(w.Errors) > 0 && unmarshal(w.Errors, &errs) == nil && len(errs) > 0 {
		s.Errors = storableJSON(w.Errors)
		if e, ok := parseAPIError(errs[0]); ok {
			s.Error = &e
		}
	}
	return s, nil
}

type wireAPIError struct {
	Code      flexInt    `json:"code"`
	Title     flexString `json:"title"`
	Message   flexString `json:"message"`
	Details   flexString `json:"details"` // older payloads put details here
	Href      flexString `json:"href"`
	ErrorData struct {
		Details flexString `json:"details"`
	} `json:"error_data"`
}

func parseAPIError(raw json.RawMessage) (APIError, bool) {
	var w wireAPIError
	if unmarshal(raw, &w) != nil {
		return APIError{}, false
	}
	return APIError{
		Code:    int(w.Code),
		Title:   clean(string(w.Title)),
		Message: clean(string(w.Message)),
		Details: clean(firstNonEmpty(string(w.ErrorData.Details), string(w.Details))),
		Href:    clean(string(w.Href)),
	}, true
}
