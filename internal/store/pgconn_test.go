package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/intalos/integrations/ent/testdb"
)

// TestPostgresByteArguments: with one-round-trip statements, byte slices
// still reach PostgreSQL as the JSON text they hold, and a nil one as NULL.
func TestPostgresByteArguments(t *testing.T) {
	db := testdb.Postgres(t)
	ctx := context.Background()
	var got string
	err := db.SQL.QueryRowContext(ctx, `SELECT ($1::jsonb)->>'text'`, json.RawMessage(`{"text":"olá 👋"}`)).Scan(&got)
	if err != nil || got != "olá 👋" {
		t.Errorf("jsonb from json.RawMessage: %q, %v", got, err)
	}
	err = db.SQL.QueryRowContext(ctx, `SELECT ($1::jsonb)->>'n'`, []byte(`{"n":1}`)).Scan(&got)
	if err != nil || got != "1" {
		t.Errorf("jsonb from []byte: %q, %v", got, err)
	}
	var isNull bool
	if err := db.SQL.QueryRowContext(ctx, `SELECT $1::jsonb IS NULL`, []byte(nil)).Scan(&isNull); err != nil || !isNull {
		t.Errorf("nil []byte: NULL %v, %v", isNull, err)
	}
}
