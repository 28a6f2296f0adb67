package outbox

import (
	"context"
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/internal/secrets"
)

// refreshToken exchanges the integration's current token for a new
// long-lived one and stores it sealed. It writes only if the token is still
// the one we read, so that concurrent refreshes do not overwrite each other;
// when another sender (or a user) replaced it meanwhile, that token is used.
func (s *Sender) refreshToken(ctx context.Context, integ *ent.Integration) (string, error) {
	current, err := s.box.Open(integ.AccessTokenSealed, secrets.AccessToken)
	if err != nil {
		return "", err
	}
	appSecret, err := s.box.Open(integ.AppSecretSealed, secrets.AppSecret)
	if err != nil {
		return "", err
	}
	tok, err := s.wa.ExchangeToken(ctx, integ.APIVersion, integ.AppID, appSecret, current)
	if err != nil {
		return "", err
	}
	sealed, err := s.box.Seal(tok.AccessToken, secrets.AccessToken)
	if err != nil {
		return "", err
	}
	upd := s.client.Integration.Update().
		Where(integration.ID(integ.ID), integration.AccessTokenSealed(integ.AccessTokenSealed)).
		SetAccessTokenSealed(sealed)
	if tok.ExpiresAt.IsZero() {
		upd.ClearAccessTokenExpiresAt()
	} else {
		upd.SetAccessTokenExpiresAt(tok.ExpiresAt.UTC())
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return "", fmt.Errorf("storing the renewed token: %w", err)
	}
	if n == 1 {
		s.log.Info("outbox: access token renewed", "integration_id", integ.ID)
		return tok.AccessToken, nil
	}
	fresh, err := s.client.Integration.Get(ctx, integ.ID)
	if err != nil {
		return "", err
	}
	return s.box.Open(fresh.AccessTokenSealed, secrets.AccessToken)
}
