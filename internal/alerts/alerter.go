package alerts

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/wakeup"
)

// Options configure an Alerter. Zero values select the defaults.
type Options struct {
	// DigestInterval is the least time between two emails about the same
	// integration and kind; default 15 min.
	DigestInterval time.Duration
	// PollInterval is how often the error log is checked without a wake-up;
	// default 30 s.
	PollInterval time.Duration
	// RetryMin and RetryMax bound the backoff after a failed send; defaults
	// 5 s and 10 min.
	RetryMin, RetryMax time.Duration
	// SendTimeout bounds one email's delivery; default 1 min.
	SendTimeout time.Duration
	// Box, when set, opens each integration's credentials so that they are
	// masked if an error message ever quotes them.
	Box *secrets.Box
	// Bus, when set, wakes the Alerter on integration.error events from any
	// instance.
	Bus    eventbus.Bus
	Logger *slog.Logger
	Now    func() time.Time
}

func (o *Options) defaults() {
	setDefault(&o.DigestInterval, 15*time.Minute)
	setDefault(&o.PollInterval, 30*time.Second)
	setDefault(&o.RetryMin, 5*time.Second)
	setDefault(&o.RetryMax, 10*time.Minute)
	setDefault(&o.SendTimeout, time.Minute)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

func setDefault(v *time.Duration, def time.Duration) {
	if *v <= 0 {
		*v = def
	}
}

// Alerter turns unalerted IntegrationErrors into emails.
type Alerter struct {
	db     *store.DB
	mailer Mailer
	opts   Options
	wake   wakeup.Signal
}

// New returns an Alerter sending through mailer. A nil mailer (no SMTP_URL)
// gives an Alerter whose Run only waits for shutdown and whose SendTest
// returns ErrNoMailer.
func New(db *store.DB, mailer Mailer, opts Options) *Alerter {
	opts.defaults()
	return &Alerter{db: db, mailer: mailer, opts: opts, wake: wakeup.New()}
}

// Wake asks Run to look at the error log now instead of at the next poll.
// It never blocks. While Run is backing off from a failing SMTP server,
// wake-ups wait for the backoff to end.
func (a *Alerter) Wake() { a.wake.Wake() }

// Run sends alerts until ctx ends, then returns nil.
func (a *Alerter) Run(ctx context.Context) error {
	if a.mailer == nil {
		<-ctx.Done()
		return nil
	}
	a.followBus(ctx)
	var backoff time.Duration
	for {
		res, err := a.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait, wake := a.opts.PollInterval, a.wake.C()
		if err != nil {
			backoff = min(max(2*backoff, a.opts.RetryMin), a.opts.RetryMax)
			wait, wake = backoff, nil
			a.opts.Logger.WarnContext(ctx, "sending error alerts; retrying later", "err", err, "retry_in", backoff)
		} else {
			backoff = 0
			if !res.NextDue.IsZero() {
				wait = min(wait, max(res.NextDue.Sub(a.opts.Now()), 0))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// followBus wakes the Alerter on every integration.error event until ctx
// ends. A subscription closed for falling behind only loses the early
// wake-ups; polling still finds the errors.
func (a *Alerter) followBus(ctx context.Context) {
	if a.opts.Bus == nil {
		return
	}
	sub, err := a.opts.Bus.Subscribe(ctx, eventbus.Filter{AllAccounts: true, Kinds: []string{eventbus.KindIntegrationError}})
	if err != nil {
		a.opts.Logger.WarnContext(ctx, "alerts: not following error events; polling only", "err", err)
		return
	}
	go func() {
		defer sub.Close()
		for range sub.C() {
			a.Wake()
		}
	}()
}
