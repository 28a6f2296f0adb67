package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Event kinds. The publishers (ent hooks, the webhook, the flow engine) and the
// subscription resolvers share these names.
const (
	// KindResync tells a subscriber that events may have been lost (the
	// PostgreSQL listener reconnected): refetch what is shown. It is delivered
	// to every subscription whatever its filter, with no ids set, and cannot be
	// published.
	KindResync = "resync"

	// KindIntegrationActivity: the integration's last activity time moved.
	// Frequent; subscribers coalesce it (see [WithCoalescing]).
	KindIntegrationActivity = "integration.activity"
	// KindIntegrationChanged: status, connected bot or settings changed. The
	// webhook's integration caches are invalidated on it.
	KindIntegrationChanged = "integration.changed"
	// KindIntegrationError: an error was recorded for the integration.
	KindIntegrationError = "integration.error"
	// KindMessageInbound: a message from a contact was stored.
	KindMessageInbound = "message.inbound"
	// KindMessageOutbound: a reply was queued.
	KindMessageOutbound = "message.outbound"
	// KindMessageStatus: an outbound message changed status (sent, delivered,
	// read, failed).
	KindMessageStatus = "message.status"
)

// MaxPayloadBytes is the largest NOTIFY payload PostgreSQL accepts (it must
// be shorter than 8000 bytes). One encoded event must fit in it; both
// implementations enforce it so that the embedded default fails the same way
// production would.
const MaxPayloadBytes = 7999

var (
	// ErrSlowSubscriber closes a subscription whose buffer was full when an
	// event had to be delivered.
	ErrSlowSubscriber = errors.New("eventbus: subscriber too slow, events dropped")
	// ErrClosed is returned by a closed bus and closes its subscriptions.
	ErrClosed = errors.New("eventbus: bus closed")
	// ErrUnsubscribed is reported by a subscription closed with Close.
	ErrUnsubscribed = errors.New("eventbus: unsubscribed")
	// ErrPayloadTooLarge is returned when an event (or, for a transactional
	// notify, the set of events) does not fit in one NOTIFY payload.
	ErrPayloadTooLarge = errors.New("eventbus: payload exceeds NOTIFY limit")
	// ErrInvalidEvent is returned for an event that cannot be published.
	ErrInvalidEvent = errors.New("eventbus: invalid event")
	// ErrInvalidFilter is returned by Subscribe for a filter without an account.
	ErrInvalidFilter = errors.New("eventbus: invalid filter")
)

// Event says that something changed; subscribers load the rest. Ids that do
// not apply stay zero. Events are values: a subscriber gets its own copy.
type Event struct {
	Kind           string `json:"kind"`
	AccountID      int    `json:"account,omitempty"`
	IntegrationID  int    `json:"integration,omitempty"`
	ConversationID int    `json:"conversation,omitempty"`
	MessageID      int    `json:"message,omitempty"`
	BotID          int    `json:"bot,omitempty"`
	ErrorID        int    `json:"error,omitempty"`
	// Status is the new status where the kind has one (an integration's,
	// a message's: queued, sent, delivered, read, failed).
	Status string `json:"status,omitempty"`
	// Detail is a short machine-readable note, e.g. a Graph API error code.
	Detail string `json:"detail,omitempty"`
	// At is when the change happened; Publish fills in the current time when
	// it is zero.
	At time.Time `json:"at"`
}

func (e Event) validate() error {
	switch {
	case e.Kind == "":
		return fmt.Errorf("%w: empty kind", ErrInvalidEvent)
	case e.Kind == KindResync:
		return fmt.Errorf("%w: kind %q is reserved", ErrInvalidEvent, KindResync)
	case e.AccountID <= 0:
		// Without an account no tenant filter could ever apply.
		return fmt.Errorf("%w: %s without account id", ErrInvalidEvent, e.Kind)
	}
	return nil
}

// encode returns the JSON of e, checking that it fits in one NOTIFY payload.
func (e Event) encode() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	// 2 bytes for the brackets of a batch of one.
	if len(b)+2 > MaxPayloadBytes {
		return nil, fmt.Errorf("%w: %s event is %d bytes, limit %d", ErrPayloadTooLarge, e.Kind, len(b)+2, MaxPayloadBytes)
	}
	return b, nil
}

// prepare validates and encodes events for publishing, stamping At.
func prepare(events []Event, now time.Time) ([]Event, [][]byte, error) {
	out := make([]Event, len(events))
	enc := make([][]byte, len(events))
	for i, e := range events {
		if err := e.validate(); err != nil {
			return nil, nil, err
		}
		if e.At.IsZero() {
			e.At = now
		}
		b, err := e.encode()
		if err != nil {
			return nil, nil, err
		}
		out[i], enc[i] = e, b
	}
	return out, enc, nil
}

// Filter selects the events a subscription receives. AccountID is required:
// no event of another account ever matches. Zero fields match anything.
type Filter struct {
	AccountID      int
	IntegrationID  int
	ConversationID int
	// Kinds, when not empty, lists the kinds wanted. KindResync is always
	// delivered.
	Kinds []string
	// AllAccounts subscribes to every account's events instead of AccountID's.
	// It is for in-server consumers such as cache invalidation, never for a
	// subscription that a client controls.
	AllAccounts bool
}

func (f Filter) validate() error {
	if f.AllAccounts != (f.AccountID == 0) {
		return fmt.Errorf("%w: set exactly one of AccountID and AllAccounts", ErrInvalidFilter)
	}
	if f.AccountID < 0 {
		return fmt.Errorf("%w: negative account id", ErrInvalidFilter)
	}
	return nil
}

func (f *Filter) match(e *Event) bool {
	if e.Kind == KindResync {
		return true
	}
	if !f.AllAccounts && e.AccountID != f.AccountID {
		return false
	}
	if f.IntegrationID != 0 && e.IntegrationID != f.IntegrationID {
		return false
	}
	if f.ConversationID != 0 && e.ConversationID != f.ConversationID {
		return false
	}
	return len(f.Kinds) == 0 || slices.Contains(f.Kinds, e.Kind)
}

// Bus publishes events and hands them to matching subscriptions.
type Bus interface {
	// Publish sends already committed events. It never waits for
	// subscribers. All events are checked before any is sent.
	Publish(ctx context.Context, events ...Event) error
	// Subscribe returns a subscription that receives the events matching f
	// until ctx ends, Close is called, it falls behind, or the bus closes.
	Subscribe(ctx context.Context, f Filter, opts ...SubscribeOption) (*Subscription, error)
	// Close closes every subscription with ErrClosed.
	Close() error
}
