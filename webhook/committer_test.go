package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"testing"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
)

// TestCommitterBatches: jobs queued while a commit runs share the next one,
// and a failed batch is retried job by job so only the bad job fails.
func TestCommitterBatches(t *testing.T) {
	bad := &Change{Field: "bad"}
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	write := func(jobs []*job) error {
		mu.Lock()
		sizes = append(sizes, len(jobs))
		first := len(sizes) == 1
		mu.Unlock()
		if first {
			<-release // hold the first commit while others queue
		}
		for _, j := range jobs {
			if len(j.changes) > 0 && j.changes[0].change == bad {
				return errors.New("refused")
			}
		}
		return nil
	}
	c := newCommitter(write, 100, 1)
	results := make(chan error, 11)
	go func() { results <- c.submit(newJob(nil)) }()
	for {
		mu.Lock()
		started := len(sizes) == 1
		mu.Unlock()
		if started {
			break
		}
		runtime.Gosched()
	}
	var queued sync.WaitGroup
	for i := range 10 {
		var changes []routed
		if i == 3 {
			changes = []routed{{change: bad}}
		}
		queued.Add(1)
		go func() {
			queued.Done()
			results <- c.submit(newJob(changes))
		}()
	}
	queued.Wait()
	for { // wait until all ten are queued
		c.mu.Lock()
		n := len(c.queue)
		c.mu.Unlock()
		if n == 10 {
			break
		}
		runtime.Gosched()
	}
	close(release)
	failed := 0
	for range 11 {
		if err := <-results; err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d requests failed, want only the bad one", failed)
	}
	if got, want := fmt.Sprint(sizes), "[1 10 1 1 1 1 1 1 1 1 1 1]"; got != want {
		t.Errorf("commit sizes %s, want %s: one, then ten together, then each of them alone", got, want)
	}
}

// TestConcurrentPosts stores every message of many concurrent POSTs in
// fewer transactions than requests.
func TestConcurrentPosts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		const n = 64
		var wg sync.WaitGroup
		codes := make(chan int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := []byte(fmt.Sprintf(`{"entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"pn-1"},
"contacts":[{"profile":{"name":"U%d"},"wa_id":"%d"}],
"messages":[{"from":"%d","id":"wamid.c%d","timestamp":"1750000000","type":"text","text":{"body":"m%d"}}]}}]}]}`, i, i%8, i%8, i, i))
				codes <- e.post(in, body)
			}()
		}
		wg.Wait()
		close(codes)
		for code := range codes {
			if code != http.StatusOK {
				t.Fatalf("a POST answered %d", code)
			}
		}
		e.wantCounts(map[string]int{"messages": n, "contacts": 8})
		if commits := e.metric("intalos_webhook_commit_batch_requests"); commits < 1 || commits > n {
			t.Errorf("%v commits for %d requests", commits, n)
		}
		t.Logf("%s: %d requests in %v commits", db.Dialect, n, e.metric("intalos_webhook_commit_batch_requests"))
	})
}
