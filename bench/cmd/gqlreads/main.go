// Command gqlreads measures the dashboard's integrations list (100
// integrations with their bot and last activity) over HTTP against the
// server, next to the ent query doing the same database work in this
// process, interleaved round by round, and reports the ratio.
//
//	go run ./bench/cmd/gqlreads -db postgres
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

type options struct {
	db           string
	adminDSN     string
	integrations int
	keys         int
	levels       []int
	duration     time.Duration
	warmup       time.Duration
	rounds       int
	serverBin    string
}

func parseFlags() (options, error) {
	var o options
	var levels string
	flag.StringVar(&o.db, "db", "postgres", "database of the server: postgres or sqlite (a fresh one per run)")
	flag.StringVar(&o.adminDSN, "admin-dsn", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to create the run's database on")
	flag.IntVar(&o.integrations, "integrations", 100, "integrations listed, each with its own published bot and one inbound message")
	flag.IntVar(&o.keys, "keys", 100, "API keys the requests rotate over: the server limits each key to 20 requests/s (burst 40), so the sustained ceiling is 20 × keys")
	flag.StringVar(&levels, "concurrency", "1,8", "comma-separated numbers of requests in flight")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "measuring time per side, level and round")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load on each side before the first round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; every figure is the median over them")
	flag.StringVar(&o.serverBin, "server-bin", "", "server binary to use instead of building ./server")
	flag.Parse()
	var err error
	if o.levels, err = benchkit.ParseLevels("concurrency", levels); err != nil {
		return o, err
	}
	if o.integrations < 1 || o.integrations > 100 || o.keys < 1 || o.rounds < 1 {
		return o, fmt.Errorf("-integrations: 1 to 100 (one page); -keys, -rounds: at least 1")
	}
	return o, nil
}

func main() {
	o, err := parseFlags()
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gqlreads:", err)
		os.Exit(1)
	}
}
