// Package store opens the database behind the one ent client of a process:
// PostgreSQL for production and scale-out, or an embedded SQLite file.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/intalos/integrations/ent"
	_ "github.com/intalos/integrations/ent/runtime" // schema hooks and interceptors
)

// DB is an opened, migrated database.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string // dialect.Postgres or dialect.SQLite
}

// Close closes the client and its connections.
func (db *DB) Close() error { return db.Client.Close() }

// Source says which database a DATABASE_URL selects.
type Source struct {
	Dialect string
	DSN     string // driver DSN; for SQLite, a file path
}

// ParseURL interprets DATABASE_URL. Empty means the embedded default: a
// SQLite file in dataDir. postgres:// and postgresql:// select PostgreSQL;
// sqlite:PATH, sqlite://PATH, file:PATH or a bare path select SQLite.
func ParseURL(raw, dataDir string) (Source, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return Source{Dialect: dialect.SQLite, DSN: filepath.Join(dataDir, "intalos.db")}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return Source{}, errors.New("DATABASE_URL is not a valid postgres:// URL")
		}
		return Source{Dialect: dialect.Postgres, DSN: raw}, nil
	case strings.HasPrefix(raw, "sqlite://"):
		return sqliteSource(strings.TrimPrefix(raw, "sqlite://"))
	case strings.HasPrefix(raw, "sqlite:"):
		return sqliteSource(strings.TrimPrefix(raw, "sqlite:"))
	case strings.HasPrefix(raw, "file:"):
		return sqliteSource(strings.TrimPrefix(raw, "file:"))
	case strings.Contains(raw, "://"):
		scheme, _, _ := strings.Cut(raw, "://")
		return Source{}, fmt.Errorf("DATABASE_URL scheme %q is not supported: use postgres:// or a SQLite file path", scheme)
	default:
		return sqliteSource(raw)
	}
}

func sqliteSource(path string) (Source, error) {
	path, _, _ = strings.Cut(path, "?")
	if path == "" {
		return Source{}, errors.New("DATABASE_URL names no SQLite file")
	}
	return Source{Dialect: dialect.SQLite, DSN: path}, nil
}

// Open connects to src, checks that it answers and migrates the schema.
func Open(ctx context.Context, src Source, opts ...ent.Option) (*DB, error) {
	var (
		db  *sql.DB
		err error
	)
	switch src.Dialect {
	case dialect.Postgres:
		var c driver.Connector
		if c, err = postgresConnector(src.DSN); err == nil {
			db = sql.OpenDB(c)
			db.SetMaxOpenConns(32)
			db.SetMaxIdleConns(32)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	case dialect.SQLite:
		db, err = sql.Open("sqlite", sqliteDSN(src.DSN))
	default:
		return nil, fmt.Errorf("unknown database dialect %q", src.Dialect)
	}
	if err != nil {
		return nil, fmt.Errorf("opening database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database unreachable: %s", oneLine(err))
	}
	drv := entsql.OpenDB(src.Dialect, db)
	client := ent.NewClient(append([]ent.Option{ent.Driver(drv)}, opts...)...)
	if err := migrate(ctx, client, db, src.Dialect); err != nil {
		client.Close()
		return nil, fmt.Errorf("migrating schema: %s", oneLine(err))
	}
	return &DB{Client: client, SQL: db, Dialect: src.Dialect}, nil
}

// sqliteDSN turns a file path into a modernc.org/sqlite DSN: foreign keys
// on (ent's migration requires it), WAL so readers never wait for the
// writer, a busy timeout instead of immediate SQLITE_BUSY, and IMMEDIATE
// transactions so two writers queue at BEGIN rather than deadlock on upgrade.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// migrationLockKey is an arbitrary constant shared by every instance, so
// that instances starting together migrate one after the other.
const migrationLockKey = 7263_0001

// migrateMu serialises migrations within a process: ent's Schema.Create
// rewrites the generated package-level table descriptors (ent/migrate), so
// two concurrent migrations, even of different databases, race on them.
var migrateMu sync.Mutex

func migrate(ctx context.Context, client *ent.Client, db *sql.DB, dia string) error {
	migrateMu.Lock()
	defer migrateMu.Unlock()
	if dia != dialect.Postgres {
		return client.Schema.Create(ctx)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	return client.Schema.Create(ctx)
}

// oneLine keeps driver errors to a single line for the startup message.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
