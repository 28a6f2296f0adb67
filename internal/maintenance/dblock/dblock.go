// Package dblock lets background jobs that every server instance runs work
// on one integration in only one instance at a time.
package dblock

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/store"
)

// Job separates the locks of different jobs: alerting an integration and
// refreshing its token may run at the same time.
type Job int64

// The jobs that lock integrations.
const (
	Alerts       Job = 0x7263_0101
	TokenRefresh Job = 0x7263_0102
)

// key packs the job into the high bits of a PostgreSQL advisory lock key.
func (j Job) key(integrationID int) int64 {
	return int64(j)<<32 | int64(uint32(integrationID))
}

// TryIntegration runs fn unless another instance is running the same job on
// the same integration, and reports whether fn ran.
//
// On PostgreSQL fn runs in a transaction holding a transaction-scoped
// advisory lock; client is that transaction's, and what fn writes commits
// when it returns nil. The lock is taken with pg_try_advisory_xact_lock, so
// a busy integration is skipped rather than waited for, and no row is
// locked: webhooks writing the integration's rows never wait for a job.
// fn must read the state it acts on after the lock is held.
//
// On SQLite, which serves a single instance, fn runs on the root client
// without a transaction: SQLite has one write lock for the whole database
// and fn may make network calls that must not hold it.
func TryIntegration(ctx context.Context, db *store.DB, job Job, integrationID int, fn func(ctx context.Context, client *ent.Client) error) (bool, error) {
	if db.Dialect != dialect.Postgres {
		return true, fn(ctx, db.Client)
	}
	tx, err := db.Client.Tx(ctx)
	if err != nil {
		return false, fmt.Errorf("dblock: begin: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.Client().QueryContext(ctx, "SELECT pg_try_advisory_xact_lock($1)", job.key(integrationID))
	if err != nil {
		return false, fmt.Errorf("dblock: lock: %w", err)
	}
	var got bool
	if rows.Next() {
		err = rows.Scan(&got)
	}
	if err == nil {
		err = rows.Err()
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("dblock: lock: %w", err)
	}
	if !got {
		return false, nil
	}
	if err := fn(ctx, tx.Client()); err != nil {
		return true, err
	}
	if err := tx.Commit(); err != nil {
		return true, fmt.Errorf("dblock: commit: %w", err)
	}
	return true, nil
}
