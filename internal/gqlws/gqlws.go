// Package gqlws plugs github.com/gorilla/websocket into gqlgen's websocket
// transport (transport.WebsocketImplementation), for both GraphQL websocket
// sub-protocols: graphql-transport-ws (the graphql-ws npm client) and the
// legacy graphql-ws (subscriptions-transport-ws).
//
// Wire it as the transport's Implementation:
//
//	up, err := gqlws.New(logger, gqlws.Config{AllowedOrigins: cfg.Origins})
//	srv.AddTransport(transport.Websocket{
//		Implementation:        up,
//		InitFunc:              authenticate, // gqlws.Reject(ctx, gqlws.CloseUnauthorized, "…") on a bad key
//		InitTimeout:           10 * time.Second,
//		KeepAlivePingInterval: 15 * time.Second, // legacy graphql-ws only
//		PingPongInterval:      15 * time.Second, // graphql-transport-ws only
//	})
//
// or, cheaper per idle connection, leave both intervals zero and set
// Config.KeepAlive: the connection then sends the keep-alives itself.
//
// # Keep-alive
//
// gqlgen runs a goroutine per connection for its keep-alive ticker. With
// Config.KeepAlive the connection does the same on a timer, which costs no
// goroutine between ticks: after connection_ack it sends "ka" (legacy
// graphql-ws) or "ping" (graphql-transport-ws) every interval, and on
// graphql-transport-ws it applies gqlgen's pong rule: the read deadline is
// twice the interval from the ack, and from each ping that follows a pong
// (gqlgen itself clears it when a pong arrives).
//
// # Slow clients
//
// gqlgen writes every message synchronously, holding its per-connection lock.
// Each connection here has a small bounded send queue drained by a writer
// goroutine that exists only while there is something to write, and every
// socket write has a deadline. So gqlgen never waits on the network: when
// the queue is full (the client stopped reading) or a write times out, the
// connection is closed (1013, "client too slow") and gqlgen cancels its
// subscriptions. Publishers are protected one level further down by the
// event bus, whose subscriptions have their own bounded buffers (see
// internal/eventbus).
package gqlws

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

// The sub-protocols, in order of preference when a client offers both.
const (
	ProtocolGraphQLTransportWS = "graphql-transport-ws"
	ProtocolGraphQLWS          = "graphql-ws" // legacy subscriptions-transport-ws
)

// Close codes. The 44xx codes are the ones graphql-ws clients understand.
const (
	CloseBadRequest    = 4400
	CloseUnauthorized  = 4401
	CloseForbidden     = 4403
	CloseTryAgainLater = websocket.CloseTryAgainLater // 1013: sent to a client too slow to keep up
)

// Defaults for Config's zero values.
const (
	DefaultSendQueue    = 64
	DefaultWriteTimeout = 10 * time.Second
	DefaultBufferSize   = 4096
	// DefaultReadBufferSize is small: client messages (connection_init,
	// subscribe, pong) are a few hundred bytes, larger ones are read
	// straight through, and every idle connection holds its read buffer.
	DefaultReadBufferSize = 512
)

// ErrSlowClient is returned by writes once a connection's send queue
// overflowed; the connection is then closed.
var ErrSlowClient = errors.New("gqlws: client too slow, send queue full")

// Config configures an Upgrader.
type Config struct {
	// AllowedOrigins lists the origins ("https://dash.example.com", with a
	// port when it is not the default one) that browsers may open a
	// websocket from. Empty means same origin only: the Origin header's host
	// must equal the request's Host. A request without an Origin header is
	// accepted in both cases, since only non-browser clients omit it and the
	// origin check exists to stop other sites' pages.
	AllowedOrigins []string
	// ReadBufferSize (default 512 bytes) and WriteBufferSize (default 4
	// KiB) are gorilla's I/O buffer sizes. Write buffers are pooled between
	// writes, so an idle connection holds none. The HTTP server's own
	// buffers are released at the upgrade.
	ReadBufferSize, WriteBufferSize int
	// HandshakeTimeout bounds the upgrade (gorilla's default when zero).
	HandshakeTimeout time.Duration
	// SendQueue is the number of messages a connection may have waiting for
	// the socket before it is closed as too slow (default 64). The queue
	// only fills once the kernel's socket buffer is full, and holds no memory
	// while empty.
	SendQueue int
	// WriteTimeout bounds every socket write (default 10s).
	WriteTimeout time.Duration
	// KeepAlive, when positive, is the interval of the keep-alives the
	// connection sends itself (see Keep-alive above); set the transport's
	// KeepAlivePingInterval and PingPongInterval to zero then.
	KeepAlive time.Duration
}

