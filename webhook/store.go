package webhook

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/contact"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/statusreceipt"
	"github.com/intalos/integrations/internal/eventbus"
)

// insertChunk bounds the rows of one INSERT, well below PostgreSQL's and
// SQLite's limits on bind parameters.
const insertChunk = 500

// outcome counts what a batch stored.
type outcome struct {
	messages, duplicates, statuses, events, errors int
	// inserted announces the new messages, once committed.
	inserted []eventbus.Event
}

// store writes the batch in tx. Redeliveries are rare, so unless
// readStored it takes every message for new, without a query for the
// stored ones, and fails with errStoredBefore when the insert skipped one:
// the contacts were then updated from a redelivery, and the caller rolls
// back and stores the batch again with readStored.
func (b *batch) store(ctx context.Context, tx *ent.Tx, readStored bool) (outcome, error) {
	var out outcome
	fresh := b.messages
	if readStored {
		var err error
		if fresh, err = b.freshMessages(ctx, tx); err != nil {
			return out, err
		}
	}
	out.messages, out.duplicates = len(fresh), len(b.messages)-len(fresh)
	contacts, err := b.upsertContacts(ctx, tx, fresh)
	if err != nil {
		return out, err
	}
	if out.inserted, err = b.insertMessages(ctx, tx, fresh, contacts); err != nil {
		return out, err
	}
	if !readStored && len(out.inserted) < len(fresh) {
		return out, errStoredBefore
	}
	if out.statuses, err = b.storeStatuses(ctx, tx); err != nil {
		return out, err
	}
	if out.events, err = b.insertEvents(ctx, tx); err != nil {
		return out, err
	}
	if out.errors, err = b.insertErrors(ctx, tx, fresh); err != nil {
		return out, err
	}
	return out, nil
}

// freshMessages drops the messages already stored: one indexed query per
// integration. The insert still says ON CONFLICT DO NOTHING for another
// instance storing the same wamid at the same time.
func (b *batch) freshMessages(ctx context.Context, tx *ent.Tx) ([]inboundItem, error) {
	ids, groups := byIntegration(b.messages, func(it inboundItem) int { return it.info.ID })
	stored := make(map[messageKey]bool)
	for _, id := range ids {
		items := groups[id]
		for lo := 0; lo < len(items); lo += insertChunk {
			hi := min(lo+insertChunk, len(items))
			wamids := make([]string, 0, hi-lo)
			for _, it := range items[lo:hi] {
				wamids = append(wamids, it.msg.ID)
			}
			found, err := tx.Message.Query().
				Where(message.IntegrationID(id), message.WamidIn(wamids...)).
				Select(message.FieldWamid).
				Strings(ctx)
			if err != nil {
				return nil, fmt.Errorf("finding stored messages: %w", err)
			}
			for _, w := range found {
				stored[messageKey{id, w}] = true
			}
		}
	}
	fresh := make([]inboundItem, 0, len(b.messages))
	for _, it := range b.messages {
		if !stored[messageKey{it.info.ID, it.msg.ID}] {
			fresh = append(fresh, it)
		}
	}
	return fresh, nil
}

type contactKey struct {
	integrationID int
	waID          string
}

// contactRow merges what the new messages of a batch say about one contact.
type contactRow struct {
	info        *integrationInfo
	waID        string
	profileName string
	userID      string
	lastInbound *time.Time
}

