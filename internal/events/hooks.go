package events

import (
	"context"
	"slices"
	"strconv"

	entgo "entgo.io/ent"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/internal/eventbus"
)

// need says which ids of an item are known only after the commit.
type need uint8

const (
	needNothing need = iota
	// needMessage: the message's account, integration and conversation (an
	// update by predicate knows only the ids).
	needMessage
	// needWamid: the message's id. A bulk insert with ON CONFLICT DO NOTHING
	// returns ids for the inserted rows only and ent hands them out by
	// position, so a created message with a wamid is looked up by it.
	needWamid
	// needAccount: the integration's account.
	needAccount
	// needConversation: the conversation's account and integration.
	needConversation
)

// item is one event, perhaps still missing ids.
type item struct {
	ev    eventbus.Event
	need  need
	wamid string
	// inserted is the id ent reported for a created message: maybe another
	// row's, but the set of them is the set of rows really inserted.
	inserted int
}

func (p *Publisher) messageHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, mu ent.Mutation) (ent.Value, error) {
		m, ok := mu.(*ent.MessageMutation)
		if !ok {
			return next.Mutate(ctx, mu)
		}
		status, statusSet := m.Status()
		if !m.Op().Is(entgo.OpCreate) && !statusSet {
			return next.Mutate(ctx, m)
		}
		ids, err := updatedIDs(ctx, m)
		if err != nil {
			return nil, err
		}
		s, inTx := p.reserve(m)
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		var items []item
		detail := ""
		if code, ok := m.ErrorCode(); ok {
			detail = strconv.Itoa(code)
		}
		switch {
		case m.Op().Is(entgo.OpCreate):
			items = append(items, createdMessage(m, v))
		case m.Op().Is(entgo.OpUpdateOne):
			if n, ok := v.(*ent.Message); ok {
				ev := messageEvent(eventbus.KindMessageStatus, n)
				ev.Status, ev.Detail = string(status), detail
				items = append(items, item{ev: ev})
			}
		case m.Op().Is(entgo.OpUpdate):
			if n, _ := v.(int); n == 0 {
				break
			}
			for _, id := range ids {
				items = append(items, item{need: needMessage, ev: eventbus.Event{
					Kind: eventbus.KindMessageStatus, MessageID: id, Status: string(status), Detail: detail,
				}})
			}
		}
		p.done(ctx, s, inTx, items)
		return v, nil
	})
}

// updatedIDs reads the rows an update by predicate is about to change,
// before it runs: its predicate may select by the value it changes (the
// old status). Other operations name their rows themselves.
func updatedIDs(ctx context.Context, m interface {
	Op() entgo.Op
	IDs(context.Context) ([]int, error)
}) ([]int, error) {
	if !m.Op().Is(entgo.OpUpdate) {
		return nil, nil
	}
	return m.IDs(ctx)
}

func createdMessage(m *ent.MessageMutation, v ent.Value) item {
	ev := eventbus.Event{Kind: eventbus.KindMessageOutbound}
	if d, _ := m.Direction(); d == "INBOUND" {
		ev.Kind = eventbus.KindMessageInbound
	}
	ev.AccountID, _ = m.AccountID()
	ev.IntegrationID, _ = m.IntegrationID()
	ev.ConversationID, _ = m.ConversationID()
	if s, ok := m.Status(); ok {
		ev.Status = string(s)
	}
	var id int
	if n, ok := v.(*ent.Message); ok {
		id = n.ID
	}
	if w, ok := m.Wamid(); ok && w != "" {
		return item{ev: ev, need: needWamid, wamid: w, inserted: id}
	}
	ev.MessageID = id
	return item{ev: ev}
}

func messageEvent(kind string, n *ent.Message) eventbus.Event {
	ev := eventbus.Event{Kind: kind, AccountID: n.AccountID, IntegrationID: n.IntegrationID, MessageID: n.ID, Status: string(n.Status)}
	if n.ConversationID != nil {
		ev.ConversationID = *n.ConversationID
	}
	return ev
}

// activityFields are the fields whose change alone is last activity, not
// a change of the integration.
var activityFields = []string{integration.FieldLastActivityAt, integration.FieldUpdatedAt}

func integrationKind(m *ent.IntegrationMutation) string {
	if len(m.ClearedFields()) > 0 || len(m.AddedFields()) > 0 {
		return eventbus.KindIntegrationChanged
	}
	fields := m.Fields()
	if !slices.Contains(fields, integration.FieldLastActivityAt) {
		return eventbus.KindIntegrationChanged
	}
	for _, f := range fields {
		if !slices.Contains(activityFields, f) {
			return eventbus.KindIntegrationChanged
		}
	}
	return eventbus.KindIntegrationActivity
}

