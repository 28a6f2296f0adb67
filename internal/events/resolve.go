package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/predicate"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/tenant"
)

// resolve fills in the ids the hooks could not know, with at most one query
// per kind of lookup, and drops items whose rows are gone. Order is kept.
func (p *Publisher) resolve(ctx context.Context, items []item) ([]eventbus.Event, error) {
	ctx = tenant.AsSystem(ctx)
	var (
		msgIDs, convIDs, intIDs []int
		wamids                  = map[int][]string{} // integration → wamids
		inserted                = map[int]bool{}
	)
	for _, it := range items {
		if it.inserted != 0 {
			inserted[it.inserted] = true
		}
		switch it.need {
		case needMessage:
			msgIDs = append(msgIDs, it.ev.MessageID)
		case needWamid:
			wamids[it.ev.IntegrationID] = append(wamids[it.ev.IntegrationID], it.wamid)
		case needAccount:
			if _, ok := p.accounts.Get(it.ev.IntegrationID); !ok {
				intIDs = append(intIDs, it.ev.IntegrationID)
			}
		case needConversation:
			convIDs = append(convIDs, it.ev.ConversationID)
		}
	}
	var errs []error
	msgs, err := p.messagesByID(ctx, msgIDs)
	errs = append(errs, err)
	byWamid, err := p.messagesByWamid(ctx, wamids)
	errs = append(errs, err)
	convs, err := p.conversationsByID(ctx, convIDs)
	errs = append(errs, err)
	if len(intIDs) > 0 {
		_, err := p.accountsOf(ctx, p.client, intIDs)
		errs = append(errs, err)
	}

	out := make([]eventbus.Event, 0, len(items))
	for _, it := range items {
		ev := it.ev
		switch it.need {
		case needMessage:
			m, ok := msgs[ev.MessageID]
			if !ok {
				continue
			}
			ev.AccountID, ev.IntegrationID = m.AccountID, m.IntegrationID
			if m.ConversationID != nil {
				ev.ConversationID = *m.ConversationID
			}
		case needWamid:
			m, ok := byWamid[wamidKey{ev.IntegrationID, it.wamid}]
			if !ok || !inserted[m.ID] {
				continue // a redelivery that ON CONFLICT skipped
			}
			ev.MessageID = m.ID
			if ev.ConversationID == 0 && m.ConversationID != nil {
				ev.ConversationID = *m.ConversationID
			}
		case needAccount:
			acct, ok := p.accounts.Get(ev.IntegrationID)
			if !ok {
				continue
			}
			ev.AccountID = acct
		case needConversation:
			c, ok := convs[ev.ConversationID]
			if !ok {
				continue
			}
			ev.AccountID, ev.IntegrationID = c.AccountID, c.IntegrationID
		}
		out = append(out, ev)
	}
	return out, errors.Join(errs...)
}

func (p *Publisher) messagesByID(ctx context.Context, ids []int) (map[int]*ent.Message, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := p.client.Message.Query().Where(message.IDIn(ids...)).
		Select(message.FieldAccountID, message.FieldIntegrationID, message.FieldConversationID).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading messages: %w", err)
	}
	out := make(map[int]*ent.Message, len(rows))
	for _, m := range rows {
		out[m.ID] = m
	}
	return out, nil
}

type wamidKey struct {
	integration int
	wamid       string
}

func (p *Publisher) messagesByWamid(ctx context.Context, wamids map[int][]string) (map[wamidKey]*ent.Message, error) {
	if len(wamids) == 0 {
		return nil, nil
	}
	or := make([]predicate.Message, 0, len(wamids))
	for id, ws := range wamids {
		or = append(or, message.And(message.IntegrationID(id), message.WamidIn(ws...)))
	}
	rows, err := p.client.Message.Query().Where(message.Or(or...)).
		Select(message.FieldIntegrationID, message.FieldWamid, message.FieldConversationID).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading messages by wamid: %w", err)
	}
	out := make(map[wamidKey]*ent.Message, len(rows))
	for _, m := range rows {
		if m.Wamid != nil {
			out[wamidKey{m.IntegrationID, *m.Wamid}] = m
		}
	}
	return out, nil
}

func (p *Publisher) conversationsByID(ctx context.Context, ids []int) (map[int]*ent.Conversation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := p.client.Conversation.Query().Where(conversation.IDIn(ids...)).
		Select(conversation.FieldAccountID, conversation.FieldIntegrationID).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading conversations: %w", err)
	}
	out := make(map[int]*ent.Conversation, len(rows))
	for _, c := range rows {
		out[c.ID] = c
	}
	return out, nil
}

// accountsOf returns the accounts of the integrations ids, through the
// cache, reading the missing ones with c (a transaction's client before a
// delete, the root client after a commit).
func (p *Publisher) accountsOf(ctx context.Context, c *ent.Client, ids []int) (map[int]int, error) {
	out := make(map[int]int, len(ids))
	var missing []int
	for _, id := range ids {
		if acct, ok := p.accounts.Get(id); ok {
			out[id] = acct
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	var rows []struct {
		ID        int `json:"id"`
		AccountID int `json:"account_id"`
	}
	err := c.Integration.Query().Where(integration.IDIn(missing...)).
		Select(integration.FieldID, integration.FieldAccountID).Scan(ctx, &rows)
	if err != nil {
		return out, fmt.Errorf("reading integration accounts: %w", err)
	}
	for _, r := range rows {
		p.accounts.Add(r.ID, r.AccountID)
		out[r.ID] = r.AccountID
	}
	return out, nil
}

// merge drops what a subscriber would only reload twice: repeated events
// of one object with one status, and last-activity events of an
// integration that also changed. Otherwise order is kept.
func merge(evs []eventbus.Event) []eventbus.Event {
	if len(evs) < 2 {
		return evs
	}
	type key struct {
		kind   string
		id     int
		status string
	}
	keyOf := func(e eventbus.Event) key {
		switch e.Kind {
		case eventbus.KindMessageInbound, eventbus.KindMessageOutbound, eventbus.KindMessageStatus:
			return key{e.Kind, e.MessageID, e.Status}
		case KindConversationChanged:
			return key{e.Kind, e.ConversationID, e.Status}
		case eventbus.KindIntegrationError:
			return key{e.Kind, e.ErrorID, ""}
		default:
			return key{e.Kind, e.IntegrationID, ""}
		}
	}
	changed := map[int]bool{}
	for _, e := range evs {
		if e.Kind == eventbus.KindIntegrationChanged {
			changed[e.IntegrationID] = true
		}
	}
	// For integration events the last one wins: it has the latest status.
	last := map[key]int{}
	for i, e := range evs {
		last[keyOf(e)] = i
	}
	seen := map[key]bool{}
	out := evs[:0:0]
	for i, e := range evs {
		k := keyOf(e)
		switch {
		case e.Kind == eventbus.KindIntegrationActivity && changed[e.IntegrationID]:
			continue
		case e.Kind == eventbus.KindIntegrationChanged || e.Kind == eventbus.KindIntegrationActivity:
			if last[k] != i {
				continue
			}
		case seen[k]:
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}