// upsertContacts creates or updates the contacts of the fresh messages and
// returns their ids, one statement per chunk: ent's bulk upsert returns ids
// only by position, in an order SQLite does not promise, so the statement
// is built here and returns each id with its key.
//
// It is built with PostgreSQL's $n placeholders, which SQLite reads too
// ($NNN is SQLite's numbered parameter, and modernc.org/sqlite binds the
// NNNth argument to it): the handler is given a client, not its dialect.
func (b *batch) upsertContacts(ctx context.Context, tx *ent.Tx, fresh []inboundItem) (map[contactKey]int, error) {
	rows := b.contactRows(fresh)
	ids := make(map[contactKey]int, len(rows))
	for lo := 0; lo < len(rows); lo += insertChunk {
		hi := min(lo+insertChunk, len(rows))
		insert := sql.Dialect(dialect.Postgres).Insert(contact.Table).Columns(
			contact.FieldAccountID, contact.FieldIntegrationID, contact.FieldWaID, contact.FieldProfileName,
			contact.FieldUserID, contact.FieldLastInboundAt, contact.FieldCreatedAt, contact.FieldUpdatedAt)
		for _, r := range rows[lo:hi] {
			// The checks ent's builders would run.
			if err := errors.Join(contact.WaIDValidator(r.waID), contact.UserIDValidator(r.userID)); err != nil {
				return nil, fmt.Errorf("storing contact %q: %w", r.waID, err)
			}
			var last any // NULL when only system messages came
			if r.lastInbound != nil {
				last = *r.lastInbound
			}
			insert.Values(r.info.AccountID, r.info.ID, r.waID, r.profileName, r.userID, last, b.now, b.now)
		}
		insert.OnConflict(sql.ConflictColumns(contact.FieldIntegrationID, contact.FieldWaID), sql.ResolveWith(mergeContact)).
			Returning(contact.FieldID, contact.FieldIntegrationID, contact.FieldWaID)
		if err := scanContactIDs(ctx, tx, insert, ids); err != nil {
			return nil, fmt.Errorf("storing contacts: %w", err)
		}
	}
	return ids, nil
}

func scanContactIDs(ctx context.Context, tx *ent.Tx, insert *sql.InsertBuilder, ids map[contactKey]int) error {
	query, args, err := insert.QueryErr()
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var k contactKey
		if err := rows.Scan(&id, &k.integrationID, &k.waID); err != nil {
			return err
		}
		ids[k] = id
	}
	return rows.Err()
}

// mergeContact is the ON CONFLICT update of a known contact: a profile
// name or user id only replaces the stored one when Meta sent one, and the
// last inbound time only moves forward (messages arrive out of order).
func mergeContact(u *sql.UpdateSet) {
	t, ex := u.Table(), sql.Dialect(u.Dialect()).Table("excluded")
	keepUnlessEmpty := func(col string) {
		u.Set(col, sql.Expr(fmt.Sprintf("CASE WHEN %s = '' THEN %s ELSE %s END", ex.C(col), t.C(col), ex.C(col))))
	}
	keepUnlessEmpty(contact.FieldProfileName)
	keepUnlessEmpty(contact.FieldUserID)
	last := contact.FieldLastInboundAt
	u.Set(last, sql.Expr(fmt.Sprintf("CASE WHEN %[1]s IS NULL OR %[2]s > %[1]s THEN %[2]s ELSE %[1]s END", t.C(last), ex.C(last))))
	u.SetExcluded(contact.FieldUpdatedAt)
}

func (b *batch) contactRows(fresh []inboundItem) []*contactRow {
	merged := make(map[contactKey]*contactRow)
	var order []contactKey
	for _, it := range fresh {
		m := it.msg
		if m.ContactKey == "" {
			continue
		}
		k := contactKey{it.info.ID, m.ContactKey}
		r, ok := merged[k]
		if !ok {
			r = &contactRow{info: it.info, waID: m.ContactKey}
			merged[k] = r
			order = append(order, k)
		}
		if m.ProfileName != "" {
			r.profileName = m.ProfileName
		}
		if m.UserID != "" {
			r.userID = m.UserID
		}
		if m.System {
			continue // Meta's notices do not open the customer service window
		}
		at := m.Timestamp
		if at.IsZero() {
			at = b.now
		}
		if r.lastInbound == nil || at.After(*r.lastInbound) {
			r.lastInbound = &at
		}
	}
	sort.Slice(order, func(i, j int) bool {
		return lessKey(order[i].integrationID, order[i].waID, order[j].integrationID, order[j].waID)
	})
	rows := make([]*contactRow, 0, len(order))
	for _, k := range order {
		rows = append(rows, merged[k])
	}
	return rows
}

