// Package eventbus carries small "something changed" events from the code
// that commits a change to the GraphQL subscriptions that show it live.
//
// There is one interface, [Bus], and two implementations:
//
//   - [InProcess], the embedded single-instance default (SQLite);
//   - [Postgres], PostgreSQL LISTEN/NOTIFY through lib/pq's Listener, for any
//     number of server instances on one database.
//
// Both deliver through the same fan-out: every subscription has a bounded
// buffer and publishing never blocks. A subscriber that lets its buffer fill
// up is closed and [Subscription.Err] reports [ErrSlowSubscriber]; the
// publisher and every other subscriber carry on.
//
// Events are published after the transaction that made the change commits,
// and carry ids, not entities: a subscriber reloads what it shows. When the
// PostgreSQL listener loses its connection, notifications sent meanwhile are
// lost; after it reconnects every subscriber receives an event of kind
// [KindResync] so that it can refetch instead of silently going stale.
//
// # Use from a GraphQL subscription resolver
//
// Authorise first (the integration must belong to the caller's account), then
// subscribe with the caller's account id, start one goroutine, and return:
//
//	sub, err := bus.Subscribe(ctx, eventbus.Filter{
//		AccountID:     accountID, // from the authenticated connection, never from arguments
//		IntegrationID: integrationID,
//		Kinds:         []string{eventbus.KindMessageInbound, eventbus.KindMessageOutbound, eventbus.KindMessageStatus},
//	})
//	if err != nil {
//		return nil, err
//	}
//	out := make(chan *model.MessageEvent, 1)
//	go func() {
//		defer close(out)
//		defer sub.Close()
//		for ev := range sub.C() {
//			m, err := load(ctx, ev) // reload through the tenant-scoped ent client
//			if err != nil {
//				continue
//			}
//			select {
//			case out <- m:
//			case <-ctx.Done():
//				return
//			}
//		}
//		if errors.Is(sub.Err(), eventbus.ErrSlowSubscriber) {
//			graphql.AddError(ctx, sub.Err()) // the client sees why the stream ended
//		}
//	}()
//	return out, nil
//
// The subscription ends by itself when ctx ends; Close is still safe to call.
//
// # Many subscribers, one filter
//
// The GraphQL API does not subscribe once per client: its subscriptions
// with the same filter share one bus subscription, whose goroutine reloads
// each event once and hands the result to every client's bounded channel
// (graph/feeds.go). The bus buffer then belongs to that shared
// subscription.
//
// # Where a slow websocket client is absorbed
//
// The websocket adapter (internal/gqlws) queues each connection's messages
// with write deadlines, so gqlgen never waits on the network: a client that
// stops reading fills its send queue and its socket is closed. A
// subscription whose own channel fills (its gqlgen goroutine falls behind)
// is closed with SLOW_SUBSCRIBER. A bus subscription that fills (events come
// faster than they are reloaded) is closed with ErrSlowSubscriber, which
// ends every client subscription sharing it the same way. The publisher
// never waits.
package eventbus
