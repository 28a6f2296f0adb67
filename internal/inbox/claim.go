package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
)

// candidates is how many contacts with due messages one look considers.
const candidates = 32

// contactLockSpace is the first key of the PostgreSQL advisory locks that
// claim contacts (the second is the contact id). The two-key space is
// separate from the one-key space of the migration lock.
const contactLockSpace = 72630002

// processNext processes the next message of each contact with due
// messages, up to candidates of them, the one waiting longest first, and
// reports whether it processed any. One look serves many contacts: the
// look is an aggregate over the whole inbox, too dear to repeat for every
// message when a backlog builds up.
func (p *Processor) processNext(ctx context.Context) (bool, error) {
	now := p.opts.Now()
	ids, err := p.dueContacts(ctx, now)
	if err != nil {
		return false, err
	}
	if len(ids) == 0 {
		return false, p.ignoreContactless(ctx, now)
	}
	did := false
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		if !p.busy.tryAdd(id) {
			continue // another worker of this process has it
		}
		err := p.processContact(ctx, id)
		p.busy.remove(id)
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			return true, err
		}
		did = true
	}
	return did, nil
}

// dueContacts returns the contacts with due RECEIVED messages, the one
// waiting longest first.
func (p *Processor) dueContacts(ctx context.Context, now time.Time) ([]int, error) {
	var rows []struct {
		ContactID int `json:"contact_id"`
	}
	err := p.client.Message.Query().
		Where(dueInbound(now), message.ContactIDNotNil()).
		Modify(func(s *sql.Selector) {
			s.Select(s.C(message.FieldContactID)).
				GroupBy(s.C(message.FieldContactID)).
				OrderExpr(sql.Expr("MIN(" + s.C(message.FieldID) + ")")).
				Limit(candidates)
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("inbox: finding due messages: %w", err)
	}
	ids := make([]int, len(rows))
	for i, r := range rows {
		ids[i] = r.ContactID
	}
	return ids, nil
}

func dueInbound(now time.Time) func(*sql.Selector) {
	return func(s *sql.Selector) {
		s.Where(sql.And(
			sql.EQ(s.C(message.FieldStatus), message.StatusRECEIVED),
			sql.EQ(s.C(message.FieldDirection), message.DirectionINBOUND),
			sql.Or(sql.IsNull(s.C(message.FieldNextAttemptAt)), sql.LTE(s.C(message.FieldNextAttemptAt), now)),
		))
	}
}

// ignoreContactless marks messages that name no contact IGNORED: no bot
// can answer them. The webhook stores such rows only for malformed senders.
func (p *Processor) ignoreContactless(ctx context.Context, now time.Time) error {
	err := p.client.Message.Update().
		Where(dueInbound(now), message.ContactIDIsNil()).
		SetStatus(message.StatusIGNORED).
		SetErrorDetail("no sender").
		SetProcessedAt(now).
		ClearNextAttemptAt().
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("inbox: ignoring messages without sender: %w", err)
	}
	return nil
}

// lockContact claims the contact for the transaction, or returns errSkip
// when another worker holds it.
func (p *Processor) lockContact(ctx context.Context, tx *ent.Tx, id int) (*ent.Contact, error) {
	if p.opts.Dialect == dialect.Postgres {
		rows, err := tx.QueryContext(ctx, "SELECT pg_try_advisory_xact_lock($1, $2)", contactLockSpace, id)
		if err != nil {
			return nil, fmt.Errorf("inbox: locking contact %d: %w", id, err)
		}
		var locked bool
		if rows.Next() {
			err = rows.Scan(&locked)
		}
		if err == nil {
			err = rows.Err()
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("inbox: locking contact %d: %w", id, err)
		}
		if !locked {
			return nil, errSkip
		}
	}
	c, err := tx.Contact.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errSkip
	}
	return c, err
}

// headMessage returns the contact's next message in WhatsApp's order, or
// errSkip when it is not due yet (it was deferred after an error, and the
// contact's later messages wait behind it).
func headMessage(ctx context.Context, tx *ent.Tx, contactID int, now time.Time) (*ent.Message, error) {
	m, err := tx.Message.Query().
		Where(
			message.ContactID(contactID),
			message.StatusEQ(message.StatusRECEIVED),
			message.DirectionEQ(message.DirectionINBOUND),
		).
		Order(message.ByWaTimestamp(sql.OrderNullsFirst()), message.ByID()).
		First(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, errSkip
	case err != nil:
		return nil, fmt.Errorf("inbox: reading the next message: %w", err)
	case m.NextAttemptAt != nil && m.NextAttemptAt.After(now):
		return nil, errSkip
	}
	return m, nil
}
