package alerts

import (
	"testing"
	"time"

	"github.com/intalos/integrations/internal/alerts/smtptest"
)

// smtpPass is the test server's password, which must never reach a log.
const smtpPass = "s3cret-smtp-pass"

// newSMTPServer is a test SMTP server as a provider runs one: STARTTLS and
// AUTH PLAIN required.
func newSMTPServer(t *testing.T) *smtptest.Server {
	t.Helper()
	return smtptest.New(t, smtptest.Config{TLS: true, User: "alerts", Pass: smtpPass})
}

// mailerFor sends through s, trusting its certificate.
func mailerFor(t *testing.T, s *smtptest.Server) *SMTPMailer {
	t.Helper()
	m, err := NewSMTPMailer(s.URL(), "Intalos Alerts <alerts@intalos.test>", WithTLSConfig(s.ClientTLS), WithSMTPTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
