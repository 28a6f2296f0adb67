package main

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

// memory is the server's footprint at one moment.
type memory struct {
	rss, heapStack, goroutines float64
}

func readMemory(p *benchkit.Process) memory {
	m, _ := benchkit.Metrics(p.Base(), "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_goroutines")
	rss, _ := p.RSS()
	return memory{rss: float64(rss), heapStack: m["go_memstats_heap_inuse_bytes"] + m["go_memstats_stack_inuse_bytes"], goroutines: m["go_goroutines"]}
}

// level is what one number of subscribers measured.
type level struct {
	n                  int
	first, last, acked []time.Duration
	missed             int
	mem                memory
}

func run(o options) error {
	env, err := benchkit.Setup(benchkit.EnvConfig{
		Tool: "subfanout", DBPrefix: "bench_sub", Dialect: o.db, AdminDSN: o.adminDSN, ServerBin: o.serverBin,
	})
	if err != nil {
		return err
	}
	defer env.Close()
	srv, key := env.Server(), env.Key
	// The bot ignores the load's senders: the only events are the INBOUND
	// ones measured (and status changes, which subscribers skip).
	settings := map[string]any{"triggerRecipients": []string{"4900000000000"}}
	in, err := benchkit.SetUpEcho(benchkit.GraphQL{Base: srv.Base(), Key: key}, settings)
	if err != nil {
		return err
	}

	f := &fanout{srv: srv, key: key, in: in, o: o, client: benchkit.Client(2), run: time.Now().UnixNano() % 1e9}
	defer f.closeAll()
	time.Sleep(o.settle)
	base := readMemory(srv)
	var levels []level
	for _, n := range o.levels {
		if err := f.connect(n); err != nil {
			return err
		}
		time.Sleep(o.settle)
		lv := level{n: n, mem: readMemory(srv)}
		if err := f.probe(); err != nil {
			return err
		}
		for range o.events {
			first, last, acked, ok := f.post(n)
			if !ok {
				lv.missed++
				continue
			}
			lv.first, lv.last, lv.acked = append(lv.first, first), append(lv.last, last), append(lv.acked, acked)
		}
		fmt.Printf("%6d subscribers: POST→last p50 %.1f ms, max %.1f ms; server RSS %.0f MiB, heap+stacks %.0f MiB, %0.f goroutines\n",
			n, median(lv.last), maxMs(lv.last), lv.mem.rss/(1<<20), lv.mem.heapStack/(1<<20), lv.mem.goroutines)
		levels = append(levels, lv)
	}
	report(o, base, levels)
	return nil
}

// fanout holds the subscribers and the event being waited for.
type fanout struct {
	srv    *benchkit.Process
	key    string
	in     benchkit.Integration
	o      options
	client *http.Client
	run    int64
	seq    int
	subs   []*subscriber
	cur    atomic.Pointer[event]
	fails  atomic.Int64
}

// failed reports the first subscription that ended and counts them all.
func (f *fanout) failed(why string) {
	if f.fails.Add(1) == 1 {
		fmt.Printf("        a subscription ended: %s\n", why)
	}
}

// connect opens subscribers until there are n.
func (f *fanout) connect(n int) error {
	start := time.Now()
	need := n - len(f.subs)
	jobs := make(chan struct{}, need)
	for range need {
		jobs <- struct{}{}
	}
	close(jobs)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range f.o.dialers {
		wg.Go(func() {
			for range jobs {
				s, err := subscribe(f.srv.Base(), f.key, f.in.ID)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
				} else {
					f.subs = append(f.subs, s)
				}
				mu.Unlock()
				if err == nil {
					go s.read(f.arrived, f.failed)
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("opening subscribers (%d of %d open): %w", len(f.subs), n, firstErr)
	}
	fmt.Printf("%6d subscribers connected in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func (f *fanout) arrived(text string, at time.Time) {
	if e := f.cur.Load(); e != nil && e.text == text {
		e.arrived(at)
	}
}

// post sends one inbound message and waits until every subscriber has its
// event: it returns the time to the first and the last, and to the
// webhook's acknowledgement.
func (f *fanout) post(n int) (first, last, acked time.Duration, ok bool) {
	f.seq++
	e := &event{text: fmt.Sprintf("fanout-%d-%d", f.run, f.seq), want: n, done: make(chan struct{})}
	f.cur.Store(e)
	defer f.cur.Store(nil)
	body := benchkit.InboundBody(f.in.PhoneNumberID, "4915550001111", fmt.Sprintf("wamid.fanout.%d.%d", f.run, f.seq), e.text, time.Now())
	start := time.Now()
	status, err := benchkit.PostSigned(f.client, f.in.WebhookURL, benchkit.AppSecret, body)
	acked = time.Since(start)
	if err != nil || status != http.StatusOK {
		return 0, 0, 0, false
	}
	select {
	case <-e.done:
	case <-time.After(f.o.timeout):
		e.mu.Lock()
		fmt.Printf("        event %d reached %d of %d subscribers within %s\n", f.seq, e.n, n, f.o.timeout)
		e.mu.Unlock()
		return 0, 0, 0, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.first.Sub(start), e.last.Sub(start), acked, true
}

// probe posts until one event reaches every subscriber, so that the
// measured events find all subscriptions registered.
func (f *fanout) probe() error {
	for range 5 {
		if _, _, _, ok := f.post(len(f.subs)); ok {
			return nil
		}
	}
	return fmt.Errorf("no event reached all %d subscribers", len(f.subs))
}

func (f *fanout) closeAll() {
	for _, s := range f.subs {
		s.ws.Close()
	}
}
