package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/graph/model"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/tenant"
)

// CodeSlowSubscriber ends a subscription that fell behind its events.
const CodeSlowSubscriber = "SLOW_SUBSCRIBER"

// activityInterval is the least time between two last-activity updates of
// one integration on one subscription (on its feed, which all its
// subscriptions share).
const activityInterval = time.Second

// subscriptionBuffer is the number of events each subscription may have
// waiting for its client before it is closed as too slow. One webhook
// commit announces the messages of many POSTs at once (about 15 at 64 in
// flight, up to the committer's batch), and with thousands of subscribers
// the last ones drain a burst in tens of milliseconds: room for several
// such bursts, at 8 bytes a slot (1 KiB per idle subscription).
const subscriptionBuffer = 128

// dedupeSize bounds what a feed remembers to drop an event it already
// sent (the same change published twice, e.g. by a worker and by the ent
// hooks).
const dedupeSize = 256

// subscriptions holds the feeds of the three subscription fields.
type subscriptions struct {
	activity *feeds[*model.IntegrationActivityEvent]
	messages *feeds[*model.MessageEvent]
	errors   *feeds[*model.IntegrationErrorEvent]
}

func newSubscriptions(r *Resolver, reg prometheus.Registerer) *subscriptions {
	live := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "intalos", Subsystem: "graphql", Name: "subscriptions",
		Help: "Live GraphQL subscriptions on this instance.",
	})
	if reg != nil {
		reg.MustRegister(live)
	}
	coalesce := eventbus.WithCoalescing(activityInterval, eventbus.PerIntegration(eventbus.KindIntegrationActivity))
	return &subscriptions{
		activity: newFeeds(r.bus, live, []string{eventbus.KindIntegrationChanged, eventbus.KindIntegrationActivity},
			[]eventbus.SubscribeOption{coalesce}, r.activityConverter),
		messages: newFeeds(r.bus, live, []string{eventbus.KindMessageInbound, eventbus.KindMessageOutbound, eventbus.KindMessageStatus},
			nil, r.messageConverter),
		errors: newFeeds(r.bus, live, []string{eventbus.KindIntegrationError}, nil, r.errorConverter),
	}
}

// subscribe joins the caller's account to k's feed in fs. Authorise
// before calling it.
func subscribe[T any](ctx context.Context, r *Resolver, fs *feeds[T], k feedKey) (<-chan T, error) {
	if r.bus == nil {
		return nil, newError(ctx, CodeFailedPrecondition, "live updates are not available on this server")
	}
	acct, ok := tenant.Account(ctx)
	if !ok {
		return nil, errUnauthenticated(ctx)
	}
	k.account = acct // never from arguments
	return fs.subscribe(ctx, k)
}

// onOwnStack runs fn on a short-lived goroutine and waits for it. gqlgen
// keeps the goroutine that calls a subscription resolver (and, for the
// websocket's init function, the connection's) for as long as the
// subscription lives: whatever stack fn grows there, queries above all
// (SQLite's are deep), would stay with it, idle, at several times what
// waiting needs (about 12 KiB per subscriber with SQLite).
func onOwnStack[T any](fn func() (T, error)) (T, error) {
	var (
		v   T
		err error
		p   any
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { p = recover() }()
		v, err = fn()
	}()
	<-done
	if p != nil {
		panic(p) // where gqlgen recovers it
	}
	return v, err
}

// seen remembers recent keys; a small ring, so memory stays fixed.
type seen[K comparable] struct {
	set  map[K]struct{}
	ring []K
	next int
}

func newSeen[K comparable]() *seen[K] { return &seen[K]{set: make(map[K]struct{})} }

// add reports whether k is new, remembering it.
func (s *seen[K]) add(k K) bool {
	if _, ok := s.set[k]; ok {
		return false
	}
	if len(s.ring) < dedupeSize {
		s.ring = append(s.ring, k)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = k
		s.next = (s.next + 1) % dedupeSize
	}
	s.set[k] = struct{}{}
	return true
}

// optionalIntegration authorises an optional integration id: it must be
// one of the caller's account, answering NOT_FOUND as a missing one does.
func (r *Resolver) optionalIntegration(ctx context.Context, gid *string) (int, error) {
	if gid == nil {
		return 0, nil
	}
	return r.existingIntegration(ctx, *gid)
}

func (r *Resolver) integrationActivity(ctx context.Context, integrationID *string) (<-chan *model.IntegrationActivityEvent, error) {
	return onOwnStack(func() (<-chan *model.IntegrationActivityEvent, error) {
		id, err := r.optionalIntegration(ctx, integrationID)
		if err != nil {
			return nil, err
		}
		return subscribe(ctx, r, r.subs.activity, feedKey{integration: id})
	})
}