// Upgrader accepts websocket connections for gqlgen's transport.
type Upgrader struct {
	log          *slog.Logger
	upgrader     websocket.Upgrader
	origins      map[string]bool // normalised scheme://host[:port]
	sendQueue    int
	writeTimeout time.Duration
	keepAlive    time.Duration
}

var _ transport.WebsocketImplementation = (*Upgrader)(nil)

// New returns an Upgrader. It fails on an allowed origin that is not of the
// form scheme://host[:port].
func New(logger *slog.Logger, cfg Config) (*Upgrader, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	u := &Upgrader{
		log:          logger,
		origins:      make(map[string]bool),
		sendQueue:    cfg.SendQueue,
		writeTimeout: cfg.WriteTimeout,
		keepAlive:    max(cfg.KeepAlive, 0),
	}
	if u.sendQueue <= 0 {
		u.sendQueue = DefaultSendQueue
	}
	if u.writeTimeout <= 0 {
		u.writeTimeout = DefaultWriteTimeout
	}
	for _, o := range cfg.AllowedOrigins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("gqlws: allowed origin %q: %w", o, err)
		}
		u.origins[n] = true
	}
	u.upgrader = websocket.Upgrader{
		HandshakeTimeout: cfg.HandshakeTimeout,
		ReadBufferSize:   positiveOr(cfg.ReadBufferSize, DefaultReadBufferSize),
		WriteBufferSize:  positiveOr(cfg.WriteBufferSize, DefaultBufferSize),
		WriteBufferPool:  &sync.Pool{},
		CheckOrigin:      u.checkOrigin,
		Error:            u.refuse,
	}
	return u, nil
}

func positiveOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// normalizeOrigin lower-cases scheme and host and drops a default port, as
// browsers do in the Origin header.
func normalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", errors.New("want scheme://host[:port]")
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		host = strings.ToLower(u.Hostname())
	}
	return scheme + "://" + host, nil
}

func (u *Upgrader) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if len(u.origins) == 0 {
		o, err := url.Parse(origin)
		return err == nil && strings.EqualFold(o.Host, r.Host)
	}
	n, err := normalizeOrigin(origin)
	return err == nil && u.origins[n]
}

// refuse logs a failed upgrade and writes nothing: gqlgen answers every
// failed Accept itself (400 "unable to upgrade"), and a second status line
// would only add a superfluous-WriteHeader warning. A browser cannot see the
// status of a refused websocket anyway; the reason is in our log.
func (u *Upgrader) refuse(_ http.ResponseWriter, r *http.Request, status int, reason error) {
	u.log.Info("gqlws: websocket upgrade refused",
		slog.Int("status", status),
		slog.String("origin", r.Header.Get("Origin")),
		slog.String("reason", reason.Error()))
}

// Accept upgrades the request. It prefers graphql-transport-ws when the
// client offers both protocols; a client that offers none is served the
// legacy protocol by gqlgen.
func (u *Upgrader) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	up := u.upgrader
	up.Subprotocols = []string{ProtocolGraphQLTransportWS, ProtocolGraphQLWS}
	for _, p := range opts.Subprotocols {
		if !slices.Contains(up.Subprotocols, p) {
			up.Subprotocols = append(up.Subprotocols, p)
		}
	}
	hw := &hijackWriter{ResponseWriter: w}
	ws, err := up.Upgrade(hw, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	hw.release()
	c := newConn(ws, u.log, u.sendQueue, u.writeTimeout)
	c.keepAlive = u.keepAlive
	// The request context ends when gqlgen's handler returns. gqlgen closes
	// the connection on its normal paths but not on all of them (an init
	// payload that is not an object), so this makes sure the socket and the
	// writer never outlive the handler.
	c.mu.Lock()
	c.stopCtx = context.AfterFunc(r.Context(), func() { _ = c.Close() })
	c.mu.Unlock()
	return c, nil
}

