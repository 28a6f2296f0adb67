// Package pipelinetest wires the whole message path for tests over real
// HTTP: Meta's simulator posts signed webhooks to the webhook handler, the
// inbox processes them, the outbox sends the replies to the simulator and
// the simulator's status webhooks come back. Each Instance is what one
// server process runs; several instances may share one database.
package pipelinetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/flowengine"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/inbox"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/secrets/secretstest"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
	"github.com/intalos/integrations/webhook"
)

// Config adjusts an Env.
type Config struct {
	// AutoStatus makes the simulator post sent, delivered and read for
	// every message it accepts.
	AutoStatus bool
	// NoInstance leaves starting instances to the test.
	NoInstance bool
	// Inbox and Outbox are the options of the first instance.
	Inbox  inbox.Options
	Outbox outbox.Options
	// Integration adjusts the integration before it is created.
	Integration func(*ent.IntegrationCreate)
	// Bus, when set, receives the dashboard events of db's client: the
	// hooks of package events are registered on it, as the server does,
	// once the account and integration exist.
	Bus events.Bus
}

// Env is one account with one WhatsApp integration, the simulator playing
// Meta, and the instances serving it.
type Env struct {
	t       testing.TB
	DB      *store.DB
	Box     *secrets.Box
	Sim     *whatsapptest.Server
	Account int
	Integ   *ent.Integration
	// Secrets as Meta knows them.
	AppID, AppSecret, Token string
	PhoneNumberID, Display  string
	// events announces the webhook's new messages when Config.Bus is set.
	events webhook.Announcer

	mu        sync.Mutex
	instances []*Instance
	onRequest func(whatsapptest.LogEntry)
}

// OnSimRequest calls f for every request the simulator answers, before the
// answer reaches the client (the simulator logs before its handler
// returns, and small answers are flushed only then).
func (e *Env) OnSimRequest(f func(whatsapptest.LogEntry)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onRequest = f
}

func (e *Env) simLog(le whatsapptest.LogEntry) {
	e.mu.Lock()
	f := e.onRequest
	e.mu.Unlock()
	if f != nil {
		f(le)
	}
}

// Ctx is a context for background work across accounts.
func Ctx() context.Context { return tenant.AsSystem(context.Background()) }

