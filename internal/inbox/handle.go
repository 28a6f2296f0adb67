package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/flowengine"
)

// handle decides what message m means and writes it in tx; the caller
// commits. Errors are not the bot's: they roll everything back.
func (p *Processor) handle(ctx context.Context, tx *ent.Tx, c *ent.Contact, m *ent.Message, now time.Time) (outcome, error) {
	integ, err := tx.Integration.Get(ctx, m.IntegrationID)
	if err != nil {
		return outcome{}, fmt.Errorf("inbox: reading integration: %w", err)
	}
	if !integ.Active {
		return p.ignore(ctx, tx, m, nil, "integration inactive", now)
	}
	active, err := activeConversation(ctx, tx, c.ID)
	if err != nil {
		return outcome{}, err
	}
	in, why := inputOf(m)
	if why != "" {
		return p.ignore(ctx, tx, m, active, why, now)
	}
	if !allowedSender(integ.TriggerRecipients, c.WaID) {
		return p.ignore(ctx, tx, m, nil, "sender is not a trigger recipient", now)
	}
	in.Contact = flowengine.Contact{Name: c.ProfileName, Phone: c.WaID}

	at := messageTime(m)
	conv, expired := active, (*ent.Conversation)(nil)
	if conv != nil && idleTooLong(conv, integ.ConversationExpiry, at) {
		conv, expired = nil, active
	}
	var (
		versionID int
		state     flowengine.State
	)
	if conv != nil {
		versionID = conv.BotVersionID
		if len(conv.State) > 0 && string(conv.State) != "null" {
			if err := json.Unmarshal(conv.State, &state); err != nil {
				return p.fail(ctx, tx, m, conv, integrationerror.KindFLOW_ERROR, "conversation state unreadable: "+err.Error(), now)
			}
		}
	} else {
		v, err := publishedVersion(ctx, tx, integ.BotID)
		if err != nil {
			return outcome{}, err
		}
		if v == nil {
			return p.fail(ctx, tx, m, nil, integrationerror.KindNO_BOT, "no published bot is connected to the integration", now)
		}
		versionID = v.ID
	}
	def, err := p.definition(ctx, tx, versionID)
	if err != nil {
		var bad *badDefinition
		if errors.As(err, &bad) {
			return p.fail(ctx, tx, m, conv, integrationerror.KindFLOW_ERROR, bad.Error(), now)
		}
		return outcome{}, err
	}
	res, err := p.engine.Step(ctx, def, state, in)
	if err != nil {
		if ctx.Err() != nil {
			return outcome{}, err // our deadline or shutdown, not the bot's fault
		}
		return p.fail(ctx, tx, m, conv, integrationerror.KindFLOW_ERROR, "flow error: "+err.Error(), now)
	}

	if expired != nil {
		if err := tx.Conversation.UpdateOneID(expired.ID).
			SetStatus(conversation.StatusEXPIRED).SetEndedAt(at).Exec(ctx); err != nil {
			return outcome{}, fmt.Errorf("inbox: expiring conversation: %w", err)
		}
	}
	conv, err = saveConversation(ctx, tx, integ, c, conv, versionID, res, at)
	if err != nil {
		return outcome{}, err
	}
	if err := queueReplies(ctx, tx, c, conv, res.Outputs, now); err != nil {
		return outcome{}, err
	}
	// next_attempt_at on a PROCESSED message asks the outbox for a read receipt.
	if err := markMessage(ctx, tx, m, message.StatusPROCESSED, now, func(u *ent.MessageUpdate) {
		u.SetConversationID(conv.ID).SetNextAttemptAt(now)
	}); err != nil {
		return outcome{}, err
	}
	return outcome{queued: true}, nil
}

// ignore records m as not for the bot. conv, when set, is linked for
// display only.
func (p *Processor) ignore(ctx context.Context, tx *ent.Tx, m *ent.Message, conv *ent.Conversation, why string, now time.Time) (outcome, error) {
	err := markMessage(ctx, tx, m, message.StatusIGNORED, now, func(u *ent.MessageUpdate) {
		u.SetErrorDetail(why).ClearNextAttemptAt()
		if conv != nil {
			u.SetConversationID(conv.ID)
		}
	})
	if err != nil {
		return outcome{}, err
	}
	return outcome{}, nil
}

// fail records that the bot could not answer m, and why, in the message
// and the integration's error log. The conversation is left as it was.
func (p *Processor) fail(ctx context.Context, tx *ent.Tx, m *ent.Message, conv *ent.Conversation, kind integrationerror.Kind, why string, now time.Time) (outcome, error) {
	why = truncate(why, 1000)
	err := markMessage(ctx, tx, m, message.StatusFAILED, now, func(u *ent.MessageUpdate) {
		u.SetErrorDetail(why).SetFailedAt(now).ClearNextAttemptAt()
		if conv != nil {
			u.SetConversationID(conv.ID)
		}
	})
	if err != nil {
		return outcome{}, err
	}
	detail := map[string]any{"message_id": m.ID}
	if m.Wamid != nil {
		detail["wamid"] = *m.Wamid
	}
	if conv != nil {
		detail["conversation_id"] = conv.ID
	}
	err = tx.IntegrationError.Create().
		SetAccountID(m.AccountID).
		SetIntegrationID(m.IntegrationID).
		SetKind(kind).
		SetMessage(why).
		SetDetail(detail).
		SetCreatedAt(now).
		Exec(ctx)
	if err != nil {
		return outcome{}, fmt.Errorf("inbox: recording integration error: %w", err)
	}
	p.log.Warn("inbox: message failed", "message_id", m.ID, "kind", kind, "reason", why)
	return outcome{}, nil
}

// markMessage moves m from RECEIVED to status; anything else means the
// claim was lost, which rolls the transaction back.
func markMessage(ctx context.Context, tx *ent.Tx, m *ent.Message, status message.Status, now time.Time, set func(*ent.MessageUpdate)) error {
	u := tx.Message.Update().
		Where(message.ID(m.ID), message.StatusEQ(message.StatusRECEIVED)).
		SetStatus(status).
		SetProcessedAt(now).
		SetUpdatedAt(now)
	set(u)
	n, err := u.Save(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("inbox: marking message %s: %w", status, err)
	case n != 1:
		return errSkip
	}
	return nil
}
