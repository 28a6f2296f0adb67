package alerts

import (
	"context"
	"fmt"
)

// SendTest emails the integration's alert address now, so that its owner
// can check that alerts arrive. It works whether alerts are on or off,
// reads the integration with ctx's tenancy (so a caller only reaches its own
// account's integrations) and records nothing.
func (a *Alerter) SendTest(ctx context.Context, integrationID int) error {
	if a.mailer == nil {
		return ErrNoMailer
	}
	in, err := a.db.Client.Integration.Get(ctx, integrationID)
	if err != nil {
		return err
	}
	if in.AlertEmail == "" {
		return ErrNoAddress
	}
	if err := a.send(ctx, composeTest(in, a.opts.Now())); err != nil {
		return fmt.Errorf("alerts: sending test email: %w", err)
	}
	return nil
}
