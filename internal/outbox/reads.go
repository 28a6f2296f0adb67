package outbox

import (
	"context"
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/whatsapp"
)

// readBatch is how many read receipts one look takes.
const readBatch = 32

// markReads marks processed inbound messages as read at Meta and returns
// how many it took. A batch is claimed with one update that clears
// next_attempt_at, so it costs one commit; per contact only the newest is
// sent, as Meta marks the earlier messages read with it. Only one worker per
// process reads, so within a process a receipt goes out at most once; two
// processes may both send one, which Meta takes as the no-op it is.
func (s *Sender) markReads(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.client.Message.Query().
		Where(
			message.StatusEQ(message.StatusPROCESSED),
			message.DirectionEQ(message.DirectionINBOUND),
			message.NextAttemptAtLTE(now),
		).
		Order(message.ByID()).
		Limit(readBatch).
		All(ctx)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	ids := make([]int, len(due))
	for i, m := range due {
		ids[i] = m.ID
	}
	err = s.client.Message.Update().
		Where(message.IDIn(ids...), message.StatusEQ(message.StatusPROCESSED), message.NextAttemptAtNotNil()).
		ClearNextAttemptAt().
		SetReadAt(now).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("outbox: claiming read receipts: %w", err)
	}
	newest := make(map[int]*ent.Message) // by contact
	var order []int
	for _, m := range due {
		if m.Wamid == nil || m.ContactID == nil {
			continue
		}
		if _, ok := newest[*m.ContactID]; !ok {
			order = append(order, *m.ContactID)
		}
		newest[*m.ContactID] = m
	}
	integs := make(map[int]*ent.Integration)
	for _, contactID := range order {
		m := newest[contactID]
		if err := s.markRead(ctx, integs, m); err != nil {
			s.log.Warn("outbox: marking as read", "message_id", m.ID, "err", err)
		}
	}
	return len(due), nil
}

func (s *Sender) markRead(ctx context.Context, integs map[int]*ent.Integration, m *ent.Message) error {
	integ, ok := integs[m.IntegrationID]
	if !ok {
		var err error
		if integ, err = s.client.Integration.Get(ctx, m.IntegrationID); err != nil {
			return err
		}
		integs[m.IntegrationID] = integ
	}
	token, err := s.box.Open(integ.AccessTokenSealed, secrets.AccessToken)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	defer cancel()
	creds := whatsapp.Credentials{PhoneNumberID: integ.PhoneNumberID, AccessToken: token, APIVersion: integ.APIVersion}
	return s.wa.MarkRead(ctx, creds, *m.Wamid)
}
