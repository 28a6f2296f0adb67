package webhook

import (
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/encoding/json"
)

// Payload is a webhook body, flattened: every entry × change in order.
type Payload struct {
	Object  string
	Changes []Change
	// Skipped says why parts of the body were left out (malformed entries,
	// changes, messages or statuses); the rest is still stored.
	Skipped []string
}

// Change is one entry[].changes[] item.
type Change struct {
	EntryID       string // the WhatsApp Business Account id
	Field         string // "messages", "message_template_status_update", …
	PhoneNumberID string // value.metadata.phone_number_id; empty for account-level fields
	Value         json.RawMessage
	Messages      []Message
	Statuses      []Status
	Errors        []APIError // change-level value.errors[]
}

// Message is one inbound value.messages[] item.
type Message struct {
	ID         string // wamid
	Type       string
	Timestamp  time.Time // zero when Meta's value was missing or unreadable
	Raw        json.RawMessage
	Text       string // a readable rendering for lists and dashboards
	ContactKey string // the Contact's wa_id: the user's phone, else their business-scoped user id
	// From the matching value.contacts[] item, when there is one.
	ProfileName string
	UserID      string
	// System messages are not the user writing: they do not open the
	// customer service window.
	System bool
}

// Status is one value.statuses[] item: news about a message we sent.
type Status struct {
	ID          string // wamid of our message
	Status      string // Meta's value, kept as sent: sent, delivered, read, played, failed, …
	Timestamp   time.Time
	RecipientID string
	// CallbackData is the biz_opaque_callback_data we sent with the message,
	// echoed back: the outbox's proof that Meta accepted an attempt in doubt.
	CallbackData string
	Errors       json.RawMessage // errors[] as received
	Error        *APIError       // the first of them
}

// APIError is an error object inside a webhook (change-level, in a failed
// status, or on an unsupported inbound message).
type APIError struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
	Details string `json:"details,omitempty"`
	Href    string `json:"href,omitempty"`
}

// Field limits of the tables the values go to; longer values are malformed.
const (
	maxWAMIDLen    = 256
	maxCallbackLen = 512 // biz_opaque_callback_data
	maxTypeLen     = 64
	maxWAIDLen     = 64
	maxUserIDLen   = 128
	maxStatusLen   = 32
	maxFieldLen    = 128
	messagesField  = "messages" // the field that carries messages and statuses
)

// ErrInvalidPayload is returned for a body that is not a webhook payload at
// all: not JSON, or not an object with an entry array.
var ErrInvalidPayload = errors.New("invalid webhook payload")

type wirePayload struct {
	Object flexString        `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type wireEntry struct {
	ID      flexString        `json:"id"`
	Changes []json.RawMessage `json:"changes"`
}

type wireChange struct {
	Field flexString      `json:"field"`
	Value json.RawMessage `json:"value"`
}

type wireValue struct {
	Metadata struct {
		PhoneNumberID flexString `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []json.RawMessage `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []json.RawMessage `json:"statuses"`
	Errors   []json.RawMessage `json:"errors"`
}

// wellFormed is the shape of nearly every body. Decoding it in one call
// reads the bytes once per level fewer than the lenient path below.
type wellFormed struct {
	Object flexString `json:"object"`
	Entry  []struct {
		ID      flexString   `json:"id"`
		Changes []wireChange `json:"changes"`
	} `json:"entry"`
}

// ParsePayload decodes a webhook body. Only a body that is not a JSON
// object with an entry array is an error; a malformed part inside is left
// out and named in Skipped, so that one odd item does not make Meta
// redeliver the rest for days. The raw parts of the result (Value, Raw,
// Errors) share body's memory: body must not change while they are used.
func ParsePayload(body []byte) (*Payload, error) {
	var fast wellFormed
	if unmarshal(body, &fast) == nil {
		p := &Payload{Object: string(fast.Object)}
		for i, e := range fast.Entry {
			for j, wc := range e.Changes {
				p.addChange(wc, string(e.ID), i, j)
			}
		}
		return p, nil
	}
	return parseLenient(body)
}

// parseLenient decodes level by level, so that a malformed entry or
// change costs only itself.
func parseLenient(body []byte) (*Payload, error) {
	var w wirePayload
	if err := unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	p := &Payload{Object: string(w.Object)}
	for i, rawEntry := range w.Entry {
		var e wireEntry
		if err := unmarshal(rawEntry, &e); err != nil {
			p.skip("entry %d: %v", i, err)
			continue
		}
		for j, rawChange := range e.Changes {
			var wc wireChange
			if err := unmarshal(rawChange, &wc); err != nil {
				p.skip("entry %d change %d: %v", i, j, err)
				continue
			}
			p.addChange(wc, string(e.ID), i, j)
		}
	}
	return p, nil
}

// unmarshal is json.Unmarshal whose json.RawMessage values point into b
// instead of copying it: a body's raw parts are kept, nested, and stored.
func unmarshal(b []byte, v any) error {
	rest, err := json.Parse(b, v, json.DontCopyRawMessage)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("invalid character %q after top-level value", rest[0])
	}
	return err
}

func (p *Payload) skip(format string, args ...any) {
	p.Skipped = append(p.Skipped, fmt.Sprintf(format, args...))
}

func (p *Payload) addChange(wc wireChange, entryID string, i, j int) {
	field := clean(string(wc.Field))
	if field == "" || len(field) > maxFieldLen {
		p.skip("entry %d change %d: field %.40q is missing or too long", i, j, field)
		return
	}
	c := Change{EntryID: clean(entryID), Field: field, Value: wc.Value}
	p.parseValue(&c, i, j)
	p.Changes = append(p.Changes, c)
}

// parseValue reads the messages, statuses and errors of a change. Fields
// other than "messages" keep only their raw value and phone number.
func (p *Payload) parseValue(c *Change, i, j int) {
	var v wireValue
	if err := unmarshal(c.Value, &v); err != nil {
		if c.Field == messagesField {
			p.skip("entry %d change %d value: %v", i, j, err)
		}
		return
	}
	c.PhoneNumberID = clean(string(v.Metadata.PhoneNumberID))
	if c.Field != messagesField {
		return
	}
	contacts := parseContacts(v.Contacts)
	for k, raw := range v.Messages {
		m, err := parseMessage(raw, contacts)
		if err != nil {
			p.skip("entry %d change %d message %d: %v", i, j, k, err)
			continue
		}
		c.Messages = append(c.Messages, m)
	}
	for k, raw := range v.Statuses {
		s, err := parseStatus(raw)
		if err != nil {
			p.skip("entry %d change %d status %d: %v", i, j, k, err)
			continue
		}
		c.Statuses = append(c.Statuses, s)
	}
	for _, raw := range v.Errors {
		if e, ok := parseAPIError(raw); ok {
			c.Errors = append(c.Errors, e)
		}
	}
}
