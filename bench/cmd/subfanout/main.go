// Command subfanout measures GraphQL subscriptions over websockets against
// the server: the time from one inbound webhook POST to the last of N
// messageEvents subscribers holding its INBOUND event, for rising N, and
// the server's memory per subscriber.
//
//	go run ./bench/cmd/subfanout -db postgres
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

type options struct {
	db        string
	adminDSN  string
	levels    []int
	events    int
	dialers   int
	timeout   time.Duration
	settle    time.Duration
	serverBin string
}

func parseFlags() (options, error) {
	var o options
	var levels string
	flag.StringVar(&o.db, "db", "postgres", "database of the server: postgres (LISTEN/NOTIFY bus) or sqlite (in-process bus)")
	flag.StringVar(&o.adminDSN, "admin-dsn", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to create the run's database on")
	flag.StringVar(&levels, "subscribers", "1000,10000", "comma-separated, rising numbers of websocket subscribers")
	flag.IntVar(&o.events, "events", 15, "inbound messages posted one after the other at each level; the figures are over them")
	flag.IntVar(&o.dialers, "dialers", 32, "websockets opened at once while connecting")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long one event may take to reach every subscriber")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "pause after connecting before memory is read")
	flag.StringVar(&o.serverBin, "server-bin", "", "server binary to use instead of building ./server")
	flag.Parse()
	var err error
	if o.levels, err = benchkit.ParseLevels("subscribers", levels); err != nil {
		return o, err
	}
	for i := 1; i < len(o.levels); i++ {
		if o.levels[i] <= o.levels[i-1] {
			return o, fmt.Errorf("-subscribers: want rising numbers, got %q", levels)
		}
	}
	if o.events < 1 || o.dialers < 1 {
		return o, fmt.Errorf("-events and -dialers: at least 1")
	}
	return o, nil
}

func main() {
	o, err := parseFlags()
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "subfanout:", err)
		os.Exit(1)
	}
}
