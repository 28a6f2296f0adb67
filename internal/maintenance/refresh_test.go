package maintenance

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/secrets/secretstest"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/testclock"
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// meta is the simulator with a count of every exchange attempt.
type meta struct {
	*whatsapptest.Server
	mu       sync.Mutex
	attempts int
}

func newMeta(t *testing.T, clk *testclock.Clock) *meta {
	m := &meta{}
	m.Server = whatsapptest.NewServer(t, whatsapptest.Config{Now: clk.Now, Log: func(e whatsapptest.LogEntry) {
		if e.Kind == whatsapptest.KindTokenExchange {
			m.mu.Lock()
			m.attempts++
			m.mu.Unlock()
		}
	}})
	m.AddApp("app-1", "the-app-secret")
	return m
}

func (m *meta) exchangeAttempts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.attempts
}

// exchanges counts the exchanges Meta granted.
func (m *meta) exchanges() int {
	n := 0
	for _, r := range m.Requests() {
		if r.Kind == whatsapptest.KindTokenExchange {
			n++
		}
	}
	return n
}

func refreshErrors(t *testing.T, f *fixture) []string {
	t.Helper()
	rows, err := f.db.Client.IntegrationError.Query().
		Where(integrationerror.KindEQ(integrationerror.KindTOKEN_REFRESH_FAILED)).All(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Message)
	}
	return out
}

func TestRefreshRenewsDueTokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		sim := newMeta(t, clk)
		client := whatsapp.NewClient(nil, sim.URL, whatsapp.WithClock(clk.Now))
		f := newFixture(t, db, secretstest.Box(t))
		now := clk.Now()
		soon, later := now.Add(3*24*time.Hour), now.Add(30*24*time.Hour)
		sim.AddToken("EAAsoon", whatsapptest.TokenSpec{AppID: "app-1", ExpiresAt: soon})
		sim.AddToken("EAAlater", whatsapptest.TokenSpec{AppID: "app-1", ExpiresAt: later})
		sim.AddToken("EAAforever", whatsapptest.TokenSpec{AppID: "app-1"})
		due := f.integration("the-app-secret", "EAAsoon", &soon)
		notDue := f.integration("the-app-secret", "EAAlater", &later)
		forever := f.integration("the-app-secret", "EAAforever", nil)
		sub := watch(t, db, f.account)

		r := NewTokenRefresher(db, client, f.box, RefreshOptions{Now: clk.Now})
		res, err := r.RefreshDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Refreshed != 1 || res.Failed != 0 || sim.exchanges() != 1 {
			t.Fatalf("got %+v and %d exchanges, want 1 refreshed", res, sim.exchanges())
		}
		// The webhook's caches reload the credentials on it.
		if evs := published(sub); len(evs) != 1 || evs[0].Kind != eventbus.KindIntegrationChanged || evs[0].IntegrationID != due.ID {
			t.Errorf("the renewal published %+v, want integration %d changed", evs, due.ID)
		}
		got := f.reload(due)
		newToken := f.token(got)
		if newToken == "EAAsoon" {
			t.Errorf("token unchanged")
		}
		if want := now.Add(5183944 * time.Second); got.AccessTokenExpiresAt == nil || got.AccessTokenExpiresAt.Sub(want).Abs() > time.Second {
			t.Errorf("new expiry %v, want about %v", got.AccessTokenExpiresAt, want)
		}
		info, err := client.DebugToken(context.Background(), "", newToken, "app-1|the-app-secret")
		if err != nil || !info.IsValid {
			t.Errorf("the stored token is not valid at Meta: %+v %v", info, err)
		}
		if f.token(f.reload(notDue)) != "EAAlater" || f.token(f.reload(forever)) != "EAAforever" || f.reload(forever).AccessTokenExpiresAt != nil {
			t.Errorf("tokens not due were touched")
		}

		if res, err := r.RefreshDue(context.Background()); err != nil || res.Refreshed != 0 || sim.exchanges() != 1 {
			t.Errorf("second pass: got %+v, %v, %d exchanges; want nothing done", res, err, sim.exchanges())
		}
		if evs := published(sub); len(evs) != 0 {
			t.Errorf("second pass published %+v", evs)
		}
	})
}

