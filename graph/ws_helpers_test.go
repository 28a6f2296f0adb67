package graph_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/eventbus"
	"github.com/intalos/integrations/internal/events"
	"github.com/intalos/integrations/internal/gqlws"
	"github.com/intalos/integrations/internal/store"
)

// The two websocket protocols, as a client names them.
var protocols = []string{gqlws.ProtocolGraphQLTransportWS, gqlws.ProtocolGraphQLWS}

// waitTimeout bounds every wait for an event.
const waitTimeout = 10 * time.Second

// liveSubs reads the API's gauge of live subscriptions, so that a test
// knows when the subscriptions it started are listening.
type liveSubs struct {
	reg *prometheus.Registry
	bus eventbus.Bus
}

func (l *liveSubs) count() int {
	mfs, _ := l.reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "intalos_graphql_subscriptions" {
			return int(mf.GetMetric()[0].GetGauge().GetValue())
		}
	}
	return 0
}

// await waits until exactly n subscriptions are live.
func (l *liveSubs) await(t testing.TB, n int) {
	t.Helper()
	for deadline := time.Now().Add(waitTimeout + time.Duration(n)*time.Millisecond); l.count() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions, want %d", l.count(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// newLiveEnv is newEnv with an in-process bus fed by the ent hooks.
func newLiveEnv(t testing.TB, db *store.DB, cfg graph.HandlerConfig) (*env, *liveSubs) {
	t.Helper()
	bus := eventbus.NewInProcess(nil, 0)
	t.Cleanup(func() { bus.Close() })
	live := &liveSubs{reg: prometheus.NewRegistry(), bus: bus}
	events.Register(db.Client, bus, nil)
	return newEnv(t, db, cfg, func(d *graph.Deps) { d.Bus, d.Registerer = bus, live.reg }), live
}

// wsMsg is a message of either protocol.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient speaks either protocol over a real socket. A reader goroutine
// answers pings and sorts messages by subscription id.
type wsClient struct {
	t     testing.TB
	conn  *websocket.Conn
	proto string

	mu     sync.Mutex
	queues map[string]chan wsMsg
	pings  int // server pings (transport-ws) or "ka" (legacy) seen
	closed chan struct{}
	err    error // why the reader stopped

	writeMu sync.Mutex
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// dialWS connects and sends connection_init with payload (none when nil).
// It returns once the server acknowledged, or with the close error.
func dialWS(t testing.TB, url, proto string, payload any) (*wsClient, error) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{proto}, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(wsURL(url), nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, err
	}
	if conn.Subprotocol() != proto {
		t.Fatalf("negotiated %q, want %q", conn.Subprotocol(), proto)
	}
	c := &wsClient{t: t, conn: conn, proto: proto, queues: map[string]chan wsMsg{}, closed: make(chan struct{})}
	t.Cleanup(func() { c.close() })
	init := wsMsg{Type: "connection_init"}
	if payload != nil {
		init.Payload, _ = json.Marshal(payload)
	}
	c.send(init)
	acked := c.queue("")
	go c.read()
	select {
	case m := <-acked:
		if m.Type != "connection_ack" {
			return c, fmt.Errorf("got %s %s before connection_ack", m.Type, m.Payload)
		}
		return c, nil
	case <-c.closed:
		return c, c.err
	case <-time.After(waitTimeout):
		t.Fatal("no connection_ack")
	}
	return c, nil
}

func (c *wsClient) queue(id string) chan wsMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	q, ok := c.queues[id]
	if !ok {
		q = make(chan wsMsg, 1024)
		c.queues[id] = q
	}
	return q
}

func (c *wsClient) read() {
	defer close(c.closed)
	for {
		var m wsMsg
		if err := c.conn.ReadJSON(&m); err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		switch m.Type {
		case "ping":
			c.mu.Lock()
			c.pings++
			c.mu.Unlock()
			c.send(wsMsg{Type: "pong"})
		case "ka":
			c.mu.Lock()
			c.pings++
			c.mu.Unlock()
		case "pong":
		default:
			c.queue(m.ID) <- m
		}
	}
}

