package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/flowengine"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/wakeup"
)

// Options tune a Processor. Zero fields take the defaults.
type Options struct {
	// Dialect is the database's: dialect.Postgres or dialect.SQLite
	// (store.DB.Dialect). Required: it decides how contacts are claimed.
	Dialect string
	// Workers is the number of goroutines processing messages (default 4).
	Workers int
	// PollInterval is how often idle workers look for work they were not
	// woken for, e.g. stored by another instance (default 1s).
	PollInterval time.Duration
	// ProcessTimeout bounds one message's transaction, flow step included
	// (default 60s).
	ProcessTimeout time.Duration
	// MaxAttempts is how often a message is tried after errors that are not
	// the bot's before it is marked FAILED (default 5).
	MaxAttempts int
	// VersionCacheSize is the number of parsed bot versions kept (default 256).
	VersionCacheSize int
	// OnQueued is called, without blocking, after a commit that queued
	// replies or read receipts: wire the outbox's Wake.
	OnQueued func()
	Logger   *slog.Logger
	Now      func() time.Time
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.ProcessTimeout <= 0 {
		o.ProcessTimeout = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.VersionCacheSize <= 0 {
		o.VersionCacheSize = 256
	}
	if o.OnQueued == nil {
		o.OnQueued = func() {}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Processor runs inbound messages through their conversations' bots.
type Processor struct {
	client   *ent.Client
	engine   *flowengine.Engine
	opts     Options
	log      *slog.Logger
	versions *lru.Cache[int, *flowengine.Definition]
	wake     wakeup.Signal
	busy     busySet

	// beforeCommit, when set by tests, runs just before a processing
	// transaction commits; an error rolls it back as a crash would.
	beforeCommit func(msgID int) error
}

// New returns a Processor; Run starts it.
func New(client *ent.Client, engine *flowengine.Engine, opts Options) *Processor {
	opts.defaults()
	cache, err := lru.New[int, *flowengine.Definition](opts.VersionCacheSize)
	if err != nil {
		panic(err) // only for a non-positive size, excluded above
	}
	return &Processor{
		client:   client,
		engine:   engine,
		opts:     opts,
		log:      opts.Logger,
		versions: cache,
		wake:     wakeup.New(),
		busy:     busySet{m: make(map[int]bool)},
	}
}

// Wake tells an idle worker that messages were stored. It never blocks:
// a wake-up already pending covers this one.
func (p *Processor) Wake() { p.wake.Wake() }

// Run processes messages until ctx ends, then waits for the workers and
// returns nil. Unfinished transactions roll back and are claimed again later.
func (p *Processor) Run(ctx context.Context) error {
	switch p.opts.Dialect {
	case dialect.Postgres, dialect.SQLite:
	default:
		return fmt.Errorf("inbox: unsupported dialect %q", p.opts.Dialect)
	}
	ctx = tenant.AsSystem(ctx)
	var wg sync.WaitGroup
	for range p.opts.Workers {
		wg.Go(func() { p.work(ctx) })
	}
	wg.Wait()
	return nil
}

// work is one worker: process while there is work, else wait for a wake-up
// or the poll.
func (p *Processor) work(ctx context.Context) {
	wakeup.Loop(ctx, p.wake, p.opts.PollInterval, func(ctx context.Context) bool {
		did, err := p.processNext(ctx)
		if err != nil && ctx.Err() == nil {
			p.log.Error("inbox: processing", "err", err)
		}
		return did
	})
}

// busySet is the contacts being processed by this process's workers.
type busySet struct {
	mu sync.Mutex
	m  map[int]bool
}

func (b *busySet) tryAdd(id int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m[id] {
		return false
	}
	b.m[id] = true
	return true
}

func (b *busySet) remove(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, id)
}

// errSkip says a candidate was taken by someone else meanwhile.
var errSkip = errors.New("inbox: candidate taken")
