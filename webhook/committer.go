package webhook

import (
	"sync"
)

// committer batches concurrent POSTs into shared transactions (group
// commit). A request queues its job and waits; up to maxInFlight drain
// goroutines each take everything queued (up to maxBatch jobs), write it in
// one transaction and answer every waiter. At low load a job commits
// alone and at once; under load the queue fills while a commit waits on
// the disk, so one commit carries many requests. Drain goroutines exist
// only while there is work.
type committer struct {
	write       func(jobs []*job) error
	maxBatch    int
	maxInFlight int

	mu       sync.Mutex
	queue    []*job
	draining int
}

func newCommitter(write func([]*job) error, maxBatch, maxInFlight int) *committer {
	return &committer{write: write, maxBatch: maxBatch, maxInFlight: maxInFlight}
}

// submit queues j and returns the outcome of the commit that carried it.
func (c *committer) submit(j *job) error {
	c.mu.Lock()
	c.queue = append(c.queue, j)
	if c.draining < c.maxInFlight {
		c.draining++
		go c.drain()
	}
	c.mu.Unlock()
	return <-j.done
}

func (c *committer) drain() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.draining--
			c.mu.Unlock()
			return
		}
		n := min(len(c.queue), c.maxBatch)
		jobs := make([]*job, n)
		copy(jobs, c.queue)
		c.queue = c.queue[n:]
		if len(c.queue) == 0 {
			c.queue = nil // let the backing array go
		}
		c.mu.Unlock()
		c.commit(jobs)
	}
}

// commit writes jobs together; when that fails, each alone, so that one
// job the database refuses fails only its own request.
func (c *committer) commit(jobs []*job) {
	err := c.write(jobs)
	if err == nil || len(jobs) == 1 {
		for _, j := range jobs {
			j.done <- err
		}
		return
	}
	for _, j := range jobs {
		j.done <- c.write([]*job{j})
	}
}
