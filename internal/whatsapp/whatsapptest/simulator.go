package whatsapptest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Config sets up a Simulator. The zero value is a strict simulator with no
// apps, tokens or phone numbers registered.
type Config struct {
	// Permissive accepts unknown tokens, phone number ids and apps (with a
	// non-empty secret); for local development.
	Permissive bool
	// WABAID is the WhatsApp Business Account id put in webhook envelopes.
	WABAID string
	// AutoStatus, when its URL is set, receives sent, delivered and read
	// statuses for every accepted send, AutoStatusDelay apart.
	AutoStatus      Webhook
	AutoStatusDelay time.Duration
	// HTTPClient posts webhooks; a client with a 10s timeout when nil.
	HTTPClient *http.Client
	// Log, when set, is called once per request received and per webhook
	// posted. Entries never contain tokens or secrets.
	Log func(LogEntry)
	// Now replaces time.Now (token expiry, timestamps).
	Now func() time.Time
	// MaxRecorded bounds the recorded requests, keeping the newest, so a
	// long-running dev simulator does not grow without end; 0 keeps all.
	MaxRecorded int
}

// LogEntry describes one request the simulator answered, or one webhook it
// posted (Kind KindWebhook).
type LogEntry struct {
	Kind          string
	Method        string
	Path          string // never includes the query string
	PhoneNumberID string
	Status        int
	Code          int    // Graph error code, 0 on success
	Detail        string // e.g. "to=… type=text wamid=…" or the error message
	Duration      time.Duration
}

func (e LogEntry) String() string {
	s := fmt.Sprintf("%s %s %s -> %d", e.Kind, e.Method, e.Path, e.Status)
	if e.Code != 0 {
		s += fmt.Sprintf(" code=%d", e.Code)
	}
	if e.Detail != "" {
		s += " " + e.Detail
	}
	return s + fmt.Sprintf(" (%s)", e.Duration.Round(time.Microsecond))
}

// Request kinds.
const (
	KindSend          = "send"
	KindMarkRead      = "mark_read"
	KindMediaUpload   = "media_upload"
	KindMediaLookup   = "media_lookup"
	KindMediaDownload = "media_download"
	KindTokenExchange = "token_exchange"
	KindDebugToken    = "debug_token"
	KindWebhook       = "webhook"
	KindUnknown       = "unknown"
)

// Request is one accepted request, recorded for assertions.
type Request struct {
	Kind          string
	Method        string
	Path          string
	PhoneNumberID string
	To            string // sends
	Type          string // sends: the message type
	WAMID         string // sends: the id returned; mark-as-read: the id marked
	Body          []byte // JSON bodies, verbatim
	At            time.Time
}

// TokenSpec registers an access token.
type TokenSpec struct {
	AppID     string
	Type      string    // USER (default) or SYSTEM_USER
	ExpiresAt time.Time // zero: never expires
	Scopes    []string
}

type tokenRecord struct {
	TokenSpec
	issuedAt time.Time
}

type phoneNumber struct {
	id, display string
}

// Simulator is an http.Handler playing Meta's Graph API. Safe for
// concurrent use.
type Simulator struct {
	cfg     Config
	handler http.Handler
	idBase  int64

	ctx    context.Context // ends on Close; bounds background webhook posts
	cancel context.CancelFunc
	bg     sync.WaitGroup

	mu       sync.Mutex
	seq      int64
	apps     map[string]string // app id → secret
	tokens   map[string]*tokenRecord
	phones   map[string]phoneNumber
	faults   map[string]*Faults
	media    map[string]*mediaRecord
	sent     map[string]sentMessage // wamid → message
	requests []Request
}

type sentMessage struct {
	phoneNumberID, to, waID, bizOpaque string
}

// New returns a Simulator. Call Close to stop background webhook posts.
func New(cfg Config) *Simulator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.WABAID == "" {
		cfg.WABAID = "102290129340398"
	}
	if cfg.AutoStatusDelay <= 0 {
		cfg.AutoStatusDelay = 10 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Simulator{
		cfg: cfg,
		// Random, not the start time: two simulators started in the same
		// second (a restarted demo, parallel tests) must not hand out the
		// same wamids, which Meta never repeats and our webhook dedupes.
		idBase: 1e12 + rand.Int64N(9e12),
		ctx:    ctx,
		cancel: cancel,
		apps:   make(map[string]string),
		tokens: make(map[string]*tokenRecord),
		phones: make(map[string]phoneNumber),
		faults: make(map[string]*Faults),
		media:  make(map[string]*mediaRecord),
		sent:   make(map[string]sentMessage),
	}
	s.handler = s.routes()
	return s
}

