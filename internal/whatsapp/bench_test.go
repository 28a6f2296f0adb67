package whatsapp_test

import (
	"context"
	"testing"
)

// BenchmarkSend measures the client's send path (validation, rate limiter,
// JSON, HTTP with connection reuse, response parsing) against the
// simulator over loopback.
func BenchmarkSend(b *testing.B) {
	_, c, creds := newTestClient(b)
	msg := validMessages()["reply buttons"]
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Send(ctx, creds, msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}
