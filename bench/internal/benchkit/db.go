package benchkit

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/lib/pq"
)

// Database is a fresh database for one run: a new PostgreSQL database on
// the admin server, or a SQLite file in a temporary folder.
type Database struct {
	Dialect string // "postgres" or "sqlite"
	URL     string // DATABASE_URL for the server
	Line    string // for the machine line
	drop    func() error
}

// Drop removes the database and everything in it.
func (d *Database) Drop() error { return d.drop() }

// FreshDatabase creates an empty database. dialect is "postgres" (created
// with CREATE DATABASE on adminDSN's server) or "sqlite" (a file under dir).
func FreshDatabase(dialect, adminDSN, dir, prefix string) (*Database, error) {
	switch dialect {
	case "sqlite":
		path := filepath.Join(dir, prefix+".db")
		return &Database{Dialect: dialect, URL: path, Line: DatabaseLine(dialect, ""), drop: func() error {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
			return nil
		}}, nil
	case "postgres":
		name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano()%1e9)
		dsn, err := CreatePostgres(adminDSN, name)
		if err != nil {
			return nil, err
		}
		return &Database{Dialect: dialect, URL: dsn, Line: DatabaseLine(dialect, adminDSN), drop: func() error {
			return DropPostgres(adminDSN, name)
		}}, nil
	}
	return nil, fmt.Errorf("unknown database %q: want postgres or sqlite", dialect)
}

// CreatePostgres creates database name on adminDSN's server and returns
// its DSN.
func CreatePostgres(adminDSN, name string) (string, error) {
	if err := adminExec(adminDSN, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		return "", fmt.Errorf("creating database %s: %w", name, err)
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropPostgres drops database name, closing its remaining connections.
func DropPostgres(adminDSN, name string) error {
	return adminExec(adminDSN, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)")
}

func adminExec(adminDSN, stmt string) error {
	db, err := sql.Open("postgres", adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, stmt)
	return err
}
