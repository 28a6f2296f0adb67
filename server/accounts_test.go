package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/config"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
)

// TestBootstrapOnce: instances starting together on an empty database
// (two clients, four first starts at once) create one account between them.
func TestBootstrapOnce(t *testing.T) {
	sources := map[string]func(t *testing.T) store.Source{
		"sqlite":   func(t *testing.T) store.Source { return testdb.SQLiteSource(t) },
		"postgres": func(t *testing.T) store.Source { return testdb.PostgresSource(t) },
	}
	for name, source := range sources {
		t.Run(name, func(t *testing.T) {
			src := source(t)
			instances := []*env{
				{cfg: config.Config{DataDir: t.TempDir()}, db: testdb.Open(t, src)},
				{cfg: config.Config{DataDir: t.TempDir()}, db: testdb.Open(t, src)},
			}
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				printed strings.Builder
			)
			for i := range 4 {
				wg.Go(func() {
					var out strings.Builder
					if err := bootstrap(context.Background(), instances[i%2], &out); err != nil {
						t.Errorf("bootstrap: %v", err)
					}
					mu.Lock()
					printed.WriteString(out.String())
					mu.Unlock()
				})
			}
			wg.Wait()
			n, err := instances[0].db.Client.Account.Query().Count(tenant.AsSystem(context.Background()))
			if err != nil || n != 1 {
				t.Errorf("%d accounts (%v), want 1", n, err)
			}
			if keys := keyPattern.FindAllString(printed.String(), -1); len(keys) != 1 {
				t.Errorf("%d keys printed, want 1:\n%s", len(keys), printed.String())
			}
		})
	}
}
