// Package wakeup is the idle loop the background workers share: work while
// there is work, otherwise sleep until someone signals new work or a poll
// interval passes (the fallback for work stored by another instance or
// falling due later).
package wakeup

import (
	"context"
	"time"
)

// Signal wakes idle workers. The zero value is not usable; call New.
type Signal struct{ c chan struct{} }

// New returns a Signal.
func New() Signal { return Signal{c: make(chan struct{}, 1)} }

// Wake tells an idle worker there is work. It never blocks: a wake-up
// already pending covers this one.
func (s Signal) Wake() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// C receives a value for each pending wake-up.
func (s Signal) C() <-chan struct{} { return s.c }

// Loop calls step until ctx ends. After a step that did work it goes on at
// once, and passes the wake-up on so that another idle worker looks too and
// a burst fans out; after an idle step it waits for a wake-up or poll.
func Loop(ctx context.Context, s Signal, poll time.Duration, step func(context.Context) (didWork bool)) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		did := step(ctx)
		if ctx.Err() != nil {
			return
		}
		if did {
			s.Wake()
			continue
		}
		timer.Reset(poll)
		select {
		case <-ctx.Done():
			return
		case <-s.c:
		case <-timer.C:
		}
	}
}
