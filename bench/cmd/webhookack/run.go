package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// target is a webhook endpoint under load.
type target struct {
	name, url, secret string
}

// results holds every sample, by target name and level, one per round.
type results struct {
	samples map[string]map[int][]benchkit.Sample
	pgTPS   []float64
}

func run(o options) error {
	var sends atomic.Int64
	countSends := func(e whatsapptest.LogEntry) {
		if e.Kind == whatsapptest.KindSend && e.Status == http.StatusOK {
			sends.Add(1)
		}
	}
	env, err := benchkit.Setup(benchkit.EnvConfig{
		Tool: "webhookack", DBPrefix: "bench_ack", Dialect: o.db, AdminDSN: o.adminDSN, ServerBin: o.serverBin,
		OnRequest: countSends,
	})
	if err != nil {
		return err
	}
	defer env.Close()
	srv, key := env.Server(), env.Key
	g := benchkit.GraphQL{Base: srv.Base(), Key: key}
	// An integration is active only with a published bot. With -bot
	// ignored, only a number the load never uses may start it.
	settings := benchkit.Rate(o.mps)
	if o.bot == "ignored" {
		settings["triggerRecipients"] = []string{"4900000000000"}
	}
	in, err := benchkit.SetUpEcho(g, settings)
	if err != nil {
		return err
	}

	bare, err := startBare()
	if err != nil {
		return err
	}
	defer bare.Stop()

	var pg *pgLimit
	if o.pgbench && o.db == "postgres" {
		if pg, err = newPGLimit(o.adminDSN, o.pgbenchSQL, o.pgbenchCli); err != nil {
			return err
		}
		defer pg.drop()
	}

	// PostgreSQL's own limit first, while the server is idle: later, its
	// workers would still be working through the measured messages.
	res := results{samples: map[string]map[int][]benchkit.Sample{}}
	if pg != nil {
		for r := 1; r <= o.rounds; r++ {
			tps, err := pg.run(o.pgbenchDur)
			if err != nil {
				return err
			}
			res.pgTPS = append(res.pgTPS, tps)
			fmt.Printf("round %d pgbench: %.0f tps\n", r, tps)
		}
	}

	targets := []target{
		{name: "bare", url: bare.Base() + "/webhooks/whatsapp/bare", secret: benchkit.AppSecret},
		{name: "server", url: in.WebhookURL, secret: benchkit.AppSecret},
	}
	l := &loader{o: o, run: fmt.Sprintf("%d", time.Now().UnixNano()%1e9), text: strings.Repeat("Where is my order? ", o.textBytes/19+1)[:o.textBytes]}
	top := o.levels[len(o.levels)-1]
	for _, t := range targets {
		l.measure(t, top, o.warmup)
	}
	drain(&sends, l.acked.Load(), o.drainLimit)
	before, _ := benchkit.Metrics(srv.Base(), "intalos_webhook_commit_batch_requests_sum", "intalos_webhook_commit_batch_requests_count")

	for r := 1; r <= o.rounds; r++ {
		for _, c := range o.levels {
			for _, t := range targets {
				s := l.measure(t, c, o.duration)
				if res.samples[t.name] == nil {
					res.samples[t.name] = map[int][]benchkit.Sample{}
				}
				res.samples[t.name][c] = append(res.samples[t.name][c], s)
				fmt.Printf("round %d %-6s c=%-3d %8.0f msgs/s  p50 %6.2f ms  p99 %7.2f ms  errors %d\n",
					r, t.name, c, s.Rate(), s.P(0.5), s.P(0.99), s.Errors)
				if t.name == "server" && o.bot == "echo" {
					drain(&sends, l.acked.Load(), o.drainLimit)
				}
			}
		}
	}
	after, _ := benchkit.Metrics(srv.Base(), "intalos_webhook_commit_batch_requests_sum", "intalos_webhook_commit_batch_requests_count")
	report(o, res, pg, batching(before, after))
	if o.bot == "echo" {
		fmt.Printf("echo replies received by the simulator by the end: %d of %d messages acknowledged\n", sends.Load(), l.acked.Load())
	}
	return nil
}

// startBare starts this program as the baseline server.
func startBare() (*benchkit.Process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := benchkit.FreeAddr()
	if err != nil {
		return nil, err
	}
	return benchkit.Start(self, []string{"-serve-bare", addr, "-bare-secret", benchkit.AppSecret}, nil, addr, "/healthz")
}

// drain waits until the simulator has received as many replies as the
// server acknowledged messages, so the next measurement starts idle.
func drain(sends *atomic.Int64, acked int64, limit time.Duration) {
	if limit <= 0 {
		return
	}
	start := time.Now()
	for sends.Load() < acked && time.Since(start) < limit {
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("        replies caught up in %s (%d of %d)\n", time.Since(start).Round(10*time.Millisecond), sends.Load(), acked)
}

// batching is the mean number of webhook POSTs committed per transaction
// over the measured rounds, from the server's metrics.
func batching(before, after map[string]float64) float64 {
	n := after["intalos_webhook_commit_batch_requests_count"] - before["intalos_webhook_commit_batch_requests_count"]
	if n <= 0 {
		return 0
	}
	return (after["intalos_webhook_commit_batch_requests_sum"] - before["intalos_webhook_commit_batch_requests_sum"]) / n
}
