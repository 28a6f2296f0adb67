// Command webhookack measures how fast the server acknowledges Meta's
// signed webhook POSTs (messages/s, p50/p99 at rising concurrency), next to
// a bare net/http + HMAC server and PostgreSQL's own write limit (pgbench),
// all measured in the same run, interleaved round by round.
//
//	go run ./bench/cmd/webhookack -db postgres
//	go run ./bench/cmd/webhookack -db sqlite
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

type options struct {
	db         string
	adminDSN   string
	levels     []int
	duration   time.Duration
	warmup     time.Duration
	rounds     int
	textBytes  int
	contacts   int
	mps        float64
	bot        string
	pgbench    bool
	pgbenchDur time.Duration
	pgbenchCli int
	pgbenchSQL string
	serverBin  string
	serveBare  string
	bareSecret string
	drainLimit time.Duration
}

func parseFlags() (options, error) {
	var o options
	var levels string
	flag.StringVar(&o.db, "db", "postgres", "database of the server: postgres or sqlite (a fresh one per run)")
	flag.StringVar(&o.adminDSN, "admin-dsn", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to create the run's databases on")
	flag.StringVar(&levels, "concurrency", "1,8,32,64", "comma-separated numbers of POSTs in flight")
	flag.DurationVar(&o.duration, "duration", 2*time.Second, "measuring time per target, level and round")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load on each target before the first round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; every figure is the median over them")
	flag.IntVar(&o.textBytes, "text-bytes", 1024, "length of each message's text")
	flag.IntVar(&o.contacts, "contacts", 1000, "distinct senders the messages rotate over")
	flag.Float64Var(&o.mps, "messages-per-second", 1000, "the integration's send rate to Meta (80 is Meta's default tier, 1000 the upgraded one)")
	flag.StringVar(&o.bot, "bot", "ignored", "what happens after the acknowledgement: ignored (the echo bot is bound but the senders are not among its trigger recipients, so each stored message is only marked IGNORED) or echo (the bot runs and replies, in the background, during the measurements)")
	flag.BoolVar(&o.pgbench, "pgbench", true, "measure PostgreSQL's write limit with pgbench in the same run (postgres only)")
	flag.DurationVar(&o.pgbenchDur, "pgbench-duration", 5*time.Second, "pgbench time per round")
	flag.IntVar(&o.pgbenchCli, "pgbench-clients", 8, "pgbench clients")
	flag.StringVar(&o.pgbenchSQL, "pgbench-sql", "/work/shared/bench", "folder with pg-limit-schema.sql and pg-limit-permsg.sql")
	flag.StringVar(&o.serverBin, "server-bin", "", "server binary to use instead of building ./server")
	flag.StringVar(&o.serveBare, "serve-bare", "", "internal: serve the bare baseline on this address and do nothing else")
	flag.StringVar(&o.bareSecret, "bare-secret", "", "internal: the baseline's app secret")
	flag.DurationVar(&o.drainLimit, "drain-limit", 0, "how long to wait for the echo replies to catch up after each server measurement; 0 lets the server work through them in the background while the next measurements run")
	flag.Parse()
	var err error
	if o.levels, err = benchkit.ParseLevels("concurrency", levels); err != nil {
		return o, err
	}
	if o.bot != "ignored" && o.bot != "echo" {
		return o, fmt.Errorf("-bot: want ignored or echo")
	}
	if o.rounds < 1 {
		return o, fmt.Errorf("-rounds: want at least 1")
	}
	return o, nil
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if o.serveBare != "" {
		err = serveBare(o.serveBare, o.bareSecret)
	} else {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "webhookack:", err)
		os.Exit(1)
	}
}
