package alerts

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTPMailer sends through one SMTP server named by a URL:
//
//	smtp://user:pass@host:587   STARTTLS when the server offers it (port 587 by default)
//	smtps://user:pass@host:465  TLS from the first byte (port 465 by default)
//
// Credentials are optional. The password is only ever sent by go-mail over
// an encrypted connection or with a challenge-response mechanism, and no
// error or String result contains it.
type SMTPMailer struct {
	host     string
	port     int
	implicit bool
	user     string
	pass     string
	from     string
	timeout  time.Duration
	tls      *tls.Config
	redacted string
}

var _ Mailer = (*SMTPMailer)(nil)

// SMTPOption adjusts an SMTPMailer.
type SMTPOption func(*SMTPMailer)

// WithSMTPTimeout bounds connecting and each command; default 30 s.
func WithSMTPTimeout(d time.Duration) SMTPOption {
	return func(m *SMTPMailer) { m.timeout = d }
}

// WithTLSConfig sets the TLS configuration, e.g. extra root certificates.
// The server name defaults to the URL's host.
func WithTLSConfig(cfg *tls.Config) SMTPOption {
	return func(m *SMTPMailer) { m.tls = cfg.Clone() }
}

// NewSMTPMailer parses rawURL (SMTP_URL) and checks from, the sender
// address. It does not connect.
func NewSMTPMailer(rawURL, from string, opts ...SMTPOption) (*SMTPMailer, error) {
	// url.Parse errors quote the whole URL, password included.
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("SMTP_URL is not a valid URL")
	}
	m := &SMTPMailer{host: u.Hostname(), from: from, timeout: 30 * time.Second, redacted: u.Redacted()}
	switch u.Scheme {
	case "smtp":
		m.port = 587
	case "smtps":
		m.port, m.implicit = 465, true
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme %q is not supported: use smtp:// or smtps://", u.Scheme)
	}
	if m.host == "" {
		return nil, errors.New("SMTP_URL names no host")
	}
	if p := u.Port(); p != "" {
		if m.port, err = strconv.Atoi(p); err != nil || m.port <= 0 || m.port > 65535 {
			return nil, fmt.Errorf("SMTP_URL: port %q is not valid", p)
		}
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
	}
	if err := mail.NewMsg().From(from); err != nil {
		return nil, fmt.Errorf("alert sender address %q is not valid", from)
	}
	for _, o := range opts {
		o(m)
	}
	if m.tls == nil {
		m.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if m.tls.ServerName == "" {
		m.tls.ServerName = m.host
	}
	return m, nil
}

// String names the server with the password masked.
func (m *SMTPMailer) String() string { return m.redacted }

// Send delivers e over a new connection.
func (m *SMTPMailer) Send(ctx context.Context, e Email) error {
	msg, err := m.compose(e)
	if err != nil {
		return err
	}
	c, err := mail.NewClient(m.host, m.clientOptions()...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classifySMTP(err)
	}
	return nil
}

func (m *SMTPMailer) clientOptions() []mail.Option {
	opts := []mail.Option{
		mail.WithPort(m.port),
		mail.WithTimeout(m.timeout),
		mail.WithTLSConfig(m.tls),
	}
	if m.implicit {
		opts = append(opts, mail.WithSSL())
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if m.user != "" {
		// Auto-discovery picks the strongest mechanism the server offers and
		// refuses to send a plain password over an unencrypted connection.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.user), mail.WithPassword(m.pass))
	}
	return opts
}

func (m *SMTPMailer) compose(e Email) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return nil, fmt.Errorf("alert sender address: %w", err)
	}
	if err := msg.To(e.To...); err != nil {
		return nil, fmt.Errorf("%w: recipient: %v", ErrRejected, err)
	}
	msg.Subject(e.Subject)
	msg.SetDate()
	msg.SetMessageID()
	// RFC 3834: keeps vacation responders from answering an alert.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(mail.TypeTextPlain, e.Text)
	return msg, nil
}

// classifySMTP marks permanent refusals of a recipient as ErrRejected;
// everything else (connection, TLS, auth, 4xx) is worth retrying later.
func classifySMTP(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) && se.Reason == mail.ErrSMTPRcptTo && !se.IsTemp() {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	return fmt.Errorf("smtp: %w", err)
}
