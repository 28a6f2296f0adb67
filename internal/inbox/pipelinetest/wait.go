package pipelinetest

import (
	"context"
	"net/http"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// Deadline bounds every wait; the race detector on two shared cores is slow.
const Deadline = 60 * time.Second

// Inbound posts one signed webhook carrying msgs to the first instance
// and requires a 200.
func (e *Env) Inbound(msgs ...whatsapptest.InboundMessage) {
	e.t.Helper()
	e.InboundTo(e.First(), msgs...)
}

// InboundTo posts msgs to instance in.
func (e *Env) InboundTo(in *Instance, msgs ...whatsapptest.InboundMessage) {
	e.t.Helper()
	d, err := e.Sim.PostInbound(context.Background(), e.Hook(in), e.PhoneNumberID, msgs...)
	if err != nil {
		e.t.Fatal(err)
	}
	if d.StatusCode != http.StatusOK {
		e.t.Fatalf("webhook answered %d, want 200", d.StatusCode)
	}
}

// Hook is the integration's webhook on instance in, as Meta calls it.
func (e *Env) Hook(in *Instance) whatsapptest.Webhook {
	return whatsapptest.Webhook{URL: in.URL, AppSecret: e.AppSecret}
}

// First is the first instance started.
func (e *Env) First() *Instance {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.instances) == 0 {
		e.t.Fatal("no instance")
	}
	return e.instances[0]
}

// Requests returns the simulator's accepted requests of a kind.
func (e *Env) Requests(kind string) []whatsapptest.Request {
	var out []whatsapptest.Request
	for _, r := range e.Sim.Requests() {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// WaitSends waits until the simulator accepted at least n sends and
// returns them all.
func (e *Env) WaitSends(n int) []whatsapptest.Request {
	e.t.Helper()
	var got []whatsapptest.Request
	e.Eventually("sends accepted by the simulator", func() bool {
		got = e.Requests(whatsapptest.KindSend)
		return len(got) >= n
	})
	return got
}

// Eventually polls cond until it holds or the deadline passes.
func (e *Env) Eventually(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Message reads a message by id.
func (e *Env) Message(id int) *ent.Message {
	e.t.Helper()
	m, err := e.DB.Client.Message.Get(Ctx(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// Inbox returns the inbound message with wamid.
func (e *Env) Inbox(wamid string) *ent.Message {
	e.t.Helper()
	m, err := e.DB.Client.Message.Query().
		Where(message.IntegrationID(e.Integ.ID), message.Wamid(wamid), message.DirectionEQ(message.DirectionINBOUND)).
		Only(Ctx())
	if err != nil {
		e.t.Fatalf("inbound %s: %v", wamid, err)
	}
	return m
}

// WaitInbound waits until the inbound message wamid has left RECEIVED.
func (e *Env) WaitInbound(wamid string) *ent.Message {
	e.t.Helper()
	var m *ent.Message
	e.Eventually("inbound "+wamid+" processed", func() bool {
		got, err := e.DB.Client.Message.Query().
			Where(message.IntegrationID(e.Integ.ID), message.Wamid(wamid)).
			Only(Ctx())
		if err != nil {
			return false
		}
		m = got
		return got.Status != message.StatusRECEIVED
	})
	return m
}

// Outbound returns the integration's outbound messages in id order.
func (e *Env) Outbound() []*ent.Message {
	e.t.Helper()
	ms, err := e.DB.Client.Message.Query().
		Where(message.IntegrationID(e.Integ.ID), message.DirectionEQ(message.DirectionOUTBOUND)).
		Order(message.ByID()).
		All(Ctx())
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// WaitStatus waits until outbound message id reaches status.
func (e *Env) WaitStatus(id int, status message.Status) *ent.Message {
	e.t.Helper()
	var m *ent.Message
	e.Eventually("message status "+string(status), func() bool {
		m = e.Message(id)
		return m.Status == status
	})
	return m
}
