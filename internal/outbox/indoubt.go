package outbox

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/statusreceipt"
)

// clockSkew widens the search for status receipts: Meta's timestamps are
// whole seconds from Meta's clock.
const clockSkew = 2 * time.Second

// resolveInDoubt settles a message whose last attempt has no outcome. If
// Meta's status webhook for it arrived (see the package doc), it was sent:
// the wamid is recorded and done is true. Otherwise Meta never accepted it,
// and the attempt restarts from now for the caller to send.
func (s *Sender) resolveInDoubt(ctx context.Context, j *job) (done bool, err error) {
	if j.contact != nil {
		since := j.m.AttemptStartedAt.Add(-clockSkew).Truncate(time.Second)
		r, err := s.client.StatusReceipt.Query().
			Where(
				statusreceipt.IntegrationID(j.m.IntegrationID),
				statusreceipt.RecipientID(j.contact.WaID),
				statusreceipt.TimestampGTE(since),
				statusreceipt.AppliedAtIsNil(),
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
