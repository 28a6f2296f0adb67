package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

// loader posts distinct signed text messages.
type loader struct {
	o     options
	run   string // makes wamids unique across runs on one database
	text  string
	seq   atomic.Int64
	acked atomic.Int64 // by the server
}

// measure posts from c workers to t for d.
func (l *loader) measure(t target, c int, d time.Duration) benchkit.Sample {
	client := benchkit.Client(c)
	defer client.CloseIdleConnections()
	return benchkit.RunFor(d, c, func(int) (time.Duration, error) {
		i := l.seq.Add(1)
		from := fmt.Sprintf("4915%08d", i%int64(l.o.contacts))
		body := benchkit.InboundBody(benchkit.PhoneNumberID, from, fmt.Sprintf("wamid.bench.%s.%d", l.run, i), l.text, time.Now())
		start := time.Now()
		status, err := benchkit.PostSigned(client, t.url, t.secret, body)
		elapsed := time.Since(start)
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("HTTP %d", status)
		}
		if t.name == "server" {
			l.acked.Add(1)
		}
		return elapsed, nil
	})
}
