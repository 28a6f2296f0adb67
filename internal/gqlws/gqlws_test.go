package gqlws

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

const apiKey = "secret-key"

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// requireAPIKey is the InitFunc of the tests: the key comes in the
// connection_init payload, as browsers cannot set headers on a websocket.
func requireAPIKey(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	if p.GetString("apiKey") != apiKey {
		return Reject(ctx, CloseUnauthorized, "missing or invalid API key")
	}
	return ctx, nil, nil
}

type env struct {
	gql    *testserver.TestServer
	http   *httptest.Server
	url    string
	closed chan int // close codes reported by gqlgen's CloseFunc
}

// newEnv serves gqlgen's test schema (it has a subscription) through the
// websocket transport on our adapter.
func newEnv(t *testing.T, cfg Config, ws transport.Websocket) *env {
	t.Helper()
	up, err := New(testLogger(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{gql: testserver.New(), closed: make(chan int, 16)}
	ws.Implementation = up
	if ws.InitFunc == nil {
		ws.InitFunc = requireAPIKey
	}
	ws.CloseFunc = func(_ context.Context, code int) { e.closed <- code }
	e.gql.AddTransport(ws)
	e.http = httptest.NewServer(e.gql)
	t.Cleanup(e.http.Close)
	e.url = "ws" + strings.TrimPrefix(e.http.URL, "http")
	return e
}

type msg struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type client struct {
	t *testing.T
	c *websocket.Conn
}

func dialErr(t *testing.T, e *env, protocols []string, h http.Header) (*client, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{Subprotocols: protocols, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.DialContext(t.Context(), e.url, h)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { _ = c.Close() })
	return &client{t: t, c: c}, resp, nil
}

// drop closes the client's TCP connection without a close handshake, the
// way a browser tab dies, and waits for the server to notice.
func drop(t *testing.T, e *env, c *client) {
	t.Helper()
	_ = c.c.NetConn().Close()
	select {
	case <-e.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not notice the dropped client")
	}
}

func dial(t *testing.T, e *env, protocols ...string) *client {
	t.Helper()
	c, _, err := dialErr(t, e, protocols, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

func (c *client) send(m msg) {
	c.t.Helper()
	if err := c.c.WriteJSON(m); err != nil {
		c.t.Fatalf("send %s: %v", m.Type, err)
	}
}

func (c *client) read() (msg, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m msg
	err := c.c.ReadJSON(&m)
	return m, err
}

// expect returns the next message of type typ. Keep-alives it is not
// waiting for are skipped, and server pings are answered as a client does.
func (c *client) expect(typ string) msg {
	c.t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
		switch m.Type {
		case "ka":
			continue
		case "ping":
			c.send(msg{Type: "pong"})
			continue
		}
		c.t.Fatalf("got %+v, want a %q message", m, typ)
	}
}

// expectClose reads until the server closes and checks code and reason.
func (c *client) expectClose(code int, reason string) {
	c.t.Helper()
	for {
		m, err := c.read()
		if err == nil {
			c.t.Logf("before close: %+v", m)
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("got %v, want close %d %q", err, code, reason)
		}
		if ce.Code != code || ce.Text != reason {
			c.t.Errorf("got close %d %q, want %d %q", ce.Code, ce.Text, code, reason)
		}
		return
	}
}

func initPayload(key string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"apiKey": key})
	return b
}

var subscription = json.RawMessage(`{"query":"subscription { name }"}`)

func wantData(t *testing.T, m msg, id string) {
	t.Helper()
	var p struct {
		Data struct{ Name string } `json:"data"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("payload %s: %v", m.Payload, err)
	}
	if m.ID != id || p.Data.Name != "test" {
		t.Errorf("got id %q payload %s, want id %q with name test", m.ID, m.Payload, id)
	}
}

func TestGraphQLTransportWS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{}, transport.Websocket{
		InitTimeout:      5 * time.Second,
		PingPongInterval: 300 * time.Millisecond,
	})
	c := dial(t, e, ProtocolGraphQLTransportWS)
	if got := c.c.Subprotocol(); got != ProtocolGraphQLTransportWS {
		t.Fatalf("negotiated %q, want %q", got, ProtocolGraphQLTransportWS)
	}

	c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
	c.expect("connection_ack")

	c.send(msg{Type: "subscribe", ID: "1", Payload: subscription})
	e.gql.SendNextSubscriptionMessage()
	wantData(t, c.expect("next"), "1")
	e.gql.SendNextSubscriptionMessage()
	wantData(t, c.expect("next"), "1")

	// The server ends the stream.
	e.gql.SendCompleteSubscriptionMessage()
	if m := c.expect("complete"); m.ID != "1" {
		t.Errorf("complete for %q, want 1", m.ID)
	}

	// The client ends a stream; a later one gets the events.
	c.send(msg{Type: "subscribe", ID: "2", Payload: subscription})
	c.send(msg{Type: "complete", ID: "2"})
	// gqlgen acknowledges with a complete of its own.
	if m := c.expect("complete"); m.ID != "2" {
		t.Errorf("complete for %q, want 2", m.ID)
	}
	c.send(msg{Type: "subscribe", ID: "3", Payload: subscription})
	e.gql.SendNextSubscriptionMessage()
	wantData(t, c.expect("next"), "3")

	// Client ping, server pong.
	c.send(msg{Type: "ping"})
	c.expect("pong")
	// Server ping (PingPongInterval), client pong; the connection survives
	// several intervals because pongs are sent.
	for range 3 {
		c.expectRaw("ping")
		c.send(msg{Type: "pong"})
	}
	c.send(msg{Type: "ping"})
	c.expect("pong")

	if err := c.c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not close the connection")
	}
}

// expect2 returns the next message of either type, handling keep-alives.
func (c *client) expect2(a, b string) msg {
	c.t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for %q or %q: %v", a, b, err)
		}
		switch m.Type {
		case a, b:
			return m
		case "ping":
			c.send(msg{Type: "pong"})
		case "ka":
		default:
			c.t.Fatalf("got %+v, want %q or %q", m, a, b)
		}
	}
}

// expectRaw returns the next message, which must be of type typ.
func (c *client) expectRaw(typ string) msg {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("waiting for %q: %v", typ, err)
	}
	if m.Type != typ {
		c.t.Fatalf("got %+v, want %q", m, typ)
	}
	return m
}

func TestGraphQLTransportWSMissingPongCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{}, transport.Websocket{PingPongInterval: 50 * time.Millisecond})
	c := dial(t, e, ProtocolGraphQLTransportWS)
	c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
	c.expect("connection_ack")
	// Never answer pings: the server gives up after two intervals.
	for {
		if _, err := c.read(); err != nil {
			break
		}
	}
	select {
	case <-e.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("server kept a connection that does not answer pings")
	}
}

func TestLegacyGraphQLWS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		protocols []string
	}{
		{"graphql-ws", []string{ProtocolGraphQLWS}},
		// No sub-protocol means legacy.
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{}, transport.Websocket{KeepAlivePingInterval: 30 * time.Millisecond})
			c := dial(t, e, tt.protocols...)
			if got, want := c.c.Subprotocol(), strings.Join(tt.protocols, ""); got != want {
				t.Fatalf("negotiated %q, want %q", got, want)
			}
			c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
			c.expect("connection_ack")
			// One right after the ack, then one per interval.
			for range 3 {
				c.expectRaw("ka")
			}

			c.send(msg{Type: "start", ID: "a", Payload: subscription})
			e.gql.SendNextSubscriptionMessage()
			wantData(t, c.expect("data"), "a")

			c.send(msg{Type: "stop", ID: "a"})
			if m := c.expect("complete"); m.ID != "a" {
				t.Errorf("complete for %q, want a", m.ID)
			}

			c.send(msg{Type: "connection_terminate"})
			c.expectClose(websocket.CloseNormalClosure, "terminated")
		})
	}
}

func TestPrefersGraphQLTransportWS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{}, transport.Websocket{})
	c := dial(t, e, ProtocolGraphQLWS, ProtocolGraphQLTransportWS)
	if got := c.c.Subprotocol(); got != ProtocolGraphQLTransportWS {
		t.Errorf("negotiated %q, want %q", got, ProtocolGraphQLTransportWS)
	}
}

func TestInitRejected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		protocol   string
		init       *msg
		ws         transport.Websocket
		wantCode   int
		wantReason string
		wantError  bool // legacy sends a connection_error first
	}{
		{"transport-ws missing key", ProtocolGraphQLTransportWS, &msg{Type: "connection_init"}, transport.Websocket{}, CloseUnauthorized, "missing or invalid API key", false},
		{"transport-ws wrong key", ProtocolGraphQLTransportWS, &msg{Type: "connection_init", Payload: initPayload("nope")}, transport.Websocket{}, CloseUnauthorized, "missing or invalid API key", false},
		{"legacy missing key", ProtocolGraphQLWS, &msg{Type: "connection_init", Payload: json.RawMessage(`{}`)}, transport.Websocket{}, CloseUnauthorized, "missing or invalid API key", true},
		{"init timeout", ProtocolGraphQLTransportWS, nil, transport.Websocket{InitTimeout: 50 * time.Millisecond}, websocket.CloseProtocolError, "connection initialisation timeout", false},
		{"subscribe before init", ProtocolGraphQLTransportWS, &msg{Type: "subscribe", ID: "1", Payload: subscription}, transport.Websocket{}, websocket.CloseProtocolError, "unexpected message", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, Config{}, tt.ws)
			c := dial(t, e, tt.protocol)
			if tt.init != nil {
				c.send(*tt.init)
			}
			if tt.wantError {
				m := c.expect("connection_error")
				if !strings.Contains(string(m.Payload), tt.wantReason) {
					t.Errorf("connection_error payload %s, want %q", m.Payload, tt.wantReason)
				}
			}
			c.expectClose(tt.wantCode, tt.wantReason)
		})
	}
}

// gqlgen returns without closing when the init payload is not an object; the
// adapter still closes the socket when the handler returns.
func TestSocketClosedWhenHandlerReturns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{}, transport.Websocket{})
	c := dial(t, e, ProtocolGraphQLTransportWS)
	c.send(msg{Type: "connection_init", Payload: json.RawMessage(`[1]`)})
	if m, err := c.read(); err == nil {
		t.Fatalf("got %+v, want the connection closed", m)
	}
}

func TestReadLimit(t *testing.T) {
	t.Parallel()
	limit := int64(256)
	e := newEnv(t, Config{}, transport.Websocket{PayloadReadLimit: &limit})
	c := dial(t, e, ProtocolGraphQLTransportWS)
	c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
	c.expect("connection_ack")
	big, _ := json.Marshal(map[string]string{"query": "subscription { name } #" + strings.Repeat("x", 1024)})
	c.send(msg{Type: "subscribe", ID: "1", Payload: big})
	c.expectClose(websocket.CloseMessageTooBig, "")
}

func TestOrigins(t *testing.T) {
	t.Parallel()
	allowList := Config{AllowedOrigins: []string{"https://dash.example.com", "http://localhost:5173"}}
	tests := []struct {
		name    string
		cfg     Config
		origin  string // "self" means the test server's own origin
		allowed bool
	}{
		{"listed", allowList, "https://dash.example.com", true},
		{"listed, case and default port differ", allowList, "HTTPS://Dash.Example.com:443", true},
		{"listed with port", allowList, "http://localhost:5173", true},
		{"other site", allowList, "https://evil.example.com", false},
		{"other scheme", allowList, "http://dash.example.com", false},
		{"other port", allowList, "http://localhost:5174", false},
		{"suffix trick", allowList, "https://dash.example.com.evil.net", false},
		{"opaque origin", allowList, "null", false},
		{"not listed, even same origin", allowList, "self", false},
		{"no Origin header (not a browser)", allowList, "", true},
		{"empty list: same origin", Config{}, "self", true},
		{"empty list: other origin", Config{}, "https://dash.example.com", false},
		{"empty list: no Origin header", Config{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.cfg, transport.Websocket{})
			h := http.Header{}
			switch tt.origin {
			case "":
			case "self":
				h.Set("Origin", e.http.URL)
			default:
				h.Set("Origin", tt.origin)
			}
			_, resp, err := dialErr(t, e, []string{ProtocolGraphQLTransportWS}, h)
			if tt.allowed {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				return
			}
			if !errors.Is(err, websocket.ErrBadHandshake) {
				t.Fatalf("got %v, want a refused handshake", err)
			}
			// gqlgen answers every failed upgrade with 400.
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want %d", resp.StatusCode, http.StatusBadRequest)
			}
		})
	}
}

func TestNewRejectsMalformedOrigins(t *testing.T) {
	t.Parallel()
	for _, o := range []string{"dash.example.com", "https://dash.example.com/app", "*", "https://", "https://u@dash.example.com"} {
		if _, err := New(nil, Config{AllowedOrigins: []string{o}}); err == nil {
			t.Errorf("New accepted allowed origin %q", o)
		}
	}
}

// Not parallel: counts the process's goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		e := newEnv(t, Config{}, transport.Websocket{
			PingPongInterval:      time.Second,
			KeepAlivePingInterval: time.Second,
		})
		for _, p := range []string{ProtocolGraphQLTransportWS, ProtocolGraphQLWS} {
			c := dial(t, e, p)
			c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
			c.expect("connection_ack")
			start := "subscribe"
			if p == ProtocolGraphQLWS {
				start = "start"
			}
			c.send(msg{Type: start, ID: "1", Payload: subscription})
			e.gql.SendNextSubscriptionMessage()
			c.expect2("next", "data")
			drop(t, e, c)
		}
		e.http.Close()
	}()
	waitGoroutines(t, before)
}

// A client that stops reading is disconnected once the socket's buffers and
// the send queue are full; gqlgen's subscription goroutine never blocks on it.
func TestStalledClientIsDisconnected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{SendQueue: 4, WriteTimeout: 2 * time.Second}, transport.Websocket{})
	d := websocket.Dialer{
		Subprotocols: []string{ProtocolGraphQLTransportWS},
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096) // fill up quickly
			}
			return c, err
		},
	}
	ws, _, err := d.DialContext(t.Context(), e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	c := &client{t: t, c: ws}
	c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
	c.expect("connection_ack")
	c.send(msg{Type: "subscribe", ID: "1", Payload: subscription})

	// From now on the client reads nothing. Every event must still be taken
	// promptly until the server gives up on the client.
	start := time.Now()
	sent := 0
	for {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("stalled client still connected after %d events", sent)
		}
		done := make(chan struct{})
		go func() { e.gql.SendNextSubscriptionMessage(); close(done) }()
		select {
		case <-done:
			sent++
		case code := <-e.closed:
			<-done
			t.Logf("disconnected (gqlgen close code %d) after %d events in %v", code, sent, time.Since(start))
			return
		}
	}
}

// Config.KeepAlive: the connection sends the keep-alives itself, with
// gqlgen's rules, and none of gqlgen's intervals set.
func TestConnKeepAlive(t *testing.T) {
	t.Parallel()
	const interval = 50 * time.Millisecond
	t.Run("graphql-transport-ws answered", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{KeepAlive: interval}, transport.Websocket{})
		c := dial(t, e, ProtocolGraphQLTransportWS)
		c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
		c.expect("connection_ack")
		// Well past two intervals: pongs keep the connection open.
		for range 8 {
			c.expectRaw("ping")
			c.send(msg{Type: "pong"})
		}
		c.send(msg{Type: "subscribe", ID: "1", Payload: subscription})
		e.gql.SendNextSubscriptionMessage()
		wantData(t, c.expect("next"), "1")
	})
	t.Run("graphql-transport-ws unanswered", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{KeepAlive: interval}, transport.Websocket{})
		c := dial(t, e, ProtocolGraphQLTransportWS)
		c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
		c.expect("connection_ack")
		pings := 0
		for {
			m, err := c.read()
			if err != nil {
				break
			}
			if m.Type == "ping" {
				pings++
			}
		}
		if pings == 0 {
			t.Error("no ping before the close")
		}
		select {
		case <-e.closed:
		case <-time.After(5 * time.Second):
			t.Fatal("server kept a connection that does not answer pings")
		}
	})
	t.Run("graphql-ws", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, Config{KeepAlive: interval}, transport.Websocket{})
		c := dial(t, e, ProtocolGraphQLWS)
		c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
		c.expect("connection_ack")
		// gqlgen's one right after the ack, then one per interval; no
		// answer is expected.
		for range 6 {
			c.expectRaw("ka")
		}
		c.send(msg{Type: "connection_terminate"})
		c.expectClose(websocket.CloseNormalClosure, "terminated")
	})
}

func TestConnKeepAliveNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		e := newEnv(t, Config{KeepAlive: 20 * time.Millisecond}, transport.Websocket{})
		for _, p := range []string{ProtocolGraphQLTransportWS, ProtocolGraphQLWS} {
			c := dial(t, e, p)
			c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
			c.expect("connection_ack")
			time.Sleep(50 * time.Millisecond) // a few keep-alives
			drop(t, e, c)
		}
		e.http.Close()
	}()
	waitGoroutines(t, before)
}

// TestMessagesLargerThanTheReadBuffer: the read buffer is small (and the
// HTTP server's buffers are released at the upgrade); larger client
// messages still arrive whole, with the default keep-alive and without.
func TestMessagesLargerThanTheReadBuffer(t *testing.T) {
	t.Parallel()
	for _, keepAlive := range []time.Duration{0, time.Minute} {
		for _, proto := range []string{ProtocolGraphQLTransportWS, ProtocolGraphQLWS} {
			e := newEnv(t, Config{KeepAlive: keepAlive}, transport.Websocket{})
			c := dial(t, e, proto)
			c.send(msg{Type: "connection_init", Payload: initPayload(apiKey)})
			c.expect("connection_ack")
			query, _ := json.Marshal(map[string]string{"query": "subscription { name } #" + strings.Repeat("x", 64<<10)})
			start := "subscribe"
			if proto == ProtocolGraphQLWS {
				start = "start"
			}
			c.send(msg{Type: start, ID: "1", Payload: query})
			e.gql.SendNextSubscriptionMessage()
			want := "next"
			if proto == ProtocolGraphQLWS {
				want = "data"
			}
			wantData(t, c.expect(want), "1")
		}
	}
}
