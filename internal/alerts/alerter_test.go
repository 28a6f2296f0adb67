package alerts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

func mustRunOnce(t *testing.T, a *Alerter) Result {
	t.Helper()
	res, err := a.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

// TestFirstAtOnceThenDigest: the first error of a kind is emailed at once;
// later ones wait for the digest interval and go out together with counts.
func TestFirstAtOnceThenDigest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := newSMTPServer(t)
		clk := newClock()
		a := New(db, mailerFor(t, srv), Options{Now: clk.Now, Box: f.box})
		in, _ := f.integration("Support line", "owner@example.com")
		quiet, _ := f.integration("Quiet line", "")
		t0 := clk.Now()

		f.recordError(in, integrationerror.KindSIGNATURE_INVALID, t0, "webhook POST failed the signature check", nil)
		f.recordError(quiet, integrationerror.KindSIGNATURE_INVALID, t0, "webhook POST failed the signature check", nil)
		if res := mustRunOnce(t, a); res.Sent != 1 {
			t.Fatalf("first error: sent %d emails, want 1", res.Sent)
		}
		first := srv.WaitMessages(1)[0]
		if len(first.To) != 1 || first.To[0] != "owner@example.com" {
			t.Errorf("got recipients %q", first.To)
		}
		wantContains(t, "subject", first.Subject, "Support line", "webhook signature check failed")
		if strings.Contains(first.Subject, "times") {
			t.Errorf("a single error's subject %q speaks of times", first.Subject)
		}
		wantContains(t, "body", first.Body, "What failed", "When: 2026-09-01 12:00:00 UTC",
			"webhook POST failed the signature check", "App Secret", "What to check", "turn off Error Email Alerts")
		if n := f.unalerted(in); n != 0 {
			t.Errorf("%d errors left unalerted, want 0", n)
		}
		if n := f.unalerted(quiet); n != 1 {
			t.Errorf("alerts off: %d errors unalerted, want 1 (left alone)", n)
		}

		// Three more within the window, one of them standing for 4 folded occurrences.
		clk.Advance(time.Minute)
		f.recordError(in, integrationerror.KindSIGNATURE_INVALID, clk.Now(), "signature mismatch 2", nil)
		clk.Advance(time.Minute)
		f.recordError(in, integrationerror.KindSIGNATURE_INVALID, clk.Now(), "signature mismatch 3", map[string]any{"suppressed_since_last": 4})
		clk.Advance(3 * time.Minute)
		f.recordError(in, integrationerror.KindSIGNATURE_INVALID, clk.Now(), "signature mismatch 4", nil)
		// Another kind is not held back by this one's window.
		f.recordError(in, integrationerror.KindVERIFICATION_FAILED, clk.Now(), "Meta's webhook verification failed: wrong verify token",
			map[string]any{"reason": "wrong verify token"})

		res := mustRunOnce(t, a)
		if res.Sent != 1 {
			t.Fatalf("within the window: sent %d emails, want 1 (the other kind)", res.Sent)
		}
		if want := t0.Add(15 * time.Minute); !res.NextDue.Equal(want) {
			t.Errorf("next due %v, want %v", res.NextDue, want)
		}
		verif := srv.WaitMessages(2)[1]
		wantContains(t, "subject", verif.Subject, "webhook verification failed")
		wantContains(t, "body", verif.Body, "Verify Token", "upper and lower case", "wrong verify token")
		if n := f.unalerted(in); n != 3 {
			t.Errorf("%d errors waiting for the digest, want 3", n)
		}

		clk.Advance(9*time.Minute + 59*time.Second)
		if res := mustRunOnce(t, a); res.Sent != 0 {
			t.Fatalf("a second before the window ends: sent %d", res.Sent)
		}
		clk.Advance(time.Second)
		if res := mustRunOnce(t, a); res.Sent != 1 {
			t.Fatalf("window over: sent %d emails, want the digest", res.Sent)
		}
		digest := srv.WaitMessages(3)[2]
		wantContains(t, "digest subject", digest.Subject, "Support line", "(7 times)")
		wantContains(t, "digest body", digest.Body,
			"How often: 7 times, first at 2026-09-01 12:01:00 UTC, last at 2026-09-01 12:05:00 UTC",
			"signature mismatch 4", "signature mismatch 3", "signature mismatch 2")
		if n := f.unalerted(in); n != 0 {
			t.Errorf("%d errors left unalerted after the digest, want 0", n)
		}
		if res := mustRunOnce(t, a); res.Sent != 0 || !res.NextDue.IsZero() {
			t.Errorf("nothing pending: got %+v", res)
		}
	})
}

// TestNoSecretInEmail: even an error message quoting credentials does not
// carry them into the email.
func TestNoSecretInEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := newSMTPServer(t)
		a := New(db, mailerFor(t, srv), Options{Box: f.box})
		in, c := f.integration("Sales", "owner@example.com")
		f.recordError(in, integrationerror.KindTOKEN_EXPIRED, time.Now(),
			"Meta said: token "+c.accessToken+" expired; secret "+c.appSecret+" verify "+c.verifyToken+" key "+in.WebhookKey, nil)
		f.recordError(in, integrationerror.KindTOKEN_REFRESH_FAILED, time.Now(), "refresh refused", nil)
		if res := mustRunOnce(t, a); res.Sent != 2 {
			t.Fatalf("sent %d, want 2", res.Sent)
		}
		for _, m := range srv.WaitMessages(2) {
			for _, secret := range []string{c.accessToken, c.appSecret, c.verifyToken, in.WebhookKey, in.AccessTokenSealed, in.AppSecretSealed} {
				if strings.Contains(m.Body, secret) || strings.Contains(m.Subject, secret) {
					t.Errorf("email %q contains a secret", m.Subject)
				}
			}
		}
		wantContains(t, "body", srv.Messages()[0].Body+srv.Messages()[1].Body, "[redacted]", "Generate a new access token")
	})
}