// hijackWriter lets Accept release the HTTP server's buffers after the
// upgrade. gorilla reads with its own (smaller) buffer and writes from a
// pool, but net/http's connection keeps its 4 KiB reader and writer
// until the handler returns, which for a websocket is when it closes.
// (net/http releases the response's own writer at Hijack likewise.)
type hijackWriter struct {
	http.ResponseWriter
	rw *bufio.ReadWriter
}

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	w.rw = rw
	return c, rw, err
}

func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// release drops the buffers: after the handshake nothing reads or
// writes through them, and gorilla refuses a client that sent data
// before it completed, so the reader holds none.
func (w *hijackWriter) release() {
	if w.rw != nil {
		*w.rw.Reader = bufio.Reader{}
		*w.rw.Writer = bufio.Writer{}
	}
}

// socket is the part of *websocket.Conn the connection uses.
type socket interface {
	NextReader() (int, io.Reader, error)
	WriteMessage(messageType int, data []byte) error
	WriteControl(messageType int, data []byte, deadline time.Time) error
	SetWriteDeadline(t time.Time) error
	SetReadDeadline(t time.Time) error
	SetReadLimit(limit int64)
	Subprotocol() string
	Close() error
}

type frame struct {
	data  []byte
	close bool // data is a close frame's payload
}

// conn implements transport.WebsocketConn over gorilla with a bounded send
// queue. Writes never touch the socket: they queue a frame and, if none is
// running, start a writer goroutine that drains the queue and exits.
type conn struct {
	ws           socket
	log          *slog.Logger
	sendQueue    int
	writeTimeout time.Duration

	mu       sync.Mutex
	queue    []frame
	writing  chan struct{} // closed when the running writer exits; nil when none runs
	closing  bool          // a close frame is queued or Close was called
	err      error         // first write failure; later writes return it
	stopCtx  func() bool
	closeErr error
	closed   bool

	keepAlive time.Duration // 0: gqlgen's own keep-alive, if any
	kaTimer   *time.Timer   // set once connection_ack is queued
	pongSeen  bool          // a pong arrived since the last ping
}

var (
	_ transport.WebsocketConn          = (*conn)(nil)
	_ transport.WebsocketReadLimiter   = (*conn)(nil)
	_ transport.WebsocketReadDeadliner = (*conn)(nil)
)

func newConn(ws socket, log *slog.Logger, sendQueue int, writeTimeout time.Duration) *conn {
	return &conn{ws: ws, log: log, sendQueue: sendQueue, writeTimeout: writeTimeout}
}

// NextReader reports a normal close by the peer as transport.ErrWebsocketClosed,
// which gqlgen does not treat as an error.
func (c *conn) NextReader() (int, io.Reader, error) {
	t, r, err := c.ws.NextReader()
	if err != nil {
		if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
			return t, nil, transport.ErrWebsocketClosed
		}
		return t, nil, err
	}
	if c.keepAlive > 0 && c.ws.Subprotocol() == ProtocolGraphQLTransportWS {
		// The pong rule needs to see pongs, so read the (small, size
		// limited) message here and hand gqlgen a copy.
		data, err := io.ReadAll(r)
		if err != nil {
			return t, nil, err
		}
		if isMessageType(data, "pong") {
			c.mu.Lock()
			c.pongSeen = true
			c.mu.Unlock()
		}
		return t, bytes.NewReader(data), nil
	}
	return t, r, nil
}

// isMessageType reports whether data is a protocol message of type typ.
func isMessageType(data []byte, typ string) bool {
	if !bytes.Contains(data, []byte(typ)) {
		return false
	}
	var m struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &m) == nil && m.Type == typ
}

// connectionAck ends every connection_ack gqlgen writes, payload or not.
var connectionAck = []byte(`"type":"connection_ack"}`)

// startKeepAliveLocked arms the keep-alive once connection_ack is queued,
// where gqlgen would start its ticker. c.mu must be held.
func (c *conn) startKeepAliveLocked() {
	if c.ws.Subprotocol() == ProtocolGraphQLTransportWS {
		_ = c.ws.SetReadDeadline(time.Now().Add(2 * c.keepAlive))
	}
	c.kaTimer = time.AfterFunc(c.keepAlive, c.keepAliveTick)
}

