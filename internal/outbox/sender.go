package outbox

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/wakeup"
	"github.com/intalos/integrations/internal/whatsapp"
)

// Options tune a Sender. Zero fields take the defaults.
type Options struct {
	// Workers is the number of goroutines sending (default 4).
	Workers int
	// PollInterval is how often idle workers look for work they were not
	// woken for, e.g. retries falling due (default 1s).
	PollInterval time.Duration
	// MaxAttempts bounds the claims of one message (default 8).
	MaxAttempts int
	// Lease is how long a claimed attempt may take; after it, an attempt
	// without outcome is in doubt and resolved (see the package doc). It is
	// also the grace period for Meta's status webhook (default 1 minute).
	Lease time.Duration
	// SendTimeout bounds one call to Meta, rate-limit wait included
	// (default 30s, at most half the lease).
	SendTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	o.SendTimeout = min(o.SendTimeout, o.Lease/2)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Sender drains the outbox.
type Sender struct {
	client *ent.Client
	wa     *whatsapp.Client
	box    *secrets.Box
	opts   Options
	log    *slog.Logger
	wake   wakeup.Signal
	rates  rateSet

	// Set by tests to stop a send as a crash would: beforeCall runs after
	// the claim commits, afterCall after Meta answered; an error abandons
	// the attempt there, writing nothing more.
	beforeCall func(msgID int) error
	afterCall  func(msgID int) error
}

// New returns a Sender; Run starts it.
func New(client *ent.Client, wa *whatsapp.Client, box *secrets.Box, opts Options) *Sender {
	opts.defaults()
	return &Sender{
		client: client,
		wa:     wa,
		box:    box,
		opts:   opts,
		log:    opts.Logger,
		wake:   wakeup.New(),
		rates:  rateSet{m: make(map[string]float64)},
	}
}

// Wake tells an idle worker that messages were queued. It never blocks.
func (s *Sender) Wake() { s.wake.Wake() }

// Run sends until ctx ends, then waits for the workers and returns nil.
// Calls in flight are abandoned; their messages are in doubt and resolved
// by the next claim.
func (s *Sender) Run(ctx context.Context) error {
	ctx = tenant.AsSystem(ctx)
	var wg sync.WaitGroup
	for i := range s.opts.Workers {
		// One worker per process does the read receipts, after its sends.
		wg.Go(func() { s.work(ctx, i == 0) })
	}
	wg.Wait()
	return nil
}

// work is one worker: replies first (they are what the contact waits
// for), then, on the reading worker, read receipts; it sleeps when both
// are idle until woken or the poll.
func (s *Sender) work(ctx context.Context, reader bool) {
	wakeup.Loop(ctx, s.wake, s.opts.PollInterval, func(ctx context.Context) bool {
		sent, err := s.sendNext(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("outbox: sending", "err", err)
		}
		reads := 0
		if reader {
			if reads, err = s.markReads(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("outbox: read receipts", "err", err)
			}
		}
		return sent || reads > 0
	})
}

func (s *Sender) now() time.Time { return s.opts.Now().UTC() }

// rateSet remembers the rate given to the client's limiter per phone
// number, so that it is only set when an integration's setting changes.
type rateSet struct {
	mu sync.Mutex
	m  map[string]float64
}

func (s *Sender) applyRate(integ *ent.Integration) {
	s.rates.mu.Lock()
	defer s.rates.mu.Unlock()
	if s.rates.m[integ.PhoneNumberID] == integ.MessagesPerSecond {
		return
	}
	s.rates.m[integ.PhoneNumberID] = integ.MessagesPerSecond
	s.wa.SetRateLimit(integ.PhoneNumberID, integ.MessagesPerSecond, 1)
}
