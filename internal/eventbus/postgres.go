package eventbus

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lib/pq"
)

// DefaultChannel is the NOTIFY channel used when PostgresConfig.Channel is
// empty.
const DefaultChannel = "intalos_events"

// PostgresConfig configures a Postgres bus.
type PostgresConfig struct {
	// DSN opens the listener's own connection (lib/pq syntax). Adding
	// application_name to it makes the connection easy to spot in
	// pg_stat_activity.
	DSN string
	// DB sends the notifications; any pool on the same database.
	DB *sql.DB
	// Channel is the NOTIFY channel (at most 63 bytes); DefaultChannel when
	// empty. Every instance of one deployment must use the same.
	Channel string
	// Buffer is the default subscription buffer (0 means DefaultBuffer).
	Buffer int
	// MinReconnect and MaxReconnect bound the listener's reconnect back-off
	// (defaults 100ms and 10s).
	MinReconnect, MaxReconnect time.Duration
	// PingInterval is how often the idle listener connection is checked, so
	// that a dead connection is noticed and replaced (default 30s).
	PingInterval time.Duration
}

// Postgres is the bus for several server instances on one database. Every
// event goes through NOTIFY, including to subscribers of the instance that
// published it: the listener's single goroutine feeds the shared fan-out, so
// all instances see events in the same (commit) order.
type Postgres struct {
	log      *slog.Logger
	db       *sql.DB
	channel  string
	listener *pq.Listener
	hub      *fanout

	done      chan struct{} // the notification loop ended
	stopPing  chan struct{}
	closeOnce sync.Once
}

var _ Bus = (*Postgres)(nil)

// NewPostgres connects the listener and starts listening. It waits until the
// first LISTEN succeeded or ctx ends.
func NewPostgres(ctx context.Context, logger *slog.Logger, cfg PostgresConfig) (*Postgres, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DB == nil {
		return nil, errors.New("eventbus: PostgresConfig.DB is required")
	}
	if cfg.Channel == "" {
		cfg.Channel = DefaultChannel
	}
	if len(cfg.Channel) > 63 {
		return nil, fmt.Errorf("eventbus: channel name %q is longer than 63 bytes", cfg.Channel)
	}
	if cfg.MinReconnect <= 0 {
		cfg.MinReconnect = 100 * time.Millisecond
	}
	if cfg.MaxReconnect < cfg.MinReconnect {
		cfg.MaxReconnect = max(10*time.Second, cfg.MinReconnect)
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 30 * time.Second
	}
	b := &Postgres{
		log:      logger.With(slog.String("channel", cfg.Channel)),
		db:       cfg.DB,
		channel:  cfg.Channel,
		hub:      newFanout(logger, cfg.Buffer),
		done:     make(chan struct{}),
		stopPing: make(chan struct{}),
	}
	b.listener = pq.NewListener(cfg.DSN, cfg.MinReconnect, cfg.MaxReconnect, b.onListenerEvent)

	// Listen blocks until a connection exists, which may be never.
	listened := make(chan error, 1)
	go func() { listened <- b.listener.Listen(cfg.Channel) }()
	select {
	case err := <-listened:
		if err != nil {
			_ = b.listener.Close()
			return nil, fmt.Errorf("eventbus: listen on %q: %w", cfg.Channel, err)
		}
	case <-ctx.Done():
		_ = b.listener.Close() // unblocks Listen
		<-listened
		return nil, fmt.Errorf("eventbus: listen on %q: %w", cfg.Channel, ctx.Err())
	}

	go b.run()
	go b.ping(cfg.PingInterval)
	return b, nil
}

// onListenerEvent runs on pq's notification goroutine: log only. The resync
// itself follows the nil notification, in order with real notifications.
func (b *Postgres) onListenerEvent(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventDisconnected:
		b.log.Warn("eventbus: listener disconnected, notifications are lost until it reconnects", slog.Any("error", err))
	case pq.ListenerEventReconnected:
		b.log.Info("eventbus: listener reconnected, subscribers are told to resync")
	case pq.ListenerEventConnectionAttemptFailed:
		b.log.Warn("eventbus: listener connection attempt failed", slog.Any("error", err))
	}
}

func (b *Postgres) run() {
	defer close(b.done)
	for n := range b.listener.Notify {
		if n == nil {
			// pq sends nil after reconnecting: anything sent while the
			// connection was down is gone.
			b.hub.deliver(Event{Kind: KindResync, At: time.Now()})
			continue
		}
		if n.Channel != b.channel {
			continue
		}
		events, err := decodePayload(n.Extra)
		if err != nil {
			b.log.Warn("eventbus: ignoring malformed notification", slog.Any("error", err), slog.Int("bytes", len(n.Extra)))
			continue
		}
		b.hub.deliver(events...)
	}
}

func (b *Postgres) ping(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stopPing:
			return
		case <-t.C:
			// A failed ping makes pq drop the connection and reconnect.
			if err := b.listener.Ping(); err != nil {
				b.log.Debug("eventbus: listener ping failed", slog.Any("error", err))
			}
		}
	}
}

// decodePayload reads a JSON array of events, dropping the ones that could
// not have been published (any database user can NOTIFY).
func decodePayload(s string) ([]Event, error) {
	var events []Event
	if err := json.Unmarshal([]byte(s), &events); err != nil {
		return nil, err
	}
	valid := events[:0]
	for _, e := range events {
		if e.validate() == nil {
			valid = append(valid, e)
		}
	}
	return valid, nil
}

// pack joins encoded events into as few JSON-array payloads as fit the limit.
func pack(enc [][]byte) []string {
	var payloads []string
	buf := make([]byte, 0, 512)
	for _, e := range enc {
		// +2 for the closing bracket and a comma (or the opening bracket).
		if len(buf) > 0 && len(buf)+len(e)+2 > MaxPayloadBytes {
			payloads = append(payloads, string(append(buf, ']')))
			buf = buf[:0]
		}
		if len(buf) == 0 {
			buf = append(buf, '[')
		} else {
			buf = append(buf, ',')
		}
		buf = append(buf, e...)
	}
	if len(buf) > 0 {
		payloads = append(payloads, string(append(buf, ']')))
	}
	return payloads
}

// Publish sends already committed events: one statement, one short
// transaction, as few NOTIFYs as the size limit allows. An event that alone
// exceeds the limit fails the whole call with ErrPayloadTooLarge before
// anything is sent.
func (b *Postgres) Publish(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	if b.hub.isClosed() {
		return ErrClosed
	}
	_, enc, err := prepare(events, time.Now())
	if err != nil {
		return err
	}
	payloads := pack(enc)
	if len(payloads) == 1 {
		_, err = b.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, b.channel, payloads[0])
	} else {
		// unnest yields the array in order, so notifications keep it.
		_, err = b.db.ExecContext(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, b.channel, pq.Array(payloads))
	}
	if err != nil {
		return fmt.Errorf("eventbus: notify: %w", err)
	}
	return nil
}

// Subscribe registers a subscription on this instance; see Bus.
func (b *Postgres) Subscribe(ctx context.Context, f Filter, opts ...SubscribeOption) (*Subscription, error) {
	return b.hub.subscribe(ctx, f, opts)
}

// Close stops the listener, waits for its goroutines and closes every
// subscription with ErrClosed. It does not close DB.
func (b *Postgres) Close() error {
	var err error
	b.closeOnce.Do(func() {
		close(b.stopPing)
		err = b.listener.Close()
		<-b.done
		b.hub.close(ErrClosed)
	})
	return err
}
