package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/cputime"
)

// benchConcurrency are the numbers of POSTs in flight at once.
var benchConcurrency = []int{8, 32, 64}

// BenchmarkWebhookPost measures signed POSTs of one 1 KiB text message
// each, stored on PostgreSQL, at several concurrencies, next to two
// baselines of the same run: PostgreSQL's own limit for one message's
// writes (pgbench as ../shared/bench describes it, when pgbench and those
// scripts are there) and a bare net/http handler that only reads the body
// and checks the HMAC. It reports POSTs per second, the p50/p99 time to
// the acknowledgement, the ratio to the pgbench rate, and this process's
// CPU time per POST (load generator included, as for the bare handler).
//
//	TEST_DATABASE_URL=postgres://… go test -run '^$' -bench WebhookPost -benchtime 20000x ./webhook/
func BenchmarkWebhookPost(b *testing.B) {
	var pgLimit float64
	b.Run("pgbench/c=8", func(b *testing.B) {
		pgLimit = runPGLimit(b)
		b.ReportMetric(pgLimit, "tps")
	})
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
			rate := runPosts(b, c, e.url(in), in.PhoneNumberID, in.appSecret)
			b.ReportMetric(float64(b.N)/e.metric("intalos_webhook_commit_batch_requests"), "posts/commit")
			if pgLimit > 0 {
				b.ReportMetric(rate/pgLimit, "x-pgbench")
			}
		})
	}
}

// runPosts sends b.N distinct signed POSTs from c goroutines and returns
// the rate.
func runPosts(b *testing.B, c int, url, phoneNumberID, secret string) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}}
	defer client.CloseIdleConnections()
	quoted := quotedText(strings.Repeat("Where is my order? ", 1024/19+1)[:1024])
	var next atomic.Int64
	latencies := make([][]time.Duration, c)
	var failures atomic.Int64
	b.ResetTimer()
	cpu0 := cputime.Process()
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
				body := benchBody(phoneNumberID, i, quoted)
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
	cpu := cputime.Process() - cpu0
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d POSTs failed", n, b.N)
	}
	all := slices.Concat(latencies...)
	slices.Sort(all)
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "posts/s")
	b.ReportMetric(quantile(all, 0.50).Seconds()*1000, "p50-ms")
	b.ReportMetric(quantile(all, 0.99).Seconds()*1000, "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/post")
	return rate
}

// benchBody is a body of one text message. The load generator shares the
// machine with the server, so it quotes the text once (quotedText) and
// builds each body with appends, not fmt.
func benchBody(phoneNumberID string, i int64, quotedText []byte) []byte {
	contact := fmt.Sprintf("%04d", i%1000)
	b := make([]byte, 0, 512+len(quotedText))
	b = append(b, `{"object":"whatsapp_business_account","entry":[{"id":"waba-1","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":`...)
	b = strconv.AppendQuote(b, phoneNumberID)
	b = append(b, `},"contacts":[{"profile":{"name":"User `...)
	b = strconv.AppendInt(b, i%1000, 10)
	b = append(b, `"},"wa_id":"1650555`...)
	b = append(b, contact...)
	b = append(b, `"}],"messages":[{"from":"1650555`...)
	b = append(b, contact...)
	b = append(b, `","id":"wamid.bench.`...)
	b = strconv.AppendInt(b, i, 10)
	b = append(b, `","timestamp":"`...)
	b = strconv.AppendInt(b, 1750000000+i, 10)
	b = append(b, `","type":"text","text":{"body":`...)
	b = append(b, quotedText...)
	b = append(b, `}}]},"field":"messages"}]}]}`...)
	return b
}

// quotedText is text as a JSON string.
func quotedText(text string) []byte {
	q, _ := json.Marshal(text)
	return q
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
