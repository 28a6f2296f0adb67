package inbox

import (
	"context"
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/flowengine"
)

// badDefinition is a stored bot version that does not parse: the bot's
// problem, not a reason to retry.
type badDefinition struct{ err error }

func (e *badDefinition) Error() string { return "bot version unusable: " + e.err.Error() }

// definition returns the parsed flow of a bot version. Versions never
// change once published, so a parsed one is kept for good (LRU-bounded).
func (p *Processor) definition(ctx context.Context, tx *ent.Tx, versionID int) (*flowengine.Definition, error) {
	if def, ok := p.versions.Get(versionID); ok {
		return def, nil
	}
	v, err := tx.BotVersion.Get(ctx, versionID)
	if err != nil {
		return nil, fmt.Errorf("inbox: reading bot version %d: %w", versionID, err)
	}
	def, err := flowengine.Parse(v.Definition)
	if err != nil {
		return nil, &badDefinition{err: err}
	}
	p.versions.Add(versionID, def)
	return def, nil
}
