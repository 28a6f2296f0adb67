package integrations

import (
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/secrets"
)

// WebhookURL is where Meta posts an integration's webhooks.
func WebhookURL(publicURL string, in *ent.Integration) string {
	return publicURL + "/webhooks/whatsapp/" + in.WebhookKey
}

// hintLen is how much of the verify token a hint shows: enough to tell
// tokens apart, far too little to guess the rest.
const hintLen = 3

// VerifyTokenHint is the start of the verify token followed by an ellipsis.
func (s *Service) VerifyTokenHint(in *ent.Integration) (string, error) {
	v, err := s.box.Open(in.VerifyTokenSealed, secrets.VerifyToken)
	if err != nil {
		return "", fmt.Errorf("opening verify token of integration %d: %w", in.ID, err)
	}
	r := []rune(v)
	if len(r) > hintLen {
		r = r[:hintLen]
	}
	return string(r) + "…", nil
}
