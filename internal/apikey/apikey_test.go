package apikey

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

func TestAuthenticate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := tenant.AsSystem(context.Background())
		acct := db.Client.Account.Create().SetName("a").SaveX(ctx)
		key, row, err := Create(ctx, db.Client, acct.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, row.Prefix) || row.Hash != Hash(key) || strings.Contains(row.Hash, key) {
			t.Fatalf("stored key row %+v does not match key", row)
		}
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		auth := &Authenticator{client: db.Client, now: func() time.Time { return now }}

		got, err := auth.Authenticate(context.Background(), key)
		if err != nil || got != acct.ID {
			t.Fatalf("Authenticate(valid) = %d, %v; want %d", got, err, acct.ID)
		}
		if used := db.Client.APIKey.GetX(ctx, row.ID).LastUsedAt; used == nil || !used.Equal(now) {
			t.Fatalf("last used = %v, want %v", used, now)
		}
		// Within the granularity, no write: last used stays.
		now = now.Add(time.Second)
		auth.Authenticate(context.Background(), key)
		if used := db.Client.APIKey.GetX(ctx, row.ID).LastUsedAt; !used.Equal(now.Add(-time.Second)) {
			t.Fatalf("last used moved to %v within a minute", used)
		}

		for _, bad := range []string{"", "ik_", "nope", key + "x", strings.TrimPrefix(key, "ik_")} {
			if _, err := auth.Authenticate(context.Background(), bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("Authenticate(%q) err = %v, want ErrInvalid", bad, err)
			}
		}
		db.Client.APIKey.UpdateOneID(row.ID).SetRevokedAt(now).ExecX(ctx)
		if _, err := auth.Authenticate(context.Background(), key); !errors.Is(err, ErrInvalid) {
			t.Fatalf("revoked key: err = %v, want ErrInvalid", err)
		}
	})
}
