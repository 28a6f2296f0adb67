package main

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// replies hands each send the simulator accepted to the contact waiting
// for it, with the time the simulator answered.
type replies struct {
	mu      sync.Mutex
	waiting map[string]chan time.Time // "+<wa_id>" → its contact's channel
}

func newReplies() *replies { return &replies{waiting: map[string]chan time.Time{}} }

// wait registers the contact to before it sends.
func (r *replies) wait(to string) chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.waiting[to]
	if !ok {
		ch = make(chan time.Time, 16)
		r.waiting[to] = ch
	}
	return ch
}

// forget drops a contact that gave up waiting.
func (r *replies) forget(to string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.waiting, to)
}

// observe is the simulator's request log hook.
func (r *replies) observe(e whatsapptest.LogEntry) {
	if e.Kind != whatsapptest.KindSend || e.Status != http.StatusOK {
		return
	}
	at := time.Now()
	to, _, _ := strings.Cut(strings.TrimPrefix(e.Detail, "to="), " ")
	r.mu.Lock()
	ch := r.waiting[to]
	r.mu.Unlock()
	if ch != nil {
		select {
		case ch <- at:
		default:
		}
	}
}