func integrationStatus(n *ent.Integration) string {
	if n.Active {
		return "ACTIVE"
	}
	return "INACTIVE"
}

func (p *Publisher) integrationHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, mu ent.Mutation) (ent.Value, error) {
		m, ok := mu.(*ent.IntegrationMutation)
		if !ok {
			return next.Mutate(ctx, mu)
		}
		var (
			ids      []int
			accounts map[int]int
			err      error
		)
		switch {
		case m.Op().Is(entgo.OpUpdate):
			ids, err = m.IDs(ctx)
		case m.Op().Is(entgo.OpDelete | entgo.OpDeleteOne):
			// The rows are gone after the commit: read their accounts now.
			if ids, err = m.IDs(ctx); err == nil {
				accounts, err = p.accountsOf(ctx, m.Client(), ids)
			}
		}
		if err != nil {
			return nil, err
		}
		s, inTx := p.reserve(m)
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		var items []item
		switch {
		case m.Op().Is(entgo.OpCreate | entgo.OpUpdateOne):
			if n, ok := v.(*ent.Integration); ok {
				p.accounts.Add(n.ID, n.AccountID)
				items = append(items, item{ev: eventbus.Event{
					Kind: integrationKind(m), AccountID: n.AccountID, IntegrationID: n.ID, Status: integrationStatus(n),
				}})
				if m.Op().Is(entgo.OpCreate) {
					items[0].ev.Kind = eventbus.KindIntegrationChanged
				}
			}
		case m.Op().Is(entgo.OpUpdate):
			if n, _ := v.(int); n == 0 {
				break
			}
			kind := integrationKind(m)
			for _, id := range ids {
				items = append(items, item{need: needAccount, ev: eventbus.Event{Kind: kind, IntegrationID: id}})
			}
		case m.Op().Is(entgo.OpDelete | entgo.OpDeleteOne):
			for _, id := range ids {
				if acct, ok := accounts[id]; ok {
					items = append(items, item{ev: eventbus.Event{
						Kind: eventbus.KindIntegrationChanged, AccountID: acct, IntegrationID: id, Status: StatusDeleted,
					}})
				}
			}
		}
		p.done(ctx, s, inTx, items)
		return v, nil
	})
}

func (p *Publisher) integrationErrorHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, mu ent.Mutation) (ent.Value, error) {
		m, ok := mu.(*ent.IntegrationErrorMutation)
		if !ok || !m.Op().Is(entgo.OpCreate) {
			return next.Mutate(ctx, mu)
		}
		s, inTx := p.reserve(m)
		v, err := next.Mutate(ctx, mu)
		if err != nil {
			return v, err
		}
		// Error rows are inserted without ON CONFLICT, so ent's ids are right.
		if n, ok := v.(*ent.IntegrationError); ok {
			p.done(ctx, s, inTx, []item{{ev: eventbus.Event{
				Kind: eventbus.KindIntegrationError, AccountID: n.AccountID, IntegrationID: n.IntegrationID,
				ErrorID: n.ID, Detail: string(n.Kind),
			}}})
		}
		return v, nil
	})
}

func (p *Publisher) conversationHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, mu ent.Mutation) (ent.Value, error) {
		m, ok := mu.(*ent.ConversationMutation)
		if !ok {
			return next.Mutate(ctx, mu)
		}
		status, statusSet := m.Status()
		if !m.Op().Is(entgo.OpCreate) && !(statusSet && m.Op().Is(entgo.OpUpdate|entgo.OpUpdateOne)) {
			return next.Mutate(ctx, m)
		}
		ids, err := updatedIDs(ctx, m)
		if err != nil {
			return nil, err
		}
		s, inTx := p.reserve(m)
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		var items []item
		switch {
		case m.Op().Is(entgo.OpCreate) || (statusSet && m.Op().Is(entgo.OpUpdateOne)):
			if n, ok := v.(*ent.Conversation); ok {
				items = append(items, item{ev: eventbus.Event{
					Kind: KindConversationChanged, AccountID: n.AccountID, IntegrationID: n.IntegrationID,
					ConversationID: n.ID, Status: string(n.Status),
				}})
			}
		case statusSet && m.Op().Is(entgo.OpUpdate):
			if n, _ := v.(int); n == 0 {
				break
			}
			for _, id := range ids {
				items = append(items, item{need: needConversation, ev: eventbus.Event{
					Kind: KindConversationChanged, ConversationID: id, Status: string(status),
				}})
			}
		}
		p.done(ctx, s, inTx, items)
		return v, nil
	})
}
