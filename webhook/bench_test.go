package webhook

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
)

// benchConcurrency are the numbers of POSTs in flight at once.
var benchConcurrency = []int{8, 32, 64}

// BenchmarkWebhookPost measures signed POSTs of one 1 KiB text message
// each, stored on PostgreSQL, against a bare net/http handler that only
// reads the body and checks the HMAC, at several concurrencies. It reports
// POSTs per second and the p50/p99 time to the acknowledgement.
//
//	TEST_DATABASE_URL=postgres://… go test -run '^$' -bench WebhookPost -benchtime 20000x ./webhook/
func BenchmarkWebhookPost(b *testing.B) {
	for _, c := range benchConcurrency {
		b.Run(fmt.Sprintf("bare/c=%d", c), func(b *testing.B) {
			const secret = "bench-secret"
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
				if err != nil {
					w.WriteHeader(http.StatusRequestEntityTooLarge)
					return
				}
				if !validSignature(r.Header.Get(signatureHeader), body, []byte(secret)) {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			runPosts(b, c, srv.URL, "pn-bench", secret)
		})
		b.Run(fmt.Sprintf("webhook/c=%d", c), func(b *testing.B) {
			db := testdb.Postgres(b)
			e := newEnv(b, db, func(o *Options) { o.Logger = nil })
			in := e.integration("pn-bench", "app-1", "bench-secret")
			runPosts(b, c, e.url(in), in.PhoneNumberID, in.appSecret)
			b.ReportMetric(float64(b.N)/e.metric("intalos_webhook_commit_batch_requests"), "posts/commit")
		})
	}
}

// runPosts sends b.N distinct signed POSTs from c goroutines.
func runPosts(b *testing.B, c int, url, phoneNumberID, secret string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}}
	defer client.CloseIdleConnections()
	text := strings.Repeat("Where is my order? ", 1024/19+1)[:1024]
	var next atomic.Int64
	latencies := make([][]time.Duration, c)
	var failures atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for g := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				body := benchBody(phoneNumberID, i, text)
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(signatureHeader, sign(body, secret))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failures.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[g] = append(latencies[g], time.Since(t0))
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d POSTs failed", n, b.N)
	}
	all := slices.Concat(latencies...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "posts/s")
	b.ReportMetric(quantile(all, 0.50).Seconds()*1000, "p50-ms")
	b.ReportMetric(quantile(all, 0.99).Seconds()*1000, "p99-ms")
}

func benchBody(phoneNumberID string, i int64, text string) []byte {
	return []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"waba-1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":%q},"contacts":[{"profile":{"name":"User %d"},"wa_id":"1650555%04d"}],"messages":[{"from":"1650555%04d","id":"wamid.bench.%d","timestamp":"%d","type":"text","text":{"body":%q}}]},"field":"messages"}]}]}`,
		phoneNumberID, i%1000, i%1000, i%1000, i, 1750000000+i, text))
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
