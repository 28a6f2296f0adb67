package webhook

import (
	"sync"
	"time"
)

// activityGate coalesces writes of an integration's last_activity_at: at
// most one per integration per interval, however many messages arrive.
type activityGate struct {
	every time.Duration
	mu    sync.Mutex
	last  map[int]time.Time
}

func newActivityGate(every time.Duration) *activityGate {
	return &activityGate{every: every, last: make(map[int]time.Time)}
}

// due returns the integrations of ids whose last write is older than the
// interval, and counts them as written at now.
func (g *activityGate) due(ids []int, now time.Time) []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []int
	for _, id := range ids {
		if last, ok := g.last[id]; ok && now.Sub(last) < g.every {
			continue
		}
		g.last[id] = now
		out = append(out, id)
	}
	return out
}