// TestSMTPDownAndBackUp: while the server is down nothing is marked; Run
// backs off and delivers once the server is back.
func TestSMTPDownAndBackUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := newSMTPServer(t)
		mailer := mailerFor(t, srv)
		srv.Stop()
		var logs logBuffer
		a := New(db, mailer, Options{RetryMin: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
			PollInterval: time.Hour, Logger: logs.logger()})
		in, _ := f.integration("Support line", "owner@example.com")
		f.recordError(in, integrationerror.KindNO_BOT, time.Now(), "message arrived with no published bot", nil)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}()

		t.Cleanup(func() {
			if t.Failed() {
				t.Log(logs.String())
			}
		})
		waitFor(t, "two failed attempts", func() bool { return strings.Count(logs.String(), "retrying later") >= 2 })
		if n := f.unalerted(in); n != 1 {
			t.Fatalf("server down: %d errors unalerted, want 1", n)
		}
		if strings.Contains(logs.String(), smtpPass) {
			t.Errorf("the log contains the SMTP password")
		}

		srv.Start()
		got := srv.WaitMessages(1)
		wantContains(t, "subject", got[0].Subject, "no published bot is connected")
		waitFor(t, "errors marked alerted", func() bool { return f.unalerted(in) == 0 })
	})
}

// TestRunWakesUp: a wake-up sends without waiting for the next poll.
func TestRunWakesUp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := newSMTPServer(t)
		a := New(db, mailerFor(t, srv), Options{PollInterval: time.Hour})
		in, _ := f.integration("Support line", "owner@example.com")

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		defer func() { cancel(); <-done }()

		f.recordError(in, integrationerror.KindFLOW_ERROR, time.Now(), "HTTP request node: connection refused", nil)
		a.Wake()
		got := srv.WaitMessages(1)
		wantContains(t, "body", got[0].Body, "test mode")
	})
}

// TestRejectedAddress: an address the server refuses for good is not
// retried forever, and does not hold up other integrations' alerts.
func TestRejectedAddress(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := newSMTPServer(t)
		srv.Refuse("typo@example.com")
		a := New(db, mailerFor(t, srv), Options{})
		bad, _ := f.integration("Typo", "typo@example.com")
		good, _ := f.integration("Good", "owner@example.com")
		f.recordError(bad, integrationerror.KindSEND_FAILED, time.Now(), "(#131026) Message undeliverable", nil)
		f.recordError(good, integrationerror.KindSEND_FAILED, time.Now(), "(#131026) Message undeliverable", nil)
		if res := mustRunOnce(t, a); res.Sent != 1 {
			t.Fatalf("sent %d, want 1", res.Sent)
		}
		if got := srv.WaitMessages(1); got[0].To[0] != "owner@example.com" {
			t.Errorf("sent to %q", got[0].To)
		}
		if f.unalerted(bad) != 0 || f.unalerted(good) != 0 {
			t.Errorf("errors left unalerted")
		}
	})
}

// TestTwoInstancesSendOnce: two alerters on one PostgreSQL database send
// each alert once.
func TestTwoInstancesSendOnce(t *testing.T) {
	src := testdb.PostgresSource(t)
	db1, db2 := testdb.Open(t, src), testdb.Open(t, src)
	f := newFixture(t, db1)
	srv := newSMTPServer(t)
	const n = 8
	kinds := []integrationerror.Kind{integrationerror.KindNO_BOT, integrationerror.KindFLOW_ERROR}
	for i := range n {
		in, _ := f.integration("Line", "owner@example.com")
		f.recordError(in, kinds[i%len(kinds)], time.Now(), "boom", nil)
	}
	a1, a2 := New(db1, mailerFor(t, srv), Options{}), New(db2, mailerFor(t, srv), Options{})
	errs := make(chan error, 2)
	for _, a := range []*Alerter{a1, a2} {
		go func() { _, err := a.RunOnce(context.Background()); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A run that skipped a locked integration leaves it to the next pass.
	mustRunOnce(t, a1)
	mustRunOnce(t, a2)
	if got := len(srv.Messages()); got != n {
		t.Errorf("got %d emails, want %d", got, n)
	}
}

func TestSendTest(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		srv := newSMTPServer(t)
		a := New(db, mailerFor(t, srv), Options{})
		in, _ := f.integration("Support line", "owner@example.com")
		ctx := tenant.WithAccount(context.Background(), f.account)
		if err := a.SendTest(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
		got := srv.WaitMessages(1)[0]
		wantContains(t, "subject", got.Subject, "test", "Support line")
		wantContains(t, "body", got.Body, "test alert", "reach this address")

		other := tenant.WithAccount(context.Background(), f.account+1000)
		if err := a.SendTest(other, in.ID); err == nil {
			t.Errorf("another account's integration: no error")
		}
		none, _ := f.integration("No address", "")
		if err := a.SendTest(ctx, none.ID); !errors.Is(err, ErrNoAddress) {
			t.Errorf("no address: got %v, want ErrNoAddress", err)
		}
		if err := New(db, nil, Options{}).SendTest(ctx, in.ID); !errors.Is(err, ErrNoMailer) {
			t.Errorf("no mailer: got %v, want ErrNoMailer", err)
		}
	})
}
