package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// subscriber is one websocket with one messageEvents subscription,
// speaking graphql-transport-ws.
type subscriber struct {
	ws *websocket.Conn
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

const subscription = `subscription($id: ID!) { messageEvents(integrationId: $id) { kind message { text } } }`

// subscribe opens a websocket to base's /graphql, authenticates with key
// in connection_init and subscribes to integrationID's message events.
func subscribe(base, key, integrationID string) (*subscriber, error) {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 30 * time.Second}
	ws, _, err := d.Dial(strings.Replace(base, "http://", "ws://", 1)+"/graphql", http.Header{"Origin": {base}})
	if err != nil {
		return nil, err
	}
	init, _ := json.Marshal(map[string]any{"Authorization": "Bearer " + key})
	if err := ws.WriteJSON(wsMessage{Type: "connection_init", Payload: init}); err != nil {
		ws.Close()
		return nil, err
	}
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	var ack wsMessage
	if err := ws.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
		ws.Close()
		return nil, fmt.Errorf("connection_init answered %q: %v", ack.Type, err)
	}
	ws.SetReadDeadline(time.Time{})
	payload, _ := json.Marshal(map[string]any{"query": subscription, "variables": map[string]any{"id": integrationID}})
	if err := ws.WriteJSON(wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		ws.Close()
		return nil, err
	}
	return &subscriber{ws: ws}, nil
}

// read delivers the text of every INBOUND event to got until the
// connection closes; it answers the server's pings and reports anything
// that ends the subscription to failed.
func (s *subscriber) read(got func(text string, at time.Time), failed func(string)) {
	for {
		var m wsMessage
		if err := s.ws.ReadJSON(&m); err != nil {
			failed(err.Error())
			return
		}
		at := time.Now()
		switch m.Type {
		case "ping":
			s.ws.WriteJSON(wsMessage{Type: "pong"})
		case "error", "complete":
			failed(m.Type + " " + string(m.Payload))
		case "next":
			var p struct {
				Data struct {
					MessageEvents struct {
						Kind    string
						Message *struct{ Text string }
					}
				}
			}
			if json.Unmarshal(m.Payload, &p) == nil && p.Data.MessageEvents.Kind == "INBOUND" && p.Data.MessageEvents.Message != nil {
				got(p.Data.MessageEvents.Message.Text, at)
			}
		}
	}
}

// event collects the arrivals of one posted message.
type event struct {
	text  string
	want  int
	mu    sync.Mutex
	first time.Time
	last  time.Time
	n     int
	done  chan struct{}
}

func (e *event) arrived(at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == 0 {
		e.first = at
	}
	e.n++
	if at.After(e.last) {
		e.last = at
	}
	if e.n == e.want {
		close(e.done)
	}
}