func (c *wsClient) send(m wsMsg) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.conn.WriteJSON(m)
}

// subscribe starts operation id.
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	typ := "subscribe"
	if c.proto == gqlws.ProtocolGraphQLWS {
		typ = "start"
	}
	p, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	c.queue(id)
	c.send(wsMsg{ID: id, Type: typ, Payload: p})
}

// stop ends operation id from the client's side.
func (c *wsClient) stop(id string) {
	typ := "complete"
	if c.proto == gqlws.ProtocolGraphQLWS {
		typ = "stop"
	}
	c.send(wsMsg{ID: id, Type: typ})
}

// result is one payload of an operation: data, or errors, or its end.
type result struct {
	Type   string
	Data   map[string]any
	Errors []gqlError
}

// next waits for operation id's next message.
func (c *wsClient) next(id string) result {
	c.t.Helper()
	select {
	case m := <-c.queue(id):
		r := result{Type: m.Type}
		switch m.Type {
		case "next", "data":
			var p struct {
				Data   map[string]any
				Errors []gqlError
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				c.t.Fatalf("payload %s: %v", m.Payload, err)
			}
			r.Data, r.Errors = p.Data, p.Errors
		case "error":
			// graphql-transport-ws sends a list; legacy an object or a list.
			if err := json.Unmarshal(m.Payload, &r.Errors); err != nil {
				var one gqlError
				_ = json.Unmarshal(m.Payload, &one)
				r.Errors = []gqlError{one}
			}
		}
		return r
	case <-time.After(waitTimeout):
		c.t.Fatalf("%s: no message for %q within %s (reader: %v)", c.proto, id, waitTimeout, c.readErr())
	}
	return result{}
}

// event waits for operation id's next data and returns its field.
func (c *wsClient) event(id, field string) map[string]any {
	c.t.Helper()
	r := c.next(id)
	if (r.Type != "next" && r.Type != "data") || len(r.Errors) > 0 {
		c.t.Fatalf("%s %s: want data, got %s %+v", c.proto, id, r.Type, r.Errors)
	}
	ev, _ := r.Data[field].(map[string]any)
	return ev
}

// quiet fails if operation id receives anything within d.
func (c *wsClient) quiet(id string, d time.Duration) {
	c.t.Helper()
	select {
	case m := <-c.queue(id):
		c.t.Fatalf("%s %s: unexpected %s %s", c.proto, id, m.Type, m.Payload)
	case <-time.After(d):
	}
}

// closeError waits for the server to close the connection and returns
// its close frame.
func (c *wsClient) closeError() *websocket.CloseError {
	c.t.Helper()
	select {
	case <-c.closed:
	case <-time.After(waitTimeout):
		c.t.Fatal("the server did not close the connection")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var ce *websocket.CloseError
	if errors.As(c.err, &ce) {
		return ce
	}
	return nil
}

func (c *wsClient) pingCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pings
}

// close closes the socket and waits for the reader.
func (c *wsClient) close() {
	c.writeMu.Lock()
	_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	select {
	case <-c.closed:
	case <-time.After(2 * time.Second):
	}
	_ = c.conn.Close()
	<-c.closed
}

// settleGoroutines waits until the goroutine count is back to at most
// base: every subscription's goroutine, and the server's per connection,
// returned.
func settleGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		n := runtime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, want at most %d:\n%s", n, base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// bearer is the init payload carrying key.
func bearer(key string) map[string]any { return map[string]any{"Authorization": "Bearer " + key} }

// httpClient keeps test connections from lingering in the default pool.
func closeIdle() { http.DefaultClient.CloseIdleConnections() }

func websocketDialer(proto string) *websocket.Dialer {
	return &websocket.Dialer{Subprotocols: []string{proto}, HandshakeTimeout: 5 * time.Second}
}

func (c *wsClient) readErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