// keepAliveTick sends one keep-alive and re-arms the timer, as gqlgen's
// ticker goroutine does on each tick.
func (c *conn) keepAliveTick() {
	msg := []byte(`{"type":"ka"}`)
	if c.ws.Subprotocol() == ProtocolGraphQLTransportWS {
		msg = []byte(`{"type":"ping"}`)
	}
	if c.enqueue(frame{data: msg}) != nil {
		return // closing
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	if c.ws.Subprotocol() == ProtocolGraphQLTransportWS {
		if c.pongSeen {
			_ = c.ws.SetReadDeadline(time.Now().Add(2 * c.keepAlive))
		}
		c.pongSeen = false
	}
	c.kaTimer.Reset(c.keepAlive)
}

// WriteJSON queues v as a text message.
func (c *conn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := c.enqueue(frame{data: data}); err != nil {
		return err
	}
	if c.keepAlive > 0 && bytes.HasSuffix(data, connectionAck) {
		c.mu.Lock()
		if c.kaTimer == nil && !c.closing {
			c.startKeepAliveLocked()
		}
		c.mu.Unlock()
	}
	return nil
}

// WriteClose queues a close frame after the messages already queued, so a
// connection_error sent just before it still arrives first.
func (c *conn) WriteClose(code int, reason string) error {
	// A close frame's payload is at most 125 bytes: 2 for the code.
	if len(reason) > 123 {
		reason = reason[:123]
	}
	return c.enqueue(frame{data: websocket.FormatCloseMessage(code, reason), close: true})
}

func (c *conn) enqueue(f frame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if c.closing {
		return websocket.ErrCloseSent
	}
	// A close frame always fits: it is the last one.
	if !f.close && len(c.queue) >= c.sendQueue {
		c.err = ErrSlowClient
		c.closing = true
		c.queue = nil
		go c.abort()
		return c.err
	}
	if f.close {
		c.closing = true
	}
	c.queue = append(c.queue, f)
	if c.writing == nil {
		c.writing = make(chan struct{})
		go c.writer(c.writing)
	}
	return nil
}

// writer drains the queue, one deadline-bounded write at a time.
func (c *conn) writer(done chan struct{}) {
	defer close(done)
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.err != nil {
			c.queue = nil
			c.writing = nil
			c.mu.Unlock()
			return
		}
		f := c.queue[0]
		c.queue[0] = frame{}
		c.queue = c.queue[1:]
		c.mu.Unlock()

		_ = c.ws.SetWriteDeadline(time.Now().Add(c.writeTimeout))
		typ := websocket.TextMessage
		if f.close {
			typ = websocket.CloseMessage
		}
		if err := c.ws.WriteMessage(typ, f.data); err != nil {
			c.mu.Lock()
			if c.err == nil {
				c.err = err
			}
			c.mu.Unlock()
			// The peer is gone or stalled: closing the socket ends gqlgen's
			// read loop, which tears the connection down.
			_ = c.ws.Close()
		}
	}
}

// abort closes a connection whose client stopped reading. The close frame is
// best effort: a stalled client will not read it.
func (c *conn) abort() {
	c.log.Warn("gqlws: closing websocket client that does not keep up", slog.Int("send_queue", c.sendQueue))
	_ = c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(CloseTryAgainLater, "client too slow"),
		time.Now().Add(time.Second))
	_ = c.ws.Close()
}

// Close lets queued frames (the close frame last) go out for at most
// WriteTimeout, then closes the socket. It is idempotent.
func (c *conn) Close() error {
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		return err
	}
	c.closed = true
	c.closing = true
	done, stop := c.writing, c.stopCtx
	if c.kaTimer != nil {
		c.kaTimer.Stop()
	}
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
	if done != nil {
		t := time.NewTimer(c.writeTimeout)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
	err := c.ws.Close()
	c.mu.Lock()
	c.closeErr = err
	c.mu.Unlock()
	return err
}

func (c *conn) Subprotocol() string { return c.ws.Subprotocol() }

func (c *conn) SetReadLimit(limit int64) { c.ws.SetReadLimit(limit) }

func (c *conn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

// Reject refuses a connection from a transport.WebsocketInitFunc: gqlgen
// sends the reason as a connection error (legacy protocol) and closes with
// code and reason, e.g.
//
//	return gqlws.Reject(ctx, gqlws.CloseUnauthorized, "missing or invalid API key")
func Reject(ctx context.Context, code int, reason string) (context.Context, *transport.InitPayload, error) {
	ctx = transport.WithWebsocketCloseCode(ctx, code)
	ctx = transport.AppendCloseReason(ctx, reason)
	return ctx, nil, errors.New(reason)
}
