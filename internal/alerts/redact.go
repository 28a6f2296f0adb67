package alerts

import (
	"strings"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/internal/secrets"
)

// redactor removes an integration's credentials from text quoted in an
// email. Error messages are written by many parts of the product; this is
// the last line of defence against one of them quoting a secret.
type redactor struct{ secrets []string }

// minSecretLen keeps short, common strings from being masked everywhere.
const minSecretLen = 6

func newRedactor(box *secrets.Box, in *ent.Integration) *redactor {
	r := &redactor{}
	r.add(in.WebhookKey)
	if box == nil {
		return r
	}
	for _, s := range []struct{ sealed, purpose string }{
		{in.AppSecretSealed, secrets.AppSecret},
		{in.AccessTokenSealed, secrets.AccessToken},
		{in.VerifyTokenSealed, secrets.VerifyToken},
	} {
		if v, err := box.Open(s.sealed, s.purpose); err == nil {
			r.add(v)
		}
	}
	return r
}

func (r *redactor) add(s string) {
	if len(s) >= minSecretLen {
		r.secrets = append(r.secrets, s)
	}
}

func (r *redactor) redact(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return s
}
