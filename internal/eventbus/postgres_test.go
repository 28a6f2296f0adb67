package eventbus

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
)

// testDSN connects to the test server through the shared helper, which
// skips without TEST_DATABASE_URL (a failure with INTALOS_REQUIRE_POSTGRES=1).
// Notification channels are database-wide; tests use unique channel names.
func testDSN(t *testing.T) string {
	t.Helper()
	return testdb.PostgresSource(t).DSN
}

// uniqueName makes channel and application names that cannot collide
// between parallel tests or runs.
func uniqueName(t *testing.T, prefix string) string {
	t.Helper()
	return fmt.Sprintf("%s_%s", prefix, strings.ToLower(rand.Text()[:12]))
}

func withAppName(t *testing.T, dsn, name string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		// key=value form
		return dsn + " application_name=" + name
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.PingContext(t.Context()); err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	return db
}

// newPostgresBus starts one "server instance" listening on channel.
func newPostgresBus(t *testing.T, db *sql.DB, dsn, channel string) *Postgres {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	b, err := NewPostgres(ctx, testLogger(t), PostgresConfig{
		DSN:          dsn,
		DB:           db,
		Channel:      channel,
		MinReconnect: 20 * time.Millisecond,
		MaxReconnect: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("NewPostgres: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestPostgresAcrossInstances(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	db := openDB(t, dsn)
	channel := uniqueName(t, "evtest")
	a := newPostgresBus(t, db, dsn, channel)
	b := newPostgresBus(t, db, dsn, channel)

	onB, err := b.Subscribe(t.Context(), Filter{AccountID: 1, IntegrationID: 10})
	if err != nil {
		t.Fatal(err)
	}
	onA, err := a.Subscribe(t.Context(), Filter{AccountID: 1})
	if err != nil {
		t.Fatal(err)
	}
	otherTenantOnB, err := b.Subscribe(t.Context(), Filter{AccountID: 2})
	if err != nil {
		t.Fatal(err)
	}

	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	want := Event{Kind: KindMessageStatus, AccountID: 1, IntegrationID: 10, ConversationID: 100, MessageID: 1000, Status: "delivered", At: at}
	if err := a.Publish(t.Context(),
		want,
		Event{Kind: KindMessageInbound, AccountID: 1, IntegrationID: 11, MessageID: 1001},
	); err != nil {
		t.Fatalf("Publish: %v", err)
	}

	got := receive(t, onB, 1)[0]
	got.At = got.At.UTC()
	if got != want {
		t.Errorf("instance B got %+v, want %+v", got, want)
	}
	// The publishing instance's own subscribers get events through NOTIFY
	// too, in the same order.
	if got, want := ids(receive(t, onA, 2)), []int{1000, 1001}; !equalInts(got, want) {
		t.Errorf("instance A got %v, want %v", got, want)
	}
	quiet(t, onB, 50*time.Millisecond)
	quiet(t, otherTenantOnB, 10*time.Millisecond)
}

func TestPostgresPayloadLimit(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	db := openDB(t, dsn)
	channel := uniqueName(t, "evtest")
	bus := newPostgresBus(t, db, dsn, channel)
	s, err := bus.Subscribe(t.Context(), Filter{AccountID: 1}, WithBuffer(1000))
	if err != nil {
		t.Fatal(err)
	}

	huge := Event{Kind: KindIntegrationError, AccountID: 1, Detail: strings.Repeat("x", 8000)}
	if err := bus.Publish(t.Context(), huge); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("Publish of %d-byte detail: got %v, want %v", len(huge.Detail), err, ErrPayloadTooLarge)
	}

	// Our limit is PostgreSQL's: the largest payload we allow is accepted.
	var fits strings.Builder
	fits.WriteString(strings.Repeat("y", MaxPayloadBytes))
	if _, err := db.ExecContext(t.Context(), `SELECT pg_notify($1, $2)`, uniqueName(t, "unused"), fits.String()); err != nil {
		t.Errorf("PostgreSQL refused a %d-byte payload: %v", MaxPayloadBytes, err)
	}
	if _, err := db.ExecContext(t.Context(), `SELECT pg_notify($1, $2)`, uniqueName(t, "unused"), fits.String()+"y"); err == nil {
		t.Errorf("PostgreSQL accepted a %d-byte payload; MaxPayloadBytes is too small", MaxPayloadBytes+1)
	}

	// Many small events published after commit are split into several
	// notifications and arrive complete and in order.
	var many []Event
	var want []int
	for i := 1; i <= 300; i++ {
		many = append(many, Event{Kind: KindMessageOutbound, AccountID: 1, IntegrationID: 3, ConversationID: 4, MessageID: i, Status: "queued"})
		want = append(want, i)
	}
	if p := pack(mustEncode(t, many)); len(p) < 2 {
		t.Fatalf("test needs a batch bigger than one payload, got %d payload(s)", len(p))
	}
	if err := bus.Publish(t.Context(), many...); err != nil {
		t.Fatalf("Publish of %d events: %v", len(many), err)
	}
	if got := ids(receive(t, s, len(many))); !equalInts(got, want) {
		t.Errorf("got %v, want 1..%d in order", got, len(many))
	}
	quiet(t, s, 50*time.Millisecond)
}

func mustEncode(t *testing.T, events []Event) [][]byte {
	t.Helper()
	_, enc, err := prepare(events, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func TestPostgresIgnoresForeignNotifications(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	db := openDB(t, dsn)
	channel := uniqueName(t, "evtest")
	bus := newPostgresBus(t, db, dsn, channel)
	s, err := bus.Subscribe(t.Context(), Filter{AllAccounts: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, payload := range []string{
		`not json`,
		`[{"kind":"message.inbound"}]`,           // no account
		`[{"kind":"resync","account":1}]`,        // reserved kind
		`{"kind":"message.inbound","account":1}`, // not a batch
	} {
		if _, err := db.ExecContext(t.Context(), `SELECT pg_notify($1, $2)`, channel, payload); err != nil {
			t.Fatal(err)
		}
	}
	if err := bus.Publish(t.Context(), Event{Kind: KindMessageInbound, AccountID: 1, MessageID: 7}); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, s, 1)[0]; got.MessageID != 7 {
		t.Errorf("got %+v, want only the published message 7", got)
	}
}

func TestPostgresReconnectSendsResync(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	db := openDB(t, dsn)
	channel := uniqueName(t, "evtest")
	appName := uniqueName(t, "evlistener")
	a := newPostgresBus(t, db, dsn, channel)
	b := newPostgresBus(t, db, withAppName(t, dsn, appName), channel)

	filters := []Filter{{AccountID: 1}, {AccountID: 2, Kinds: []string{KindMessageStatus}}}
	var subs []*Subscription
	for _, f := range filters {
		s, err := b.Subscribe(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}

	// Kill B's listener connection, as a database restart or a network cut
	// would.
	var killed int
	err := db.QueryRowContext(t.Context(),
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, appName).Scan(&killed)
	if err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d backends named %s, want 1", killed, appName)
	}

	for i, s := range subs {
		got := receive(t, s, 1)[0]
		if got.Kind != KindResync {
			t.Fatalf("subscription %d: got %+v, want a %q event", i, got, KindResync)
		}
	}

	// Events published after the reconnect arrive again.
	if err := a.Publish(t.Context(), Event{Kind: KindMessageInbound, AccountID: 1, MessageID: 42}); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, subs[0], 1)[0]; got.MessageID != 42 {
		t.Errorf("after reconnect: got %+v, want message 42", got)
	}
	quiet(t, subs[1], 20*time.Millisecond)
}

func TestNewPostgresGivesUp(t *testing.T) {
	t.Parallel()
	dsn := testDSN(t)
	db := openDB(t, dsn)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	// Nothing listens on port 1.
	_, err := NewPostgres(ctx, testLogger(t), PostgresConfig{
		DSN: "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=1",
		DB:  db,
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want %v", err, context.DeadlineExceeded)
	}
}
