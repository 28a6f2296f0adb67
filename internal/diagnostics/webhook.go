package diagnostics

import (
	"context"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
)

// signatureWindow is how long an old signature failure is still mentioned.
const signatureWindow = 7 * 24 * time.Hour

// lastError returns the integration's newest error of kind, or nil.
func (r *run) lastError(ctx context.Context, kind integrationerror.Kind) (*ent.IntegrationError, error) {
	e, err := r.d.Client.IntegrationError.Query().
		Where(integrationerror.IntegrationID(r.in.ID), integrationerror.KindEQ(kind)).
		Order(ent.Desc(integrationerror.FieldCreatedAt), ent.Desc(integrationerror.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return e, err
}

func reasonOf(e *ent.IntegrationError) string {
	if s, ok := e.Detail["reason"].(string); ok && s != "" {
		return s
	}
	return e.Message
}

func (r *run) verification(ctx context.Context) (Check, error) {
	c := Check{Name: CheckVerification, Title: "Webhook verified by Meta"}
	failed, err := r.lastError(ctx, integrationerror.KindVERIFICATION_FAILED)
	if err != nil {
		return c, err
	}
	verified := r.in.WebhookVerifiedAt
	switch {
	case failed != nil && (verified == nil || failed.CreatedAt.After(*verified)):
		c.Status, c.At = Failing, ptr(failed.CreatedAt)
		c.Reason = "Meta's last verification attempt, at " + stamp(failed.CreatedAt) + ", was refused: " + reasonOf(failed) + "."
		c.Action = verificationAction(reasonOf(failed))
	case verified != nil:
		c.Status, c.At = OK, ptr(*verified)
		c.Reason = "Meta verified the webhook at " + stamp(*verified)
		if failed != nil {
			c.Reason += "; an earlier attempt at " + stamp(failed.CreatedAt) + " was refused: " + reasonOf(failed)
		}
		c.Reason += "."
	case r.in.LastActivityAt != nil:
		// Verified before the time was recorded: Meta only sends to verified URLs.
		c.Status, c.Reason = OK, "Webhooks are arriving, so Meta has verified the webhook."
	default:
		c.Status = Warning
		c.Reason = "Meta has not verified the webhook yet."
		c.Action = "In the Webhooks section of the Meta app, enter the callback URL from Intalos support and the integration's verify token, then press Verify."
	}
	return c, nil
}

// verificationAction says what to do about the cause the webhook recorded.
func verificationAction(reason string) string {
	switch reason {
	case "wrong verify token":
		return "Enter in Meta's webhook settings exactly the verify token saved in the integration: it is case-sensitive and must not have spaces around it. Then verify again."
	case "hub.mode is not subscribe":
		return "The request was not a subscription request; start the verification from the Webhooks section of the Meta app."
	}
	return "Check the callback URL and the verify token in Meta's webhook settings, then verify again."
}

func (r *run) received(context.Context) (Check, error) {
	c := Check{Name: CheckReceived, Title: "Webhooks arriving"}
	if last := r.in.LastActivityAt; last != nil {
		c.Status, c.At = OK, ptr(*last)
		c.Reason = "The last webhook arrived at " + stamp(*last) + "."
		return c, nil
	}
	c.Status = Warning
	c.Reason = "No webhook has arrived yet."
	c.Action = "Check that the webhook is verified and subscribed to the messages field in the Meta app, then send a message to the number."
	return c, nil
}

func (r *run) signature(ctx context.Context) (Check, error) {
	c := Check{Name: CheckSignature, Title: "Webhook signatures"}
	failed, err := r.lastError(ctx, integrationerror.KindSIGNATURE_INVALID)
	if err != nil {
		return c, err
	}
	if failed == nil || r.now.Sub(failed.CreatedAt) > signatureWindow {
		c.Status, c.Reason = OK, "No webhook failed the signature check in the last 7 days."
		return c, nil
	}
	c.At = ptr(failed.CreatedAt)
	if last := r.in.LastActivityAt; last != nil && last.After(failed.CreatedAt) {
		c.Status = Warning
		c.Reason = "A webhook failed the signature check at " + stamp(failed.CreatedAt) + "; later ones passed."
		c.Action = "Nothing to do if the App Secret was changed around that time; otherwise the refused requests did not come from Meta."
		return c, nil
	}
	c.Status = Failing
	c.Reason = "Webhooks fail the signature check (last at " + stamp(failed.CreatedAt) + ": " + reasonOf(failed) + "), so their messages are refused."
	c.Action = "Re-enter the App Secret of the Meta app that sends the webhooks, copied from the Meta app dashboard."
	return c, nil
}
