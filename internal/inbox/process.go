package inbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
)

// outcome is what one committed message produced. Its events are
// published by the ent hooks (package events) when the commit succeeds.
type outcome struct {
	queued bool // replies or a read receipt for the outbox
}

// processContact processes the contact's next message in one transaction.
// It returns errSkip when another worker holds the contact or it has
// nothing due.
func (p *Processor) processContact(parent context.Context, contactID int) error {
	ctx, cancel := context.WithTimeout(parent, p.opts.ProcessTimeout)
	defer cancel()
	now := p.opts.Now().UTC()
	tx, err := p.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("inbox: beginning: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	c, err := p.lockContact(ctx, tx, contactID)
	if err != nil {
		return err
	}
	m, err := headMessage(ctx, tx, contactID, now)
	if err != nil {
		return err
	}
	out, err := p.handle(ctx, tx, c, m, now)
	if err == nil && p.beforeCommit != nil {
		err = p.beforeCommit(m.ID)
	}
	if err == nil {
		err = tx.Commit()
		committed = err == nil
	}
	if err != nil {
		if !errors.Is(err, errSkip) {
			_ = tx.Rollback()
			committed = true // rolled back; nothing left for the deferred rollback
			p.deferMessage(parent, m, err)
		}
		return err
	}
	if out.queued {
		p.opts.OnQueued()
	}
	return nil
}

// deferMessage schedules another try of a message whose transaction failed
// for a reason that is not the bot's, and fails it after MaxAttempts. A
// worker stopping (parent ended) is no reason to count an attempt.
func (p *Processor) deferMessage(parent context.Context, m *ent.Message, cause error) {
	if parent.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), 10*time.Second)
	defer cancel()
	now := p.opts.Now().UTC()
	upd := p.client.Message.Update().
		Where(message.ID(m.ID), message.StatusEQ(message.StatusRECEIVED), message.Attempts(m.Attempts)).
		AddAttempts(1)
	if m.Attempts+1 >= p.opts.MaxAttempts {
		upd.SetStatus(message.StatusFAILED).
			SetFailedAt(now).
			SetProcessedAt(now).
			SetErrorDetail(truncate("processing failed: "+cause.Error(), 1000)).
			ClearNextAttemptAt()
	} else {
		upd.SetNextAttemptAt(now.Add(retryDelay(m.Attempts)))
	}
	if err := upd.Exec(ctx); err != nil {
		p.log.Error("inbox: deferring message", "message_id", m.ID, "err", err)
	}
	p.log.Warn("inbox: message deferred", "message_id", m.ID, "attempt", m.Attempts+1, "err", cause)
}

// retryDelay is 1s, 2s, 4s … capped at a minute.
func retryDelay(attempt int) time.Duration {
	d := time.Second
	for range min(attempt, 6) {
		d *= 2
	}
	return min(d, time.Minute)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
