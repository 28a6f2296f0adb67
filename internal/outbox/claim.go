package outbox

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/whatsapp"
)

// candidates is how many due messages one look considers.
const candidates = 8

// job is one claimed outbound message and what sending it needs.
type job struct {
	m       *ent.Message
	integ   *ent.Integration
	contact *ent.Contact
	msg     whatsapp.Message
	// lastInbound opens the 24-hour window; nil when the contact never wrote.
	lastInbound *time.Time
}

// sendNext claims and sends the due messages of one look, each the head of
// its conversation, and reports whether it sent any. A message another
// sender claimed meanwhile fails the claim and is passed over.
func (s *Sender) sendNext(ctx context.Context) (bool, error) {
	now := s.now()
	due, err := s.client.Message.Query().
		Where(
			message.DirectionEQ(message.DirectionOUTBOUND),
			message.StatusEQ(message.StatusQUEUED),
			message.Or(message.NextAttemptAtIsNil(), message.NextAttemptAtLTE(now)),
			headOfConversation,
		).
		Order(message.ByID()).
		Limit(candidates).
		All(ctx)
	if err != nil {
		return false, fmt.Errorf("outbox: finding due messages: %w", err)
	}
	sent := false
	for _, m := range due {
		if ctx.Err() != nil {
			break
		}
		inDoubt := m.AttemptStartedAt != nil
		ok, err := s.claim(ctx, m, s.now()) // not the look's time: the sends before took some
		if err != nil {
			return sent, err
		}
		if !ok {
			continue
		}
		s.run(ctx, m, inDoubt)
		sent = true
	}
	return sent, nil
}

// headOfConversation keeps the oldest QUEUED outbound message of each
// conversation: the next one waits until it is SENT or FAILED.
func headOfConversation(s *sql.Selector) {
	b := sql.Dialect(s.Dialect())
	prev := b.Table(message.Table).As("prev")
	s.Where(sql.Not(sql.Exists(
		b.Select(prev.C(message.FieldID)).From(prev).Where(sql.And(
			sql.ColumnsEQ(prev.C(message.FieldConversationID), s.C(message.FieldConversationID)),
			sql.EQ(prev.C(message.FieldDirection), string(message.DirectionOUTBOUND)),
			sql.EQ(prev.C(message.FieldStatus), string(message.StatusQUEUED)),
			sql.ColumnsLT(prev.C(message.FieldID), s.C(message.FieldID)),
		)),
	)))
}

// claim takes m for one attempt. The attempts guard makes it a
// compare-and-set: exactly one of several senders reading the same row
// wins. m is updated to what was written.
func (s *Sender) claim(ctx context.Context, m *ent.Message, now time.Time) (bool, error) {
	upd := s.client.Message.Update().
		Where(message.ID(m.ID), message.StatusEQ(message.StatusQUEUED), message.Attempts(m.Attempts)).
		AddAttempts(1).
		SetNextAttemptAt(now.Add(s.opts.Lease)).
		SetUpdatedAt(now)
	if m.AttemptStartedAt == nil {
		upd.SetAttemptStartedAt(now)
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return false, fmt.Errorf("outbox: claiming message %d: %w", m.ID, err)
	}
	if n != 1 {
		return false, nil
	}
	m.Attempts++
	if m.AttemptStartedAt == nil {
		m.AttemptStartedAt = &now
	}
	return true, nil
}

// load reads what sending m needs.
func (s *Sender) load(ctx context.Context, m *ent.Message) (*job, error) {
	j := &job{m: m}
	var err error
	if j.integ, err = s.client.Integration.Get(ctx, m.IntegrationID); err != nil {
		return nil, fmt.Errorf("outbox: reading integration: %w", err)
	}
	if m.ContactID == nil {
		return j, nil
	}
	if j.contact, err = s.client.Contact.Get(ctx, *m.ContactID); err != nil {
		return nil, fmt.Errorf("outbox: reading contact: %w", err)
	}
	j.lastInbound = j.contact.LastInboundAt
	if j.lastInbound == nil {
		// Contacts stored before last_inbound_at was kept: their newest message.
		last, err := s.client.Message.Query().
			Where(message.ContactID(j.contact.ID), message.DirectionEQ(message.DirectionINBOUND)).
			Order(message.ByID(sql.OrderDesc())).
			First(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return nil, fmt.Errorf("outbox: reading last inbound message: %w", err)
		}
		if last != nil {
			at := last.CreatedAt
			if last.WaTimestamp != nil {
				at = *last.WaTimestamp
			}
			j.lastInbound = &at
		}
	}
	return j, nil
}