// insertMessages stores the fresh messages as the inbox: RECEIVED and due
// now, for the conversation workers to claim. It returns an event for each
// row the insert added: ON CONFLICT DO NOTHING skips a wamid stored before.
//
// The statement is built here rather than by ent's bulk create: it returns
// the ids of exactly the rows it added (ent hands ids out by position, so
// its hooks would look the rows up again by wamid after the commit), and it
// spares the hot path ent's per-row mutation and JSON re-encoding. The caller
// announces the events with the transaction's own.
func (b *batch) insertMessages(ctx context.Context, tx *ent.Tx, fresh []inboundItem, contacts map[contactKey]int) ([]eventbus.Event, error) {
	accounts := make(map[int]int)
	var inserted []eventbus.Event
	for lo := 0; lo < len(fresh); lo += insertChunk {
		hi := min(lo+insertChunk, len(fresh))
		insert := sql.Dialect(dialect.Postgres).Insert(message.Table).Columns(
			message.FieldAccountID, message.FieldIntegrationID, message.FieldContactID, message.FieldDirection,
			message.FieldWamid, message.FieldType, message.FieldContent, message.FieldText, message.FieldStatus,
			message.FieldErrorDetail, message.FieldAttempts, message.FieldNextAttemptAt, message.FieldWaTimestamp,
			message.FieldCreatedAt, message.FieldUpdatedAt)
		for _, it := range fresh[lo:hi] {
			m := it.msg
			// The checks ent's builders would run.
			if err := errors.Join(message.WamidValidator(m.ID), message.TypeValidator(m.Type)); err != nil {
				return nil, fmt.Errorf("storing message %q: %w", m.ID, err)
			}
			var contactID, waTimestamp any // NULL unless known
			if id, ok := contacts[contactKey{it.info.ID, m.ContactKey}]; ok {
				contactID = id
			}
			if !m.Timestamp.IsZero() {
				waTimestamp = m.Timestamp
			}
			insert.Values(it.info.AccountID, it.info.ID, contactID, message.DirectionINBOUND,
				m.ID, m.Type, []byte(m.Raw), m.Text, message.StatusRECEIVED,
				"", 0, b.now, waTimestamp, b.now, b.now)
			accounts[it.info.ID] = it.info.AccountID
			b.touched[it.info.ID] = true
		}
		insert.OnConflict(sql.ConflictColumns(message.FieldIntegrationID, message.FieldWamid), sql.DoNothing()).
			Returning(message.FieldID, message.FieldIntegrationID)
		query, args, err := insert.QueryErr()
		if err != nil {
			return nil, fmt.Errorf("storing messages: %w", err)
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, fmt.Errorf("storing messages: %w", err)
		}
		for rows.Next() {
			ev := eventbus.Event{Kind: eventbus.KindMessageInbound, Status: string(message.StatusRECEIVED)}
			if err := rows.Scan(&ev.MessageID, &ev.IntegrationID); err != nil {
				rows.Close()
				return nil, fmt.Errorf("storing messages: %w", err)
			}
			ev.AccountID = accounts[ev.IntegrationID]
			inserted = append(inserted, ev)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("storing messages: %w", err)
		}
	}
	return inserted, nil
}