func (s *Simulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{version}/{phone}/messages", s.handleMessages)
	mux.HandleFunc("POST /{version}/{phone}/media", s.handleUpload)
	mux.HandleFunc("GET /{version}/oauth/access_token", s.handleExchange)
	mux.HandleFunc("GET /{version}/debug_token", s.handleDebugToken)
	mux.HandleFunc("GET /{version}/{id}", s.handleMediaLookup)
	mux.HandleFunc("GET /whatsapp_business/attachments/", s.handleDownload)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, errUnknownPath(r.URL.Path))
	})
	return mux
}

// Close stops background webhook posts and waits for them.
func (s *Simulator) Close() {
	s.cancel()
	s.bg.Wait()
}

// ServeHTTP answers one Graph API request.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lw := &logWriter{ResponseWriter: w, status: http.StatusOK, kind: KindUnknown}
	start := time.Now()
	s.handler.ServeHTTP(lw, r)
	if s.cfg.Log != nil {
		s.cfg.Log(LogEntry{
			Kind: lw.kind, Method: r.Method, Path: r.URL.Path, PhoneNumberID: lw.phone,
			Status: lw.status, Code: lw.code, Detail: lw.detail, Duration: time.Since(start),
		})
	}
}

// logWriter captures what the log line needs.
type logWriter struct {
	http.ResponseWriter
	status              int
	code                int
	kind, phone, detail string
}

func (w *logWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController hijack the connection.
func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// note records the request kind and phone number for the log line.
func note(w http.ResponseWriter, kind, phone string) {
	if lw, ok := w.(*logWriter); ok {
		lw.kind, lw.phone = kind, phone
	}
}

func noteDetail(w http.ResponseWriter, detail string) {
	if lw, ok := w.(*logWriter); ok {
		lw.detail = detail
	}
}

func (s *Simulator) fail(w http.ResponseWriter, e *graphError) {
	if lw, ok := w.(*logWriter); ok {
		lw.code, lw.detail = e.Code, e.Message
		if e.ErrorData != nil {
			lw.detail += ": " + e.ErrorData.Details
		}
	}
	e.write(w)
}

// AddApp registers an app for token exchange and app tokens.
func (s *Simulator) AddApp(appID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[appID] = secret
}

// AddToken registers an access token.
func (s *Simulator) AddToken(token string, spec TokenSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if spec.Type == "" {
		spec.Type = "USER"
	}
	s.tokens[token] = &tokenRecord{TokenSpec: spec, issuedAt: s.cfg.Now()}
}

// ExpireToken makes a registered token expire now.
func (s *Simulator) ExpireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[token]; ok {
		t.ExpiresAt = s.cfg.Now().Add(-time.Second)
	}
}

// AddPhoneNumber registers a business phone number (its id and the number
// shown in webhook metadata, e.g. "15550783881").
func (s *Simulator) AddPhoneNumber(phoneNumberID, displayNumber string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phones[phoneNumberID] = phoneNumber{id: phoneNumberID, display: displayNumber}
}

// Requests returns a copy of every accepted request so far, in order.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Simulator) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appendRecord(r)
}

// appendRecord needs s.mu held. Trimming happens at twice the bound so it
// costs O(1) amortised.
func (s *Simulator) appendRecord(r Request) {
	s.requests = append(s.requests, r)
	if m := s.cfg.MaxRecorded; m > 0 && len(s.requests) >= 2*m {
		s.requests = append(s.requests[:0:0], s.requests[len(s.requests)-m:]...)
	}
}

// nextID returns a process-unique number; ids embed the start time so that a
// restarted dev simulator does not reuse ids stored by the server.
func (s *Simulator) nextID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%d%07d", s.idBase, s.seq)
}

func (s *Simulator) newWAMID() string { return "wamid.SIM" + s.nextID() }

// phone returns the registered phone number, or in permissive mode a
// made-up one.
func (s *Simulator) phone(id string) (phoneNumber, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.phones[id]
	if !ok && s.cfg.Permissive && id != "" {
		return phoneNumber{id: id, display: "15550000000"}, true
	}
	return p, ok
}
