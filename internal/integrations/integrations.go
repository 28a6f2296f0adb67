// Package integrations holds the rules for managing WhatsApp integrations
// and bots, whatever the API in front of them: inputs are validated, tokens
// exchanged with Meta before anything is saved, secrets sealed, and bots
// published only when their flow validates.
//
// Every method reads and writes through a DB, which gives the operation's
// clients: reads may run before its transaction opens, so that no
// transaction (and, on SQLite, no write lock) is held while Meta is called.
package integrations

import (
	"context"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/flowengine"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/whatsapp"
)

// DB gives the clients of one operation. Both are scoped to the caller's
// account by the context.
type DB interface {
	// Read returns the operation's transaction if one is open, otherwise
	// the root client.
	Read(ctx context.Context) *ent.Client
	// Write returns the operation's transaction, opening it on first use.
	Write(ctx context.Context) (*ent.Client, error)
}

// Meta is what the service needs of the Graph API.
type Meta interface {
	ExchangeToken(ctx context.Context, version, appID, appSecret, shortToken string) (whatsapp.Token, error)
	DebugToken(ctx context.Context, version, inputToken, accessToken string) (whatsapp.TokenInfo, error)
}

var _ Meta = (*whatsapp.Client)(nil)

// Service applies the rules. It holds no per-request state.
type Service struct {
	box  *secrets.Box
	meta Meta
	flow *flowengine.Engine
	now  func() time.Time
}

// New returns a Service. flow runs test mode; nil gives an engine whose
// HttpRequest components always take their error edge.
func New(box *secrets.Box, meta Meta, flow *flowengine.Engine) *Service {
	if flow == nil {
		flow = flowengine.New(nil, flowengine.Options{})
	}
	return &Service{box: box, meta: meta, flow: flow, now: time.Now}
}