// New builds the environment on db and, unless cfg.NoInstance, starts one
// instance on it.
func New(t testing.TB, db *store.DB, cfg Config) *Env {
	t.Helper()
	box := secretstest.Box(t)
	e := &Env{
		t: t, DB: db, Box: box,
		AppID: "1234" + digitsOf(8), AppSecret: "secret-" + random(8), Token: "EAA" + random(16),
		PhoneNumberID: "1065" + digitsOf(11), Display: "1555" + digitsOf(7),
	}
	acc, err := db.Client.Account.Create().SetName("Acme").Save(Ctx())
	if err != nil {
		t.Fatal(err)
	}
	e.Account = acc.ID
	e.Integ = e.createIntegration(cfg.Integration)
	if cfg.Bus != nil {
		e.events = events.Register(db.Client, cfg.Bus, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}

	// The simulator needs the webhook URL for its statuses, and the webhook
	// server exists only with an instance: route through a handler that
	// forwards to the first instance's mux.
	simCfg := whatsapptest.Config{Log: e.simLog}
	if cfg.AutoStatus {
		front := httptest.NewServer(http.HandlerFunc(e.forward))
		t.Cleanup(front.Close)
		simCfg.AutoStatus = whatsapptest.Webhook{URL: front.URL + e.path(), AppSecret: e.AppSecret}
		simCfg.AutoStatusDelay = 2 * time.Millisecond
	}
	e.Sim = whatsapptest.NewServer(t, simCfg)
	e.Sim.AddPhoneNumber(e.PhoneNumberID, e.Display)
	e.Sim.AddApp(e.AppID, e.AppSecret)
	e.Sim.AddToken(e.Token, whatsapptest.TokenSpec{AppID: e.AppID, ExpiresAt: time.Now().Add(24 * time.Hour)})
	if !cfg.NoInstance {
		e.Start(db, cfg.Inbox, cfg.Outbox)
	}
	return e
}

func (e *Env) createIntegration(adjust func(*ent.IntegrationCreate)) *ent.Integration {
	seal := func(v, purpose string) string {
		s, err := e.Box.Seal(v, purpose)
		if err != nil {
			e.t.Fatal(err)
		}
		return s
	}
	verify := "verify-" + random(8)
	c := e.DB.Client.Integration.Create().
		SetAccountID(e.Account).
		SetName("Support").
		SetActive(true).
		SetBusinessAccountID("102290129340398").
		SetPhoneNumberID(e.PhoneNumberID).
		SetAppID(e.AppID).
		SetAppSecretSealed(seal(e.AppSecret, secrets.AppSecret)).
		SetAccessTokenSealed(seal(e.Token, secrets.AccessToken)).
		SetVerifyTokenSealed(seal(verify, secrets.VerifyToken)).
		SetVerifyTokenFingerprint(e.Box.Fingerprint(verify, secrets.VerifyToken)).
		SetWebhookKey("key-" + random(12)).
		SetMessagesPerSecond(1000)
	if adjust != nil {
		adjust(c)
	}
	in, err := c.Save(Ctx())
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

func (e *Env) path() string { return "/webhooks/whatsapp/" + e.Integ.WebhookKey }

// forward serves the simulator's status webhooks with the first running
// instance, as Meta posts to one callback URL.
func (e *Env) forward(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	var target *Instance
	for _, in := range e.instances {
		if !in.stopped() {
			target = in
			break
		}
	}
	e.mu.Unlock()
	if target == nil {
		http.Error(w, "no instance", http.StatusServiceUnavailable)
		return
	}
	target.mux.ServeHTTP(w, r)
}

// Instance is what one server process runs: the webhook, the inbox
// processor and the outbox sender on one database client.
type Instance struct {
	Client    *ent.Client
	Server    *httptest.Server
	Processor *inbox.Processor
	Sender    *outbox.Sender
	URL       string // the integration's webhook URL on this instance

	mux    *http.ServeMux
	cancel context.CancelFunc
	done   sync.WaitGroup
	mu     sync.Mutex
	halted bool
}

// Start starts an instance on db (db may be another client of the same
// schema, as a second server process would be).
func (e *Env) Start(db *store.DB, io inbox.Options, oo outbox.Options) *Instance {
	in := e.Build(db, io, oo)
	in.Run()
	return in
}

// Build wires an instance on db without starting its workers.
func (e *Env) Build(db *store.DB, io inbox.Options, oo outbox.Options) *Instance {
	t := e.t
	in := &Instance{Client: db.Client, mux: http.NewServeMux()}
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	wa := whatsapp.NewClient(nil, e.Sim.URL)
	if oo.Logger == nil {
		oo.Logger = logger
	}
	if oo.PollInterval == 0 {
		oo.PollInterval = 100 * time.Millisecond
	}
	in.Sender = outbox.New(db.Client, wa, e.Box, oo)
	io.Dialect = db.Dialect
	if io.Logger == nil {
		io.Logger = logger
	}
	if io.PollInterval == 0 {
		io.PollInterval = 100 * time.Millisecond
	}
	io.OnQueued = in.Sender.Wake
	in.Processor = inbox.New(db.Client, flowengine.New(nil, flowengine.Options{}), io)
	hook := webhook.New(db.Client, e.Box, webhook.Options{Logger: logger, Wake: in.Processor.Wake, Events: e.events})
	hook.Register(in.mux)
	in.Server = httptest.NewServer(in.mux)
	t.Cleanup(in.Server.Close)
	t.Cleanup(in.Stop) // runs first: workers stop before servers and databases go
	in.URL = in.Server.URL + e.path()
	e.mu.Lock()
	e.instances = append(e.instances, in)
	e.mu.Unlock()
	return in
}

// Run starts the instance's processor and sender; Stop or the end of the
// test stops them.
func (in *Instance) Run() {
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	in.done.Add(2)
	go func() { defer in.done.Done(); in.Processor.Run(ctx) }()
	go func() { defer in.done.Done(); in.Sender.Run(ctx) }()
}

// Stop stops the workers and waits for them; the webhook keeps serving
// unless the instance is halted.
func (in *Instance) Stop() {
	if in.cancel != nil {
		in.cancel()
	}
	in.done.Wait()
}

// Halt stops everything, webhook included, as a killed process would.
func (in *Instance) Halt() {
	in.mu.Lock()
	in.halted = true
	in.mu.Unlock()
	in.Stop()
	in.Server.Close()
}

func (in *Instance) stopped() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.halted
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func digitsOf(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