// storeStatuses keeps every status receipt (a redelivered one is a no-op)
// and applies them to the outbound messages already recorded.
func (b *batch) storeStatuses(ctx context.Context, tx *ent.Tx) (int, error) {
	for lo := 0; lo < len(b.statuses); lo += insertChunk {
		hi := min(lo+insertChunk, len(b.statuses))
		creates := make([]*ent.StatusReceiptCreate, 0, hi-lo)
		for _, it := range b.statuses[lo:hi] {
			s := it.status
			at := s.Timestamp
			if at.IsZero() {
				at = b.now
			}
			c := tx.StatusReceipt.Create().
				SetAccountID(it.info.AccountID).
				SetIntegrationID(it.info.ID).
				SetWamid(s.ID).
				SetStatus(s.Status).
				SetTimestamp(at).
				SetRecipientID(s.RecipientID).
				SetCallbackData(s.CallbackData).
				SetReceivedAt(b.now)
			if s.Errors != nil {
				c.SetErrors(s.Errors)
			}
			creates = append(creates, c)
			b.touched[it.info.ID] = true
		}
		err := tx.StatusReceipt.CreateBulk(creates...).
			OnConflict(sql.ConflictColumns(statusreceipt.FieldIntegrationID, statusreceipt.FieldWamid, statusreceipt.FieldStatus), sql.DoNothing()).
			Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("storing statuses: %w", err)
		}
	}
	integrations, groups := byIntegration(b.statuses, func(it statusItem) int { return it.info.ID })
	for _, id := range integrations {
		var wamids []string
		for _, it := range groups[id] {
			wamids = append(wamids, it.status.ID)
		}
		if err := ApplyPendingStatuses(ctx, tx, id, wamids...); err != nil {
			return 0, fmt.Errorf("applying statuses: %w", err)
		}
	}
	return len(b.statuses), nil
}

// insertEvents keeps the changes of other fields (template, quality and
// account updates…), acknowledged as they are.
func (b *batch) insertEvents(ctx context.Context, tx *ent.Tx) (int, error) {
	if len(b.events) == 0 {
		return 0, nil
	}
	creates := make([]*ent.WebhookEventCreate, 0, len(b.events))
	for _, r := range b.events {
		creates = append(creates, tx.WebhookEvent.Create().
			SetAccountID(r.info.AccountID).
			SetIntegrationID(r.info.ID).
			SetField(r.change.Field).
			SetValue(storableJSON(r.change.Value)).
			SetReceivedAt(b.now))
		b.touched[r.info.ID] = true
	}
	if err := tx.WebhookEvent.CreateBulk(creates...).Exec(ctx); err != nil {
		return 0, fmt.Errorf("storing webhook events: %w", err)
	}
	return len(creates), nil
}

// insertErrors logs Meta's change-level errors as WEBHOOK_ERROR, unless
// the change is a redelivery: it had messages and all were stored before.
func (b *batch) insertErrors(ctx context.Context, tx *ent.Tx, fresh []inboundItem) (int, error) {
	isFresh := make(map[messageKey]bool, len(fresh))
	for _, it := range fresh {
		isFresh[messageKey{it.info.ID, it.msg.ID}] = true
	}
	var creates []*ent.IntegrationErrorCreate
	for _, ce := range b.errors {
		if !anyFresh(isFresh, ce.info.ID, ce.wamids) {
			continue
		}
		for _, e := range ce.errs {
			creates = append(creates, tx.IntegrationError.Create().
				SetAccountID(ce.info.AccountID).
				SetIntegrationID(ce.info.ID).
				SetKind(integrationerror.KindWEBHOOK_ERROR).
				SetMessage(fmt.Sprintf("Meta reported error %d in a webhook: %s", e.Code, firstNonEmpty(e.Details, e.Message, e.Title))).
				SetDetail(map[string]any{
					"code": e.Code, "title": e.Title, "message": e.Message, "details": e.Details,
					"href": e.Href, "field": ce.field, "wamids": ce.wamids,
				}).
				SetCreatedAt(b.now))
		}
	}
	if len(creates) == 0 {
		return 0, nil
	}
	if err := tx.IntegrationError.CreateBulk(creates...).Exec(ctx); err != nil {
		return 0, fmt.Errorf("storing webhook errors: %w", err)
	}
	return len(creates), nil
}

func anyFresh(isFresh map[messageKey]bool, integrationID int, wamids []string) bool {
	if len(wamids) == 0 {
		return true
	}
	for _, w := range wamids {
		if isFresh[messageKey{integrationID, w}] {
			return true
		}
	}
	return false
}
