package benchkit

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	_ "github.com/lib/pq" // registers "postgres"
)

// Machine describes where a run happened: cores, CPU model, Go version and
// the database. It is printed first by every tool.
func Machine(database string) string {
	return fmt.Sprintf("machine: %d cores (GOMAXPROCS %d), %s, %s %s/%s, database: %s",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, database)
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// PostgresVersion asks the server at dsn for its version, shortened to
// "PostgreSQL 15.20".
func PostgresVersion(dsn string) string {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return "PostgreSQL (version unknown)"
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "PostgreSQL (version unknown)"
	}
	f := strings.Fields(v)
	if len(f) >= 2 {
		return f[0] + " " + f[1]
	}
	return v
}

// DatabaseLine names the database of a run for the machine line.
func DatabaseLine(dialect, adminDSN string) string {
	if dialect == "postgres" {
		return PostgresVersion(adminDSN) + " (local, durable commits)"
	}
	return "SQLite (modernc.org/sqlite, WAL, synchronous=NORMAL, temp file)"
}
