package webhook

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/intalos/integrations/ent/testdb"
)

// pgLimitDir holds PostgreSQL's own write limit for one message's work:
// a pgbench script and its schema, kept beside the repository.
const pgLimitDir = "../../shared/bench"

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runPGLimit runs that pgbench script for 5 seconds with 8 clients on a
// fresh schema and returns its transactions per second; it skips without
// pgbench or the scripts.
func runPGLimit(b *testing.B) float64 {
	script := filepath.Join(pgLimitDir, "pg-limit-permsg.sql")
	if _, err := os.Stat(script); err != nil {
		b.Skipf("no %s: %v", script, err)
	}
	if _, err := exec.LookPath("pgbench"); err != nil {
		b.Skip("pgbench is not installed")
	}
	dsn := libpqDSN(b, testdb.PostgresSource(b).DSN)
	if out, err := exec.Command("psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn,
		"-f", filepath.Join(pgLimitDir, "pg-limit-schema.sql")).CombinedOutput(); err != nil {
		b.Fatalf("psql: %v\n%s", err, out)
	}
	out, err := exec.Command("pgbench", "-n", "-M", "prepared", "-f", script, "-c", "8", "-j", "2", "-T", "5", dsn).CombinedOutput()
	if err != nil {
		b.Fatalf("pgbench: %v\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("pgbench printed no rate:\n%s", out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return tps
}

// libpqDSN turns lib/pq's search_path parameter into the options libpq's
// tools understand.
func libpqDSN(b *testing.B, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	if schema := q.Get("search_path"); schema != "" {
		q.Del("search_path")
		q.Set("options", "-csearch_path="+schema)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
