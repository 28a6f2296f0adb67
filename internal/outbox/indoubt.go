package outbox

import (
	"context"
	"fmt"
	"strconv"

	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/statusreceipt"
)

// resolveInDoubt settles a message whose last attempt has no outcome. We
// send our message id as biz_opaque_callback_data, and Meta echoes it in
// every status webhook of a message it accepted, so a kept status carrying
// it proves acceptance: the wamid is recorded and done is true. Otherwise
// Meta never accepted it, and the attempt restarts from now for the caller
// to send.
func (s *Sender) resolveInDoubt(ctx context.Context, j *job) (done bool, err error) {
	r, err := s.client.StatusReceipt.Query().
		Where(
			statusreceipt.IntegrationID(j.m.IntegrationID),
			statusreceipt.CallbackData(strconv.Itoa(j.m.ID)),
			unrecordedWAMID,
		).
		Order(statusreceipt.ByTimestamp(), statusreceipt.ByID()).
		First(ctx)
	if err == nil {
		s.log.Info("outbox: attempt in doubt was accepted by Meta", "message_id", j.m.ID, "wamid", r.Wamid)
		s.recordSent(ctx, j, r.Wamid, r.Timestamp)
		return true, nil
	}
	if !ent.IsNotFound(err) {
		return false, fmt.Errorf("outbox: looking for status receipts: %w", err)
	}
	now := s.now()
	n, err := claimed(s.client.Message, j).SetAttemptStartedAt(now).Save(ctx)
	if err != nil {
		return false, err
	}
	if n != 1 {
		return true, nil // taken over meanwhile
	}
	s.log.Info("outbox: attempt in doubt was not accepted by Meta, sending again", "message_id", j.m.ID)
	j.m.AttemptStartedAt = &now
	return false, nil
}

// unrecordedWAMID keeps receipts whose wamid no message of the integration
// carries yet.
func unrecordedWAMID(s *sql.Selector) {
	b := sql.Dialect(s.Dialect())
	m := b.Table(message.Table).As("known")
	s.Where(sql.Not(sql.Exists(
		b.Select(m.C(message.FieldID)).From(m).Where(sql.And(
			sql.ColumnsEQ(m.C(message.FieldIntegrationID), s.C(statusreceipt.FieldIntegrationID)),
			sql.ColumnsEQ(m.C(message.FieldWamid), s.C(statusreceipt.FieldWamid)),
		)),
	)))
}
