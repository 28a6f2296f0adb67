package graph

import (
	"context"
	"errors"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/graph/model"
	"github.com/intalos/integrations/internal/alerts"
	"github.com/intalos/integrations/internal/diagnostics"
	"github.com/intalos/integrations/internal/tenant"
)

// Requirements sendTestAlert reports in extensions.missing, spelled like
// integrations.Requirement.
const (
	requireMailServer = "MAIL_SERVER"
	requireAlertEmail = "ALERT_EMAIL"
)

// diagnosticsCost is the complexity of Integration.diagnostics: each one
// asks Meta, so a query may run a page of them but not several pages.
const diagnosticsCost = 50

// diagnose runs the checklist through the operation's client, so the
// caller's tenancy applies.
func (r *Resolver) diagnose(ctx context.Context, integrationID int) ([]*diagnostics.Check, error) {
	checks, err := diagnostics.Run(ctx, diagnostics.Deps{Client: r.read(ctx), Meta: r.meta, Box: r.box}, integrationID)
	if err != nil {
		return nil, err
	}
	out := make([]*diagnostics.Check, len(checks))
	for i := range checks {
		out[i] = &checks[i]
	}
	return out, nil
}

// sendTestAlert reads the integration first, so that another account's
// answers NOT_FOUND whatever the server's mail configuration.
func (r *Resolver) sendTestAlert(ctx context.Context, integrationID int) (*model.SendTestAlertPayload, error) {
	in, err := r.read(ctx).Integration.Get(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	if r.alerts == nil {
		return nil, r.testAlertError(ctx, alerts.ErrNoMailer)
	}
	if err := r.alerts.SendTest(ctx, integrationID); err != nil {
		return nil, r.testAlertError(ctx, err)
	}
	return &model.SendTestAlertPayload{Integration: in, SentTo: in.AlertEmail}, nil
}

// testAlertError maps SendTest's errors. What is not a missing setting, a
// missing integration or the request ending is the mail server failing;
// its text is logged, not shown, as it could name the server's user.
func (r *Resolver) testAlertError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, alerts.ErrNoMailer):
		return precondition(ctx, "this server cannot send email: its operator has not configured a mail server", requireMailServer, "")
	case errors.Is(err, alerts.ErrNoAddress):
		return precondition(ctx, "the integration has no alert email address: set settings.alertEmail first", requireAlertEmail, "alertEmail")
	case ent.IsNotFound(err), errors.Is(err, tenant.ErrDenied), errors.Is(err, tenant.ErrMissing):
		return err
	case ctx.Err() != nil:
		// The caller went away; the presenter says so.
		return ctx.Err()
	}
	r.logger.WarnContext(ctx, "sending test alert", "err", err)
	if errors.Is(err, alerts.ErrRejected) {
		e := newError(ctx, CodeUpstream, "the mail server refused to deliver to the alert address: check settings.alertEmail")
		e.Extensions["field"] = "alertEmail"
		return e
	}
	return newError(ctx, CodeUpstream, "the mail server could not be reached or did not accept the test email: try again later")
}

// precondition is FAILED_PRECONDITION naming what is missing, as
// setIntegrationActive reports it, and the setting to change, if any.
func precondition(ctx context.Context, msg, missing, field string) *gqlerror.Error {
	e := newError(ctx, CodeFailedPrecondition, msg)
	e.Extensions["missing"] = []string{missing}
	if field != "" {
		e.Extensions["field"] = field
	}
	return e
}
