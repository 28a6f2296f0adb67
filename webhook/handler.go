package webhook

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/secrets"
)

// Options configure a Handler. Zero values select the defaults.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer // default: a private registry
	Now        func() time.Time      // default: time.Now
	// Wake is called after a commit that stored inbound messages, to wake
	// the conversation workers. It must not block.
	Wake func()
	// Events publishes the new messages once their transaction commits
	// (events.Publisher); nil publishes nothing. The rest of what the
	// webhook writes goes through ent, whose hooks announce it.
	Events Announcer

	MaxBodyBytes     int64         // default 4 MiB; Meta sends up to 3 MB
	CacheSize        int           // integrations per lookup cache, default 4096
	CacheTTL         time.Duration // default 30 s; changes also invalidate
	ErrorInterval    time.Duration // at most one signature/verification error row per integration per interval, default 1 min
	ActivityInterval time.Duration // at most one last_activity_at write per integration per interval, default 1 s
	MaxBatch         int           // requests per transaction, default 256
	Committers       int           // concurrent transactions, default 2
	CommitTimeout    time.Duration // default 15 s
}

// Announcer adds events to a transaction, to be published once it commits.
type Announcer interface {
	Announce(tx *ent.Tx, evs ...eventbus.Event)
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	setDefault(&o.MaxBodyBytes, 4<<20)
	setDefault(&o.CacheSize, 4096)
	setDefault(&o.CacheTTL, 30*time.Second)
	setDefault(&o.ErrorInterval, time.Minute)
	setDefault(&o.ActivityInterval, time.Second)
	setDefault(&o.MaxBatch, 256)
	setDefault(&o.Committers, 2)
	setDefault(&o.CommitTimeout, 15*time.Second)
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Handler serves Meta's webhook callback URL, /webhooks/whatsapp/{key}.
type Handler struct {
	client  *ent.Client
	log     *slog.Logger
	now     func() time.Time
	wake    func()
	events  Announcer
	maxBody int64
	timeout time.Duration

	dir      *directory
	errs     *errorLog
	metrics  *metrics
	commits  *committer
	activity *activityGate
}

// New returns a Handler storing into client, opening integrations' secrets
// with box.
func New(client *ent.Client, box *secrets.Box, opts Options) *Handler {
	opts.defaults()
	h := &Handler{
		client:   client,
		log:      opts.Logger,
		now:      opts.Now,
		wake:     opts.Wake,
		events:   opts.Events,
		maxBody:  opts.MaxBodyBytes,
		timeout:  opts.CommitTimeout,
		dir:      newDirectory(client, box, opts.CacheSize, opts.CacheTTL, opts.Now),
		errs:     newErrorLog(client, opts.Logger, opts.Now, opts.ErrorInterval),
		metrics:  newMetrics(opts.Registerer),
		activity: newActivityGate(opts.ActivityInterval),
	}
	h.commits = newCommitter(h.writeJobs, opts.MaxBatch, opts.Committers)
	return h
}

// Register adds the GET (verification) and POST (events) routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /webhooks/whatsapp/{key}", h.verify)
	mux.HandleFunc("POST /webhooks/whatsapp/{key}", h.receive)
}

// Invalidate drops the cached lookups of one integration; call it when the
// integration changes (here or, through the event bus, on another instance).
func (h *Handler) Invalidate(integrationID int) { h.dir.invalidate(integrationID) }

// InvalidateAll drops every cached lookup, e.g. after the event bus
// reconnects and may have missed changes.
func (h *Handler) InvalidateAll() { h.dir.invalidateAll() }

// maxKeyLen bounds webhook keys worth a lookup.
const maxKeyLen = 256

// integrationOf resolves the {key} of the request's URL, answering 404 or
// 500 itself when there is no integration to go on.
func (h *Handler) integrationOf(w http.ResponseWriter, r *http.Request) (*integrationInfo, bool) {
	key := r.PathValue("key")
	if key == "" || len(key) > maxKeyLen {
		h.fail(w, r, http.StatusNotFound)
		return nil, false
	}
	info, err := h.dir.byWebhookKey(r.Context(), key)
	if err != nil {
		h.log.ErrorContext(r.Context(), "webhook integration lookup", "err", err)
		h.fail(w, r, http.StatusInternalServerError)
		return nil, false
	}
	if info == nil {
		h.fail(w, r, http.StatusNotFound)
		return nil, false
	}
	return info, true
}

// fail answers with a bare status: nothing from the request is echoed.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, code int) {
	h.count(r, code)
	http.Error(w, http.StatusText(code), code)
}

func (h *Handler) count(r *http.Request, code int) {
	h.metrics.requests.WithLabelValues(r.Method, statusLabel(code)).Inc()
}

func statusLabel(code int) string {
	switch code {
	case http.StatusOK:
		return "200"
	case http.StatusBadRequest:
		return "400"
	case http.StatusUnauthorized:
		return "401"
	case http.StatusForbidden:
		return "403"
	case http.StatusNotFound:
		return "404"
	case http.StatusRequestEntityTooLarge:
		return "413"
	}
	return "500"
}
