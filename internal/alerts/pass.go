package alerts

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/internal/maintenance/dblock"
	"github.com/intalos/integrations/internal/tenant"
)

// Result says what one pass did.
type Result struct {
	// Sent counts the emails the SMTP server accepted.
	Sent int
	// NextDue is when the earliest waiting digest may go out; zero when
	// none is waiting.
	NextDue time.Time
}

// maxLoaded bounds the rows of one group read to compose an email; older
// ones are only counted.
const maxLoaded = 500

// pendingKey is one integration and kind with unalerted errors.
type pendingKey struct {
	IntegrationID int                   `json:"integration_id"`
	Kind          integrationerror.Kind `json:"kind"`
}

// RunOnce sends every alert that is due now. It stops at the first email
// the SMTP server does not accept and returns that error; what was sent
// before it stays marked.
func (a *Alerter) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	if a.mailer == nil {
		return res, ErrNoMailer
	}
	ctx = tenant.AsSystem(ctx)
	var keys []pendingKey
	err := a.db.Client.IntegrationError.Query().
		Where(
			integrationerror.AlertedAtIsNil(),
			integrationerror.HasIntegrationWith(integration.AlertsEnabled(true), integration.AlertEmailNEQ("")),
		).
		GroupBy(integrationerror.FieldIntegrationID, integrationerror.FieldKind).
		Scan(ctx, &keys)
	if err != nil {
		return res, fmt.Errorf("alerts: finding pending errors: %w", err)
	}
	kinds := kindsByIntegration(keys)
	for _, id := range slices.Sorted(maps.Keys(kinds)) {
		var sendErr error
		_, err := dblock.TryIntegration(ctx, a.db, dblock.Alerts, id, func(ctx context.Context, c *ent.Client) error {
			sendErr = a.alertIntegration(ctx, c, id, kinds[id], &res)
			if sendErr != nil && !isSendError(sendErr) {
				return sendErr // database trouble: roll back
			}
			return nil // commit the marks of what was sent
		})
		if err != nil {
			return res, err
		}
		if sendErr != nil {
			return res, sendErr
		}
	}
	return res, nil
}

func kindsByIntegration(keys []pendingKey) map[int][]integrationerror.Kind {
	out := make(map[int][]integrationerror.Kind)
	for _, k := range keys {
		out[k.IntegrationID] = append(out[k.IntegrationID], k.Kind)
	}
	for _, ks := range out {
		slices.Sort(ks)
	}
	return out
}

// sendError is a failed delivery, as opposed to a database failure.
type sendError struct{ err error }

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

func isSendError(err error) bool {
	var se *sendError
	return errors.As(err, &se)
}

// alertIntegration sends what is due for one integration, reading its
// state through c after the alert lock is held.
func (a *Alerter) alertIntegration(ctx context.Context, c *ent.Client, id int, kinds []integrationerror.Kind, res *Result) error {
	in, err := c.Integration.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !in.AlertsEnabled || in.AlertEmail == "" {
		return nil
	}
	var red *redactor
	for _, kind := range kinds {
		due, err := a.dueAt(ctx, c, id, kind)
		if err != nil {
			return err
		}
		if now := a.opts.Now(); due.After(now) {
			if res.NextDue.IsZero() || due.Before(res.NextDue) {
				res.NextDue = due
			}
			continue
		}
		g, err := loadGroup(ctx, c, in, kind)
		if err != nil || g == nil {
			return err
		}
		if red == nil {
			red = newRedactor(a.opts.Box, in)
		}
		if err := a.send(ctx, composeAlert(g, red)); err != nil {
			if !errors.Is(err, ErrRejected) {
				return &sendError{err}
			}
			// The address will never accept it: retrying would only block.
			a.opts.Logger.WarnContext(ctx, "alert email refused by the mail server; not retrying",
				"integration_id", id, "kind", kind, "err", err)
		} else {
			res.Sent++
		}
		err = c.IntegrationError.Update().
			Where(integrationerror.IntegrationID(id), integrationerror.KindEQ(g.kind),
				integrationerror.AlertedAtIsNil(), integrationerror.IDLTE(g.maxID)).
			SetAlertedAt(a.opts.Now()).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("alerts: marking errors alerted: %w", err)
		}
	}
	return nil
}

// dueAt is when errors of kind may next be emailed: the digest interval
// after the last email about that kind, or the zero time if there was none.
func (a *Alerter) dueAt(ctx context.Context, c *ent.Client, id int, kind integrationerror.Kind) (time.Time, error) {
	last, err := c.IntegrationError.Query().
		Where(integrationerror.IntegrationID(id), integrationerror.KindEQ(kind), integrationerror.AlertedAtNotNil()).
		Order(ent.Desc(integrationerror.FieldAlertedAt)).
		First(ctx)
	if ent.IsNotFound(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("alerts: reading last alert: %w", err)
	}
	return last.AlertedAt.Add(a.opts.DigestInterval), nil
}

func (a *Alerter) send(ctx context.Context, e Email) error {
	ctx, cancel := context.WithTimeout(ctx, a.opts.SendTimeout)
	defer cancel()
	return a.mailer.Send(ctx, e)
}
