// Package testdb gives each test its own real database: a SQLite file, and
// a fresh schema on the PostgreSQL server named by TEST_DATABASE_URL.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/intalos/integrations/internal/store"
)

// Each runs fn as two subtests, on SQLite and on PostgreSQL, each with a
// fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated SQLite database in a file of its own.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, SQLiteSource(t))
}

// SQLiteSource names a fresh SQLite file for the test.
func SQLiteSource(t testing.TB) store.Source {
	t.Helper()
	return store.Source{Dialect: dialect.SQLite, DSN: filepath.Join(t.TempDir(), "test.db")}
}

// Postgres opens a migrated, empty PostgreSQL schema for the test.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	return open(t, PostgresSource(t))
}

// PostgresSource creates an empty schema for the test, dropped when it
// ends, and returns a source whose connections use it. Several clients
// opened on it share the data, as server instances sharing one database do.
//
// Without TEST_DATABASE_URL the test is skipped, unless
// INTALOS_REQUIRE_POSTGRES=1 makes that a failure.
func PostgresSource(t testing.TB) store.Source {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("INTALOS_REQUIRE_POSTGRES") == "1" {
			t.Fatal("TEST_DATABASE_URL is not set and INTALOS_REQUIRE_POSTGRES=1")
		}
		t.Skip("PostgreSQL half skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close()
	schema := "t_" + randomHex(8)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("postgres", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Source{Dialect: dialect.Postgres, DSN: u.String()}
}

// Open opens src for the test, closing it at the end.
func Open(t testing.TB, src store.Source) *store.DB {
	t.Helper()
	return open(t, src)
}

func open(t testing.TB, src store.Source) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), src)
	if err != nil {
		t.Fatalf("opening %s test database: %v", src.Dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