func TestRefreshFailure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		sim := newMeta(t, clk)
		client := whatsapp.NewClient(nil, sim.URL, whatsapp.WithClock(clk.Now))
		f := newFixture(t, db, secretstest.Box(t))
		soon := clk.Now().Add(2 * 24 * time.Hour)
		sim.AddToken("EAAsoon", whatsapptest.TokenSpec{AppID: "app-1", ExpiresAt: soon})
		in := f.integration("a-wrong-secret", "EAAsoon", &soon)
		sub := watch(t, db, f.account)
		r := NewTokenRefresher(db, client, f.box, RefreshOptions{Now: clk.Now})

		res, err := r.RefreshDue(context.Background())
		if err != nil || res.Failed != 1 || res.Refreshed != 0 {
			t.Fatalf("got %+v, %v; want one failure", res, err)
		}
		// The alerts wake up on it.
		logged, err := db.Client.IntegrationError.Query().Only(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if evs := published(sub); len(evs) != 1 || evs[0].Kind != eventbus.KindIntegrationError ||
			evs[0].IntegrationID != in.ID || evs[0].ErrorID != logged.ID || evs[0].Detail != string(integrationerror.KindTOKEN_REFRESH_FAILED) {
			t.Errorf("the failure published %+v, want integration.error %d", evs, logged.ID)
		}
		msgs := refreshErrors(t, f)
		if len(msgs) != 1 || !strings.Contains(msgs[0], "client secret") || !strings.Contains(msgs[0], "expires at") {
			t.Fatalf("recorded %q", msgs)
		}
		for _, secret := range []string{"a-wrong-secret", "EAAsoon"} {
			if strings.Contains(msgs[0], secret) {
				t.Errorf("error message %q contains a secret", msgs[0])
			}
		}
		if f.token(f.reload(in)) != "EAAsoon" {
			t.Errorf("token changed after a failure")
		}

		// Not retried at once; retried after RetryAfter.
		clk.Advance(time.Hour)
		r.RefreshDue(context.Background())
		if n := sim.exchangeAttempts(); n != 1 {
			t.Errorf("an hour later: %d attempts, want 1", n)
		}
		clk.Advance(6 * time.Hour)
		r.RefreshDue(context.Background())
		if n := sim.exchangeAttempts(); n != 2 || len(refreshErrors(t, f)) != 2 {
			t.Errorf("after the retry interval: %d attempts, %d errors; want 2 and 2", n, len(refreshErrors(t, f)))
		}
	})
}

// TestRefreshExpiredToken: a token that has already expired cannot be
// exchanged; that is reported once, not every retry interval.
func TestRefreshExpiredToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		sim := newMeta(t, clk)
		client := whatsapp.NewClient(nil, sim.URL, whatsapp.WithClock(clk.Now))
		f := newFixture(t, db, secretstest.Box(t))
		soon := clk.Now().Add(time.Hour)
		sim.AddToken("EAAsoon", whatsapptest.TokenSpec{AppID: "app-1", ExpiresAt: soon})
		sim.ExpireToken("EAAsoon")
		past := clk.Now().Add(-time.Second)
		f.integration("the-app-secret", "EAAsoon", &past)
		r := NewTokenRefresher(db, client, f.box, RefreshOptions{Now: clk.Now})

		for range 3 {
			if _, err := r.RefreshDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			clk.Advance(7 * time.Hour)
		}
		msgs := refreshErrors(t, f)
		if len(msgs) != 1 || !strings.Contains(msgs[0], "expired at") {
			t.Errorf("recorded %q, want one failure saying it expired", msgs)
		}
		if n := sim.exchangeAttempts(); n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
}

// slowTransport delays each request so that two refreshers overlap.
type slowTransport struct{ delay time.Duration }

func (s slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	time.Sleep(s.delay)
	return http.DefaultTransport.RoundTrip(r)
}

// TestTwoInstancesRefreshOnce: two refreshers on one PostgreSQL database
// exchange each token exactly once.
func TestTwoInstancesRefreshOnce(t *testing.T) {
	src := testdb.PostgresSource(t)
	db1, db2 := testdb.Open(t, src), testdb.Open(t, src)
	clk := newClock()
	sim := newMeta(t, clk)
	client := whatsapp.NewClient(&http.Client{Transport: slowTransport{50 * time.Millisecond}}, sim.URL, whatsapp.WithClock(clk.Now))
	box := secretstest.Box(t)
	f := newFixture(t, db1, box)
	const n = 6
	soon := clk.Now().Add(24 * time.Hour)
	for i := range n {
		tok := "EAAsoon" + string(rune('a'+i))
		sim.AddToken(tok, whatsapptest.TokenSpec{AppID: "app-1", ExpiresAt: soon})
		f.integration("the-app-secret", tok, &soon)
	}
	refreshers := []*TokenRefresher{
		NewTokenRefresher(db1, client, box, RefreshOptions{Now: clk.Now}),
		NewTokenRefresher(db2, client, box, RefreshOptions{Now: clk.Now}),
	}
	results := make(chan RefreshResult, 2)
	for _, r := range refreshers {
		go func() {
			res, err := r.RefreshDue(context.Background())
			if err != nil {
				t.Error(err)
			}
			results <- res
		}()
	}
	total := (<-results).Refreshed + (<-results).Refreshed
	if total != n || sim.exchangeAttempts() != n {
		t.Errorf("refreshed %d with %d exchange attempts, want %d and %d", total, sim.exchangeAttempts(), n, n)
	}
}
