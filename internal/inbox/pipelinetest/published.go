package pipelinetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/intalos/integrations/internal/eventbus"
)

// Published keeps each Publish call's events and passes them on to an
// in-process bus, which rejects invalid events as the PostgreSQL one would.
type Published struct {
	bus   *eventbus.InProcess
	mu    sync.Mutex
	calls [][]eventbus.Event
	errs  []error
}

// NewPublished returns an empty record, its bus closed when the test ends.
func NewPublished(t testing.TB) *Published {
	b := eventbus.NewInProcess(nil, 0)
	t.Cleanup(func() { b.Close() })
	return &Published{bus: b}
}

// Publish records evs as one call and publishes them.
func (r *Published) Publish(ctx context.Context, evs ...eventbus.Event) error {
	err := r.bus.Publish(ctx, evs...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, slices.Clone(evs))
	if err != nil {
		r.errs = append(r.errs, err)
	}
	return err
}

// Calls returns the calls so far, in order, and the errors the bus gave.
func (r *Published) Calls() ([][]eventbus.Event, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls), slices.Clone(r.errs)
}

// Call returns the index of the first call holding a message event, or -1.
func (r *Published) Call(kind string, messageID int, status string) int {
	calls, _ := r.Calls()
	for i, c := range calls {
		if slices.ContainsFunc(c, func(e eventbus.Event) bool {
			return e.Kind == kind && e.MessageID == messageID && e.Status == status
		}) {
			return i
		}
	}
	return -1
}
