// Command e2e measures the whole path: Meta's signed webhook in, the echo
// bot run, the reply accepted by the Meta simulator, which runs in this
// process. Each worker is one contact that sends a message and waits for
// its echo before sending the next; latency is from the POST to the
// simulator answering the reply's send.
//
//	go run ./bench/cmd/e2e -db postgres -instances 1
//	go run ./bench/cmd/e2e -db postgres -instances 2
//	go run ./bench/cmd/e2e -db sqlite
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
	instances int
	numbers   int
	levels    []int
	duration  time.Duration
	warmup    time.Duration
	rounds    int
	timeout   time.Duration
	mps       float64
	statuses  bool
	serverBin string
}

func parseFlags() (options, error) {
	var o options
	var levels string
	flag.StringVar(&o.db, "db", "postgres", "database of the server: postgres or sqlite (a fresh one per run)")
	flag.StringVar(&o.adminDSN, "admin-dsn", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to create the run's database on")
	flag.IntVar(&o.instances, "instances", 1, "server instances sharing the database (2 needs postgres); messages alternate between them")
	flag.IntVar(&o.numbers, "numbers", 1, "WhatsApp numbers (integrations), each bound to the echo bot; contacts spread over them")
	flag.StringVar(&levels, "concurrency", "8,32", "comma-separated numbers of contacts waiting for a reply at once")
	flag.DurationVar(&o.duration, "duration", 4*time.Second, "measuring time per level and round")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before the first round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; every figure is the median over them")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Second, "how long a contact waits for its reply before it counts as an error")
	flag.Float64Var(&o.mps, "messages-per-second", 1000, "each number's send rate to Meta (80 is Meta's default tier, 1000 the upgraded one)")
	flag.BoolVar(&o.statuses, "statuses", false, "let the simulator post sent/delivered/read status webhooks for every reply, as Meta does")
	flag.StringVar(&o.serverBin, "server-bin", "", "server binary to use instead of building ./server")
	flag.Parse()
	var err error
	if o.levels, err = benchkit.ParseLevels("concurrency", levels); err != nil {
		return o, err
	}
	if o.instances < 1 || o.instances > 1 && o.db != "postgres" {
		return o, fmt.Errorf("-instances: want 1, or more on postgres")
	}
	if o.numbers < 1 || o.rounds < 1 {
		return o, fmt.Errorf("-numbers and -rounds: want at least 1")
	}
	return o, nil
}

func main() {
	o, err := parseFlags()
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}