func (r *Resolver) activityConverter() converter[*model.IntegrationActivityEvent] {
	type state struct {
		kind    model.IntegrationActivityKind
		updated time.Time
		active  time.Time
	}
	last := map[int]state{}
	return func(ctx context.Context, ev eventbus.Event) (*model.IntegrationActivityEvent, bool) {
		if ev.Kind == eventbus.KindResync {
			clear(last)
			return &model.IntegrationActivityEvent{Kind: model.IntegrationActivityKindResync, Resync: true, At: ev.At}, true
		}
		gid := globalID(typeIntegration, ev.IntegrationID)
		out := &model.IntegrationActivityEvent{Kind: model.IntegrationActivityKindChanged, IntegrationID: &gid, At: ev.At}
		if ev.Kind == eventbus.KindIntegrationActivity {
			out.Kind = model.IntegrationActivityKindActivity
		}
		in, err := r.reloads.integration(ctx, ev)
		switch {
		case ent.IsNotFound(err) && ev.Status == events.StatusDeleted:
			out.Kind = model.IntegrationActivityKindDeleted
			delete(last, ev.IntegrationID)
			return out, true
		case err != nil:
			r.reloadFailed(ctx, ev, err)
			return nil, false
		}
		s := state{kind: out.Kind, updated: in.UpdatedAt}
		if in.LastActivityAt != nil {
			s.active = *in.LastActivityAt
		}
		if prev, ok := last[in.ID]; ok && prev == s {
			return nil, false // the same change, announced twice
		}
		last[in.ID] = s
		out.Integration = in
		return out, true
	}
}

func (r *Resolver) messageEvents(ctx context.Context, integrationID string, conversationID *string) (<-chan *model.MessageEvent, error) {
	return onOwnStack(func() (<-chan *model.MessageEvent, error) {
		k, err := r.messageFeedKey(ctx, integrationID, conversationID)
		if err != nil {
			return nil, err
		}
		return subscribe(ctx, r, r.subs.messages, k)
	})
}

// messageFeedKey authorises messageEvents' arguments.
func (r *Resolver) messageFeedKey(ctx context.Context, integrationID string, conversationID *string) (feedKey, error) {
	inID, err := r.existingIntegration(ctx, integrationID)
	if err != nil {
		return feedKey{}, err
	}
	k := feedKey{integration: inID}
	if conversationID != nil {
		convID, err := idOf(ctx, typeConversation, "conversationId", *conversationID)
		if err != nil {
			return feedKey{}, err
		}
		ok, err := r.read(ctx).Conversation.Query().Where(conversation.ID(convID), conversation.IntegrationID(inID)).Exist(ctx)
		if err != nil || !ok {
			return feedKey{}, orNotFound(ctx, "conversationId", err)
		}
		k.conversation = convID
	}
	return k, nil
}

func (r *Resolver) messageConverter() converter[*model.MessageEvent] {
	type key struct {
		kind   string
		id     int
		status string
	}
	sent := newSeen[key]()
	return func(ctx context.Context, ev eventbus.Event) (*model.MessageEvent, bool) {
		if ev.Kind == eventbus.KindResync {
			return &model.MessageEvent{Kind: model.MessageEventKindResync, Resync: true, At: ev.At}, true
		}
		if !sent.add(key{ev.Kind, ev.MessageID, ev.Status}) {
			return nil, false
		}
		m, err := r.reloads.message(ctx, ev)
		if err != nil {
			r.reloadFailed(ctx, ev, err)
			return nil, false
		}
		return messageEvent(ev, m), true
	}
}

func messageEvent(ev eventbus.Event, m *ent.Message) *model.MessageEvent {
	out := &model.MessageEvent{Kind: model.MessageEventKindStatus, Message: m, At: ev.At}
	switch ev.Kind {
	case eventbus.KindMessageInbound:
		out.Kind = model.MessageEventKindInbound
	case eventbus.KindMessageOutbound:
		out.Kind = model.MessageEventKindOutbound
	}
	status := m.Status
	if ev.Status != "" {
		status = message.Status(ev.Status)
	}
	out.Status = &status
	if code, err := strconv.Atoi(ev.Detail); err == nil {
		out.ErrorCode = &code
	} else if status == message.StatusFAILED {
		out.ErrorCode = m.ErrorCode
	}
	if m.ConversationID != nil {
		gid := globalID(typeConversation, *m.ConversationID)
		out.ConversationID = &gid
	}
	return out
}

func (r *Resolver) integrationErrorEvents(ctx context.Context, integrationID *string) (<-chan *model.IntegrationErrorEvent, error) {
	return onOwnStack(func() (<-chan *model.IntegrationErrorEvent, error) {
		id, err := r.optionalIntegration(ctx, integrationID)
		if err != nil {
			return nil, err
		}
		return subscribe(ctx, r, r.subs.errors, feedKey{integration: id})
	})
}

func (r *Resolver) errorConverter() converter[*model.IntegrationErrorEvent] {
	sent := newSeen[int]()
	return func(ctx context.Context, ev eventbus.Event) (*model.IntegrationErrorEvent, bool) {
		if ev.Kind == eventbus.KindResync {
			return &model.IntegrationErrorEvent{Resync: true, At: ev.At}, true
		}
		if !sent.add(ev.ErrorID) {
			return nil, false
		}
		e, err := r.reloads.integrationError(ctx, ev)
		if err != nil {
			r.reloadFailed(ctx, ev, err)
			return nil, false
		}
		gid := globalID(typeIntegration, e.IntegrationID)
		return &model.IntegrationErrorEvent{IntegrationID: &gid, Error: e, At: e.CreatedAt}, true
	}
}

// reloadFailed logs a reload that went wrong; a row deleted meanwhile is
// not worth a line.
func (r *Resolver) reloadFailed(ctx context.Context, ev eventbus.Event, err error) {
	if ent.IsNotFound(err) || ctx.Err() != nil {
		return
	}
	r.logger.WarnContext(ctx, "subscription: reloading", "kind", ev.Kind, "integration_id", ev.IntegrationID, "err", err)
}
