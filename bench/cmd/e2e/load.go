package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

// contact is one worker's WhatsApp user; it gets a new number after a
// reply timed out, so a late reply cannot be taken for the next one's.
type contact struct {
	from string
	gen  int
}

type loader struct {
	o       options
	rep     *replies
	numbers []number
	run     int64
	workers []contact
	client  *http.Client
	seq     atomic.Int64
}

// measure runs c contacts for d.
func (l *loader) measure(c int, d time.Duration) benchkit.Sample {
	return benchkit.RunFor(d, c, l.roundTrip)
}

// roundTrip sends one message from worker w's contact and waits for the
// simulator to accept its echo.
func (l *loader) roundTrip(w int) (time.Duration, error) {
	ct := &l.workers[w]
	if ct.from == "" {
		ct.gen++
		ct.from = fmt.Sprintf("49%04d%02d%05d", l.run, ct.gen%100, w)
	}
	to := "+" + ct.from
	ch := l.rep.wait(to)
	for len(ch) > 0 {
		<-ch // a late reply from before
	}
	i := l.seq.Add(1)
	n := l.numbers[w%len(l.numbers)]
	url := n.webhookURLs[int(i)%len(n.webhookURLs)]
	body := benchkit.InboundBody(n.phoneNumberID, ct.from, fmt.Sprintf("wamid.e2e.%d.%d", l.run, i), fmt.Sprintf("m-%d", i), time.Now())
	start := time.Now()
	status, err := benchkit.PostSigned(l.client, url, benchkit.AppSecret, body)
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("webhook answered %d", status)
	}
	select {
	case at := <-ch:
		return at.Sub(start), nil
	case <-time.After(l.o.timeout):
		l.rep.forget(to)
		ct.from = ""
		return 0, fmt.Errorf("no reply to %s within %s", to, l.o.timeout)
	}
}
