package outbox

import (
	"context"
	"fmt"

	"github.com/intalos/integrations/ent"
)

// withTx runs fn in a transaction, committing when it returns nil and
// rolling back on an error or a panic.
func (s *Sender) withTx(ctx context.Context, fn func(tx *ent.Tx) error) (err error) {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("outbox: beginning: %w", err)
	}
	defer func() {
		if v := recover(); v != nil {
			_ = tx.Rollback()
			panic(v)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
