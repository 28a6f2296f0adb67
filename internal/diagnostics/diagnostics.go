// Package diagnostics runs the troubleshooting checklist for one
// integration: is it active, is a published bot connected, is the access
// token valid, has Meta verified the webhook, are webhooks arriving and
// passing the signature check, are replies going out, is the flow failing.
//
// Everything is read from the database, except the token, which Meta is
// asked about with a short timeout. Nothing is written.
package diagnostics

import (
	"context"
	"fmt"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/whatsapp"
)

// Status is a check's verdict, spelled as the GraphQL enum.
type Status string

// The verdicts.
const (
	OK      Status = "OK"
	Warning Status = "WARNING"
	Failing Status = "FAILING"
)

// Names of the checks, in the order Run returns them. They are stable keys
// for clients; Title is the wording to show.
const (
	CheckActive       = "integration_active"
	CheckBot          = "bot"
	CheckAccessToken  = "access_token"
	CheckVerification = "webhook_verification"
	CheckReceived     = "webhook_received"
	CheckSignature    = "webhook_signature"
	CheckSending      = "sending"
	CheckFlow         = "flow"
)

// Check is one item of the checklist.
type Check struct {
	Name   string
	Title  string
	Status Status
	// Reason says in one line what was found.
	Reason string
	// Action says what to do; empty when the check is OK.
	Action string
	// At is the time the finding is about (last webhook, token expiry…),
	// when there is one.
	At *time.Time
}

// TokenInspector asks Meta about an access token.
type TokenInspector interface {
	DebugToken(ctx context.Context, version, inputToken, accessToken string) (whatsapp.TokenInfo, error)
}

var _ TokenInspector = (*whatsapp.Client)(nil)

// Deps are what Run reads from.
type Deps struct {
	Client *ent.Client
	Meta   TokenInspector // a *whatsapp.Client
	Box    *secrets.Box
	Now    func() time.Time // default time.Now
	// MetaTimeout bounds the question to Meta; default 3 s. A Meta that
	// does not answer in time makes the token check a warning.
	MetaTimeout time.Duration
}

// window is how far back recent failures are looked for.
const window = 24 * time.Hour

// Run runs every check for the integration. ctx's tenancy applies: a caller
// scoped to an account gets a not-found error for another account's
// integration. Errors are returned only when the database cannot be read.
func Run(ctx context.Context, d Deps, integrationID int) ([]Check, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MetaTimeout <= 0 {
		d.MetaTimeout = 3 * time.Second
	}
	in, err := d.Client.Integration.Get(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	r := &run{d: d, in: in, now: d.Now()}
	// Meta is asked while the database is read.
	tokenCheck := make(chan Check, 1)
	go func() { tokenCheck <- r.accessToken(ctx) }()

	checks := []Check{r.active()}
	for _, f := range []func(context.Context) (Check, error){r.bot, r.verification, r.received, r.signature, r.sending, r.flow} {
		c, err := f(ctx)
		if err != nil {
			<-tokenCheck
			return nil, fmt.Errorf("diagnostics: %w", err)
		}
		checks = append(checks, c)
	}
	// Keep the order of the constants above.
	token := <-tokenCheck
	return append(checks[:2:2], append([]Check{token}, checks[2:]...)...), nil
}

// run holds what every check of one Run shares.
type run struct {
	d   Deps
	in  *ent.Integration
	now time.Time
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func ptr(t time.Time) *time.Time { return &t }
