package inbox_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/inbox"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// BenchmarkEndToEnd measures, on PostgreSQL, from a signed webhook POST to
// the reply accepted by the simulator, with a one-question bot and a new
// contact per message, 8 contacts writing at a time. It reports the
// throughput and the p50/p99 latency.
func BenchmarkEndToEnd(b *testing.B) {
	db := testdb.Postgres(b)
	e := pipelinetest.New(b, db, pipelinetest.Config{Inbox: inbox.Options{PollInterval: time.Second}, Outbox: outbox.Options{PollInterval: time.Second}})
	bot, _ := e.Bot("Ask", `{"version":1,"start":"ask","nodes":[
		{"id":"ask","type":"QuestionText","text":"What is your name?","variable":"name"}]}`)
	e.Bind(bot.ID)

	var waiters sync.Map // recipient → chan time.Time
	e.OnSimRequest(func(le whatsapptest.LogEntry) {
		if le.Kind != whatsapptest.KindSend || le.Status != http.StatusOK {
			return
		}
		to, _, _ := strings.Cut(strings.TrimPrefix(le.Detail, "to="), " ")
		if ch, ok := waiters.Load(to); ok {
			ch.(chan time.Time) <- time.Now()
		}
	})

	const concurrency = 8
	run := fmt.Sprintf("%04d", time.Now().UnixNano()%10000)
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				from := fmt.Sprintf("1888%s%05d", run, i)
				ch := make(chan time.Time, 1)
				waiters.Store("+"+from, ch)
				t0 := time.Now()
				d, err := e.Sim.PostInbound(context.Background(), e.Hook(e.First()), e.PhoneNumberID,
					whatsapptest.TextMessage(from, "hi"))
				if err != nil || d.StatusCode != http.StatusOK {
					b.Errorf("posting: %v %d", err, d.StatusCode)
					return
				}
				select {
				case at := <-ch:
					latencies[i] = at.Sub(t0)
				case <-time.After(pipelinetest.Deadline):
					b.Errorf("no reply to %s", from)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(ms(latencies[len(latencies)/2]), "p50_ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99_ms")
}
