package webhook

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the webhook's Prometheus series.
type metrics struct {
	requests          *prometheus.CounterVec // by method and status code
	received          *prometheus.CounterVec // messages, statuses and events parsed, by kind
	stored            *prometheus.CounterVec // rows written, by kind
	duplicates        prometheus.Counter     // inbound messages already stored
	signatureFailures prometheus.Counter
	inactiveDrops     prometheus.Counter // changes for inactive integrations, dropped
	unroutable        prometheus.Counter // changes for phone numbers of no integration of the app
	batchSize         prometheus.Histogram
	ackSeconds        prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	const ns, sub = "intalos", "webhook"
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "Webhook requests answered, by method and HTTP status.",
		}, []string{"method", "code"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "received_total",
			Help: "Items parsed from signed webhook bodies, by kind (message, status, event, error).",
		}, []string{"kind"}),
		stored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "stored_total",
			Help: "Items committed, by kind (message, status, event, error).",
		}, []string{"kind"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "duplicate_messages_total",
			Help: "Inbound messages whose wamid was already stored (Meta's redeliveries).",
		}),
		signatureFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "signature_failures_total",
			Help: "POSTs refused for a missing or wrong X-Hub-Signature-256.",
		}),
		inactiveDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "inactive_drops_total",
			Help: "Changes acknowledged but not stored because their integration is inactive.",
		}),
		unroutable: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "unroutable_changes_total",
			Help: "Changes for a phone number that belongs to no integration of the signing app.",
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "commit_batch_requests",
			Help:    "Webhook requests committed together in one transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "ack_seconds",
			Help:    "Time from receiving a POST to answering it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
	}
	reg.MustRegister(m.requests, m.received, m.stored, m.duplicates, m.signatureFailures,
		m.inactiveDrops, m.unroutable, m.batchSize, m.ackSeconds)
	return m
}
