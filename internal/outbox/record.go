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
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/webhook"
)

// errClaimLost says another sender took the message over (our lease ran
// out); the outcome is left to it.
var errClaimLost = errors.New("outbox: claim lost")

// recordSent stores Meta's acceptance, then applies any statuses that the
// webhook kept for the wamid before we knew it.
func (s *Sender) recordSent(ctx context.Context, j *job, wamid string, at time.Time) {
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
		return webhook.ApplyPendingStatuses(ctx, tx, j.m.IntegrationID, wamid)
	})
	if err != nil {
		s.log.Error("outbox: recording a sent message", "message_id", j.m.ID, "wamid", wamid, "err", err)
	}
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
	err := s.withTx(ctx, func(tx *ent.Tx) error {
		return s.failIn(ctx, tx, j, kind, apiErr, why, true)
	})
	if err != nil {
		s.log.Error("outbox: recording a failed message", "message_id", j.m.ID, "err", err)
		return
	}
	s.log.Warn("outbox: message failed", "message_id", j.m.ID, "kind", kind, "reason", why)
}

// failIn marks the message FAILED in tx and, when logged is set, records
// an IntegrationError.
func (s *Sender) failIn(ctx context.Context, tx *ent.Tx, j *job, kind integrationerror.Kind, apiErr *whatsapp.APIError, why string, logged bool) error {
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
		return err
	}
	if n != 1 {
		return errClaimLost
	}
	if !logged {
		return nil
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
	return tx.IntegrationError.Create().
		SetAccountID(j.m.AccountID).
		SetIntegrationID(j.m.IntegrationID).
		SetKind(kind).
		SetMessage(why).
		SetDetail(detail).
		SetCreatedAt(now).
		Exec(ctx)
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

// clip bounds stored error texts without splitting a character.
func clip(s string) string {
	const n = 1000
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
