package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/statusreceipt"
)

// StatusRank orders the states of an outbound message. Status webhooks
// arrive in any order and twice; a message only ever moves to a higher
// rank, so a late "delivered" never downgrades "read", and "read" without
// "delivered" is fine.
//
// FAILED ranks above SENT (the usual asynchronous failure: accepted, then
// failed) but below DELIVERED: Meta can report a failure for one device of
// a multi-device user and a delivery to another, and a delivery or read is
// proof the user got the message. The failure's code, detail and time are
// kept on the message either way.
func StatusRank(s message.Status) int {
	switch s {
	case message.StatusSENT:
		return 1
	case message.StatusFAILED:
		return 2
	case message.StatusDELIVERED:
		return 3
	case message.StatusREAD:
		return 4
	case message.StatusPLAYED:
		return 5
	}
	return 0 // QUEUED and the inbound states
}

// metaStatus maps Meta's status value to ours; false for values we keep
// but do not apply (Meta adds new ones, e.g. "deleted").
func metaStatus(s string) (message.Status, bool) {
	switch s {
	case "sent":
		return message.StatusSENT, true
	case "delivered":
		return message.StatusDELIVERED, true
	case "read":
		return message.StatusREAD, true
	case "played":
		return message.StatusPLAYED, true
	case "failed":
		return message.StatusFAILED, true
	}
	return "", false
}

// maxApplyAttempts bounds the retries of an update that lost a race with
// another writer of the same message.
const maxApplyAttempts = 3

// ApplyPendingStatuses applies the status receipts not applied yet for the
// given wamids of an integration to their outbound messages, and marks
// them applied. Receipts of a wamid with no outbound message stay pending.
//
// The webhook calls it for the statuses it stores; the sender must call it
// after it records the wamid of a sent message, because Meta's status may
// have arrived before the send call returned.
func ApplyPendingStatuses(ctx context.Context, tx *ent.Tx, integrationID int, wamids ...string) error {
	if len(wamids) == 0 {
		return nil
	}
	receipts, err := tx.StatusReceipt.Query().
		Where(
			statusreceipt.IntegrationID(integrationID),
			statusreceipt.WamidIn(wamids...),
			statusreceipt.AppliedAtIsNil(),
		).
		All(ctx)
	if err != nil || len(receipts) == 0 {
		return err
	}
	byWAMID := make(map[string][]*ent.StatusReceipt)
	for _, r := range receipts {
		byWAMID[r.Wamid] = append(byWAMID[r.Wamid], r)
	}
	var applied []int
	for _, wamid := range sortedKeys(byWAMID) {
		ok, err := applyToMessage(ctx, tx, integrationID, wamid, byWAMID[wamid])
		if err != nil {
			return err
		}
		if ok {
			for _, r := range byWAMID[wamid] {
				applied = append(applied, r.ID)
			}
		}
	}
	if len(applied) == 0 {
		return nil
	}
	return tx.StatusReceipt.Update().
		Where(statusreceipt.IDIn(applied...)).
		SetAppliedAt(time.Now().UTC()).
		Exec(ctx)
}

// applyToMessage folds receipts into the outbound message with wamid. It
// reports false when there is no such message yet. The update is guarded
// by the status it read, so a concurrent writer makes it read again
// rather than be overwritten.
func applyToMessage(ctx context.Context, tx *ent.Tx, integrationID int, wamid string, receipts []*ent.StatusReceipt) (bool, error) {
	for range maxApplyAttempts {
		m, err := tx.Message.Query().
			Where(
				message.IntegrationID(integrationID),
				message.Wamid(wamid),
				message.DirectionEQ(message.DirectionOUTBOUND),
			).
			Only(ctx)
		if ent.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		upd, changed := foldStatuses(m, receipts)
		if !changed {
			return true, nil
		}
		n, err := upd(tx.Message.Update().Where(message.ID(m.ID), message.StatusEQ(m.Status))).Save(ctx)
		if err != nil {
			return false, err
		}
		if n == 1 {
			return true, nil
		}
	}
	return false, fmt.Errorf("applying statuses of %s: the message kept changing", wamid)
}

// foldStatuses computes what receipts change on m: the highest-ranked
// status, and the time of each kind of receipt not recorded yet.
func foldStatuses(m *ent.Message, receipts []*ent.StatusReceipt) (func(*ent.MessageUpdate) *ent.MessageUpdate, bool) {
	sort.Slice(receipts, func(i, j int) bool { return receipts[i].Timestamp.Before(receipts[j].Timestamp) })
	status := m.Status
	var sets []func(*ent.MessageUpdate)
	for _, r := range receipts {
		s, ok := metaStatus(r.Status)
		if !ok {
			continue
		}
		if StatusRank(s) > StatusRank(status) {
			status = s
		}
		at := r.Timestamp
		switch s {
		case message.StatusSENT:
			if m.SentAt == nil {
				sets = append(sets, func(u *ent.MessageUpdate) { u.SetSentAt(at) })
			}
		case message.StatusDELIVERED:
			if m.DeliveredAt == nil {
				sets = append(sets, func(u *ent.MessageUpdate) { u.SetDeliveredAt(at) })
			}
		case message.StatusREAD, message.StatusPLAYED:
			if m.ReadAt == nil {
				sets = append(sets, func(u *ent.MessageUpdate) { u.SetReadAt(at) })
			}
		case message.StatusFAILED:
			code, detail := receiptError(r)
			sets = append(sets, func(u *ent.MessageUpdate) {
				u.SetFailedAt(at).SetErrorDetail(detail)
				if code != 0 {
					u.SetErrorCode(code)
				}
			})
		}
	}
	if status != m.Status {
		sets = append(sets, func(u *ent.MessageUpdate) { u.SetStatus(status) })
	}
	return func(u *ent.MessageUpdate) *ent.MessageUpdate {
		for _, set := range sets {
			set(u)
		}
		return u
	}, len(sets) > 0
}

// receiptError reads the first error of a failed receipt.
func receiptError(r *ent.StatusReceipt) (int, string) {
	var errs []json.RawMessage
	if json.Unmarshal(r.Errors, &errs) != nil || len(errs) == 0 {
		return 0, ""
	}
	e, ok := parseAPIError(errs[0])
	if !ok {
		return 0, ""
	}
	return e.Code, firstNonEmpty(e.Details, e.Message, e.Title)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
