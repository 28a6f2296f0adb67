package webhook

import (
	"sort"
	"time"
)

// routed is one change and the integration it belongs to.
type routed struct {
	info   *integrationInfo
	change *Change
}

// job is one POST's changes, waiting for the commit that stores them.
type job struct {
	changes []routed
	done    chan error // buffered: the committer never waits for the handler
}

func newJob(changes []routed) *job {
	return &job{changes: changes, done: make(chan error, 1)}
}

// batch is everything the jobs of one transaction store, de-duplicated
// (Meta may put the same wamid in two POSTs, or twice in one). Messages
// keep their arrival order: ids then follow the order Meta listed them in,
// which breaks ties between messages of the same second. Statuses (and
// contacts, in store.go) are sorted, so that concurrent transactions lock
// shared rows in the same order.
type batch struct {
	now      time.Time
	messages []inboundItem
	statuses []statusItem
	events   []routed
	errors   []changeErrors
	touched  map[int]bool // integrations with anything stored
}

type inboundItem struct {
	info *integrationInfo
	msg  *Message
}

type statusItem struct {
	info   *integrationInfo
	status *Status
}

// changeErrors are the change-level errors of one change, with the wamids
// of its messages: a redelivery whose messages are all stored already does
// not log them again.
type changeErrors struct {
	info   *integrationInfo
	field  string
	errs   []APIError
	wamids []string
}

type messageKey struct {
	integrationID int
	wamid         string
}

type statusKey struct {
	integrationID int
	wamid, status string
}

func newBatch(jobs []*job, now time.Time) *batch {
	b := &batch{now: now, touched: make(map[int]bool)}
	seenMsg := make(map[messageKey]bool)
	seenStatus := make(map[statusKey]bool)
	for _, j := range jobs {
		for _, r := range j.changes {
			c := r.change
			if c.Field != messagesField {
				b.events = append(b.events, r)
				continue
			}
			for i := range c.Messages {
				m := &c.Messages[i]
				k := messageKey{r.info.ID, m.ID}
				if !seenMsg[k] {
					seenMsg[k] = true
					b.messages = append(b.messages, inboundItem{r.info, m})
				}
			}
			for i := range c.Statuses {
				s := &c.Statuses[i]
				k := statusKey{r.info.ID, s.ID, s.Status}
				if !seenStatus[k] {
					seenStatus[k] = true
					b.statuses = append(b.statuses, statusItem{r.info, s})
				}
			}
			if len(c.Errors) > 0 {
				ce := changeErrors{info: r.info, field: c.Field, errs: c.Errors}
				for _, m := range c.Messages {
					ce.wamids = append(ce.wamids, m.ID)
				}
				b.errors = append(b.errors, ce)
			}
		}
	}
	sort.SliceStable(b.statuses, func(i, j int) bool {
		return lessKey(b.statuses[i].info.ID, b.statuses[i].status.ID, b.statuses[j].info.ID, b.statuses[j].status.ID)
	})
	return b
}

func lessKey(id1 int, s1 string, id2 int, s2 string) bool {
	if id1 != id2 {
		return id1 < id2
	}
	return s1 < s2
}

// byIntegration groups items by integration id, in id order.
func byIntegration[T any](items []T, id func(T) int) ([]int, map[int][]T) {
	groups := make(map[int][]T)
	var ids []int
	for _, it := range items {
		k := id(it)
		if _, ok := groups[k]; !ok {
			ids = append(ids, k)
		}
		groups[k] = append(groups[k], it)
	}
	sort.Ints(ids)
	return ids, groups
}

func sortedInts(ids []int) []int {
	sort.Ints(ids)
	return ids
}
