package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/webhook"
)

// errClaimLost says another sender took the message over (our lease ran
// out); the outcome is left to it.
var errClaimLost = errors.New("outbox: claim lost")

// recordSent stores Meta's acceptance, then applies any statuses that the
// webhook kept for the wamid before we knew it.
func (s *Sender) recordSent(ctx context.Context, j *job, wamid string, at time.Time) {
	var status message.Status
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		n, err := claimed(tx.Message, j).
			SetWamid(wamid).
			SetStatus(message.StatusSENT).
			SetSentAt(at).
			ClearAttemptStartedAt().
			ClearNextAttemptAt().
			ClearErrorCode().
			SetErrorDetail("").
			SetUpdatedAt(s.now()).
			Save(ctx)
		if err != nil {
			return err
		}
		if n != 1 {
			return errClaimLost
		}
		if err := webhook.ApplyPendingStatuses(ctx, tx, j.m.IntegrationID, wamid); err != nil {
			return err
		}
		m, err := tx.Message.Get(ctx, j.m.ID)
		if err != nil {
			return err
		}
		status = m.Status
		return nil
	})
	if err != nil {
		s.log.Error("outbox: recording a sent message", "message_id", j.m.ID, "wamid", wamid, "err", err)
		return
	}
	s.publish(ctx, statusEvent(j.m, status, ""))
}

// retry schedules the next attempt after a retryable refusal, or gives up
// after MaxAttempts.
func (s *Sender) retry(ctx context.Context, j *job, cause error, apiErr *whatsapp.APIError) {
	if j.m.Attempts >= s.opts.MaxAttempts {
		s.fail(ctx, j, integrationerror.KindSEND_FAILED, apiErr, fmt.Sprintf("gave up after %d attempts: %v", j.m.Attempts, cause))
		return
	}
	now := s.now()
	u := claimed(s.client.Message, j).
		ClearAttemptStartedAt().
		SetNextAttemptAt(now.Add(whatsapp.Backoff(j.m.Attempts-1, cause))).
		SetErrorDetail(clip(cause.Error())).
		SetUpdatedAt(now)
	if apiErr != nil && apiErr.Code != 0 {
		u.SetErrorCode(apiErr.Code)
	}
	if _, err := u.Save(ctx); err != nil {
		s.log.Error("outbox: scheduling a retry", "message_id", j.m.ID, "err", err)
	}
}

// fail marks the message FAILED for good and logs why in the integration's
// error log.
func (s *Sender) fail(ctx context.Context, j *job, kind integrationerror.Kind, apiErr *whatsapp.APIError, why string) {
	var errorID int
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		var err error
		errorID, err = s.failIn(ctx, tx, j, kind, apiErr, why, true)
		return err
	})
	if err != nil {
		s.log.Error("outbox: recording a failed message", "message_id", j.m.ID, "err", err)
		return
	}
	s.log.Warn("outbox: message failed", "message_id", j.m.ID, "kind", kind, "reason", why)
	s.publish(ctx, statusEvent(j.m, message.StatusFAILED, string(kind)), errorEvent(j.m, errorID, kind))
}

// failIn marks the message FAILED in tx and, when logged is set, records
// an IntegrationError, whose id it returns.
func (s *Sender) failIn(ctx context.Context, tx *ent.Tx, j *job, kind integrationerror.Kind, apiErr *whatsapp.APIError, why string, logged bool) (int, error) {
	now := s.now()
	why = clip(why)
	u := claimed(tx.Message, j).
		SetStatus(message.StatusFAILED).
		SetFailedAt(now).
		SetErrorDetail(why).
		ClearAttemptStartedAt().
		ClearNextAttemptAt().
		SetUpdatedAt(now)
	if apiErr != nil && apiErr.Code != 0 {
		u.SetErrorCode(apiErr.Code)
	}
	n, err := u.Save(ctx)
	if err != nil {
		return 0, err
	}
	if n != 1 {
		return 0, errClaimLost
	}
	if !logged {
		return 0, nil
	}
	detail := map[string]any{"message_id": j.m.ID}
	if j.m.ConversationID != nil {
		detail["conversation_id"] = *j.m.ConversationID
	}
	if apiErr != nil {
		detail["code"] = apiErr.Code
		detail["meta_message"] = apiErr.Message
		if apiErr.Details != "" {
			detail["details"] = apiErr.Details
		}
		if apiErr.FBTraceID != "" {
			detail["fbtrace_id"] = apiErr.FBTraceID
		}
	}
	ie, err := tx.IntegrationError.Create().
		SetAccountID(j.m.AccountID).
		SetIntegrationID(j.m.IntegrationID).
		SetKind(kind).
		SetMessage(why).
		SetDetail(detail).
		SetCreatedAt(now).
		Save(ctx)
	if err != nil {
		return 0, err
	}
	return ie.ID, nil
}

// claimed is an update of the message as we claimed it: still QUEUED and
// not claimed again since (every claim increments attempts).
func claimed(mc *ent.MessageClient, j *job) *ent.MessageUpdate {
	return mc.Update().Where(
		message.ID(j.m.ID),
		message.StatusEQ(message.StatusQUEUED),
		message.Attempts(j.m.Attempts),
	)
}

func statusEvent(m *ent.Message, status message.Status, detail string) eventbus.Event {
	e := eventbus.Event{
		Kind: eventbus.KindMessageStatus, AccountID: m.AccountID, IntegrationID: m.IntegrationID,
		MessageID: m.ID, Status: string(status), Detail: detail,
	}
	if m.ConversationID != nil {
		e.ConversationID = *m.ConversationID
	}
	return e
}

func errorEvent(m *ent.Message, errorID int, kind integrationerror.Kind) eventbus.Event {
	return eventbus.Event{
		Kind: eventbus.KindIntegrationError, AccountID: m.AccountID, IntegrationID: m.IntegrationID,
		ErrorID: errorID, Detail: string(kind),
	}
}

// clip bounds stored error texts without splitting a character.
func clip(s string) string {
	const n = 1000
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
