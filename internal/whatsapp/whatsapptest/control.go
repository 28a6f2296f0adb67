package whatsapptest

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Control is a small HTTP API for playing a WhatsApp user by hand against
// a running simulator (the demo, local development): it makes the
// simulator post an inbound message to our webhook, and lists what the
// business sent. It lives under /simulator/, a path Meta does not use.
type Control struct {
	sim           *Simulator
	hook          Webhook
	phoneNumberID string

	mu    sync.Mutex
	names map[string]string // profile name per user, as WhatsApp keeps it
}

// NewControl returns the control API posting to hook as phoneNumberID's
// webhook.
func NewControl(sim *Simulator, hook Webhook, phoneNumberID string) *Control {
	return &Control{sim: sim, hook: hook, phoneNumberID: phoneNumberID, names: make(map[string]string)}
}

// Register adds POST /simulator/inbound and GET /simulator/sent to mux.
func (c *Control) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /simulator/inbound", c.inbound)
	mux.HandleFunc("GET /simulator/sent", c.sent)
}

// inboundRequest is what a user "types": a text, or a tap on a reply
// button or list row of the business's message replyTo (the newest one
// sent to the user when left empty).
type inboundRequest struct {
	From    string `json:"from"`
	Name    string `json:"name"`
	Text    string `json:"text"`
	Button  string `json:"button"` // reply button id
	Row     string `json:"row"`    // list row id
	Title   string `json:"title"`
	ReplyTo string `json:"replyTo"`
}

func (c *Control) inbound(w http.ResponseWriter, r *http.Request) {
	var req inboundRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || req.From == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"from": "<phone>", "text": "…"} or {"from", "button"|"row": "<id>"}`})
		return
	}
	replyTo := req.ReplyTo
	if replyTo == "" {
		replyTo = c.lastSentTo(req.From)
	}
	var msg InboundMessage
	switch {
	case req.Button != "":
		msg = ButtonReplyMessage(req.From, replyTo, req.Button, orDefault(req.Title, req.Button))
	case req.Row != "":
		msg = ListReplyMessage(req.From, replyTo, req.Row, orDefault(req.Title, req.Row), "")
	default:
		msg = TextMessage(req.From, req.Text)
	}
	msg.ProfileName = c.profileName(req.From, req.Name)
	d, err := c.sim.PostInbound(r.Context(), c.hook, c.phoneNumberID, msg)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "posting the webhook: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhookStatus": d.StatusCode})
}

// outboundView is one message the business sent, as the user would see it.
type outboundView struct {
	At    time.Time       `json:"at"`
	To    string          `json:"to"`
	WAMID string          `json:"wamid"`
	Type  string          `json:"type"`
	Body  json.RawMessage `json:"body"`
}

func (c *Control) sent(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	out := []outboundView{}
	for _, req := range c.sim.Requests() {
		if req.Type == "" || (to != "" && req.To != to && req.To != "+"+to) {
			continue
		}
		out = append(out, outboundView{At: req.At, To: req.To, WAMID: req.WAMID, Type: req.Type, Body: req.Body})
	}
	writeJSON(w, http.StatusOK, out)
}

func (c *Control) lastSentTo(user string) string {
	reqs := c.sim.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Type != "" && (reqs[i].To == user || reqs[i].To == "+"+user) {
			return reqs[i].WAMID
		}
	}
	return ""
}

// profileName remembers the name a user gave last, so that later messages
// without one carry it as Meta's do.
func (c *Control) profileName(user, given string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if given != "" {
		c.names[user] = given
	}
	return orDefault(c.names[user], "WhatsApp User")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
