package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
)

// pgLimit is PostgreSQL's own write limit for the work of one message, as
// /work/shared/bench/README.md measures it with pgbench, on its own fresh
// database.
type pgLimit struct {
	sqlDir  string
	clients int
	dsn     string
	drop    func() error
}

func newPGLimit(adminDSN, sqlDir string, clients int) (*pgLimit, error) {
	name := fmt.Sprintf("pglimit_%d", time.Now().UnixNano()%1e9)
	dsn, err := benchkit.CreatePostgres(adminDSN, name)
	if err != nil {
		return nil, err
	}
	p := &pgLimit{sqlDir: sqlDir, clients: clients, dsn: dsn, drop: func() error { return benchkit.DropPostgres(adminDSN, name) }}
	out, err := exec.Command("psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", filepath.Join(sqlDir, "pg-limit-schema.sql")).CombinedOutput()
	if err != nil {
		p.drop()
		return nil, fmt.Errorf("psql pg-limit-schema.sql: %v\n%s", err, out)
	}
	return p, nil
}

var tpsPattern = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// run runs pgbench for d and returns its transactions per second.
func (p *pgLimit) run(d time.Duration) (float64, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.Command("pgbench", "-n", "-M", "prepared", "-f", filepath.Join(p.sqlDir, "pg-limit-permsg.sql"),
		"-c", strconv.Itoa(p.clients), "-j", "2", "-T", strconv.Itoa(secs), p.dsn)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := tpsPattern.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// command is the pgbench command line, for the report.
func (p *pgLimit) command(d time.Duration) string {
	return fmt.Sprintf("pgbench -n -M prepared -f pg-limit-permsg.sql -c %d -j 2 -T %d <fresh db>", p.clients, int(d.Round(time.Second)/time.Second))
}
