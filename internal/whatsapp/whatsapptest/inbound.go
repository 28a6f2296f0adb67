package whatsapptest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// InboundMessage is one user message as it appears in value.messages[].
// Build one with the *Message constructors; fields may be adjusted after.
type InboundMessage struct {
	From        string // the user's wa_id
	ProfileName string
	ID          string    // generated when empty
	Timestamp   time.Time // now when zero
	Type        string
	Content     any           // the object under the Type key; nil for none
	Context     *ReplyContext // the message being replied to
	Errors      []StatusError // e.g. 131051 on unsupported messages
	// NoContact leaves out value.contacts, as Meta does for system messages.
	NoContact bool
}

// ReplyContext is an inbound message's context: the business message the
// user replied to (button and list replies carry one).
type ReplyContext struct {
	From string `json:"from,omitempty"` // the business number
	ID   string `json:"id"`
}

func (m InboundMessage) marshal(now time.Time) (json.RawMessage, error) {
	ts := m.Timestamp
	if ts.IsZero() {
		ts = now
	}
	out := map[string]any{
		"from":      m.From,
		"id":        m.ID,
		"timestamp": strconv.FormatInt(ts.Unix(), 10), // a string, as Meta sends it
		"type":      m.Type,
	}
	if m.Content != nil {
		out[m.Type] = m.Content
	}
	if m.Context != nil {
		out["context"] = m.Context
	}
	if len(m.Errors) > 0 {
		out["errors"] = m.Errors
	}
	return json.Marshal(out)
}

// PostInbound posts one webhook carrying msgs, received by phoneNumberID.
// Message ids left empty are filled in (and returned through Delivery.Body).
func (s *Simulator) PostInbound(ctx context.Context, hook Webhook, phoneNumberID string, msgs ...InboundMessage) (Delivery, error) {
	p, ok := s.phone(phoneNumberID)
	if !ok {
		return Delivery{}, fmt.Errorf("whatsapptest: unknown phone number id %q", phoneNumberID)
	}
	var v value
	seen := make(map[string]bool)
	for _, m := range msgs {
		if m.ID == "" {
			m.ID = s.newWAMID()
		}
		if m.Context != nil && m.Context.From == "" {
			c := *m.Context
			c.From = p.display // replies quote a message from the business number
			m.Context = &c
		}
		raw, err := m.marshal(s.cfg.Now())
		if err != nil {
			return Delivery{}, err
		}
		v.Messages = append(v.Messages, raw)
		if !m.NoContact && !seen[m.From] {
			seen[m.From] = true
			c := contact{WAID: m.From}
			c.Profile.Name = m.ProfileName
			v.Contacts = append(v.Contacts, c)
		}
	}
	body, err := s.envelope(p, v)
	if err != nil {
		return Delivery{}, err
	}
	return s.PostPayload(ctx, hook, body)
}
