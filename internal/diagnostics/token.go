package diagnostics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/whatsapp"
)

// soon is how close an expiry must be to be worth a warning; renewal
// starts seven days ahead, so a token this close has failed to renew.
const soon = 24 * time.Hour

const actionNewToken = "Generate a new access token in the Meta app dashboard and save it in the integration; it is exchanged for a long-lived one."

func (r *run) accessToken(ctx context.Context) Check {
	c := Check{Name: CheckAccessToken, Title: "Access token valid"}
	if exp := r.in.AccessTokenExpiresAt; exp != nil {
		c.At = ptr(*exp)
	}
	token, err1 := r.d.Box.Open(r.in.AccessTokenSealed, secrets.AccessToken)
	secret, err2 := r.d.Box.Open(r.in.AppSecretSealed, secrets.AppSecret)
	if err1 != nil || err2 != nil {
		c.Status = Failing
		c.Reason = "The stored credentials cannot be read."
		c.Action = "Enter the App Secret and a new access token in the integration again."
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, r.d.MetaTimeout)
	defer cancel()
	info, err := r.d.Meta.DebugToken(ctx, r.in.APIVersion, token, r.in.AppID+"|"+secret)
	if err != nil {
		return r.metaUnanswered(c, err)
	}
	switch {
	case !info.IsValid:
		c.Status, c.Action = Failing, actionNewToken
		c.Reason = "Meta reports the access token is not valid"
		if !info.ExpiresAt.IsZero() && !info.ExpiresAt.After(r.now) {
			c.Reason, c.At = "The access token expired at "+stamp(info.ExpiresAt), ptr(info.ExpiresAt)
		} else if info.Error != nil && info.Error.Message != "" {
			c.Reason += ": " + info.Error.Message
		}
		c.Reason += "."
	case info.AppID != "" && info.AppID != r.in.AppID:
		c.Status = Failing
		c.Reason = fmt.Sprintf("The access token belongs to Meta app %s, not to the integration's app %s.", info.AppID, r.in.AppID)
		c.Action = "Generate the access token in the Meta app whose App ID is saved in the integration, or correct the App ID."
	case info.ExpiresAt.IsZero():
		c.Status, c.Reason, c.At = OK, "Meta reports the access token is valid and does not expire.", nil
	case info.ExpiresAt.Sub(r.now) < soon:
		c.Status, c.At, c.Action = Warning, ptr(info.ExpiresAt), actionNewToken
		c.Reason = "The access token is valid but expires at " + stamp(info.ExpiresAt) + " and has not been renewed."
	default:
		c.Status, c.At = OK, ptr(info.ExpiresAt)
		c.Reason = "Meta reports the access token is valid until " + stamp(info.ExpiresAt) + "; it is renewed automatically before then."
	}
	return c
}

// metaUnanswered judges the token without Meta's verdict: Meta refusing
// our app credentials is a failure; Meta being unreachable only a warning,
// unless our own records show the token has expired.
func (r *run) metaUnanswered(c Check, err error) Check {
	var apiErr *whatsapp.APIError
	if errors.As(err, &apiErr) && whatsapp.Classify(err) != whatsapp.Retryable {
		c.Status = Failing
		c.Reason = "Meta refused to check the token with the integration's app credentials: " + apiErr.Message
		c.Action = "Check that the App ID and App Secret in the integration are those of the Meta app shown in the Meta app dashboard."
		return c
	}
	if exp := r.in.AccessTokenExpiresAt; exp != nil && !exp.After(r.now) {
		c.Status, c.Action = Failing, actionNewToken
		c.Reason = "The access token expired at " + stamp(*exp) + " (Meta could not be asked to confirm)."
		return c
	}
	c.Status = Warning
	c.Reason = "Meta could not be asked about the access token right now"
	if exp := r.in.AccessTokenExpiresAt; exp != nil {
		c.Reason += "; by our records it is valid until " + stamp(*exp)
	}
	c.Reason += "."
	c.Action = "Run the diagnostics again in a few minutes."
	return c
}
