package graph_test

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/alerts"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
)

const sendTestAlert = `mutation($id: ID!) { sendTestAlert(input: {integrationId: $id}) { integration { id } sentTo } }`

// smtpSink is a real SMTP server on a local port, without TLS or
// authentication, that keeps what it accepted.
type smtpSink struct {
	addr   string
	reject string // a recipient answered 550

	mu       sync.Mutex
	received []sunkMail
}

type sunkMail struct {
	from          string
	to            []string
	subject, body string
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{addr: ln.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(ln)
	t.Cleanup(func() {
		ln.Close()
		srv.Close()
	})
	return s
}

func (s *smtpSink) mails() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.received...)
}

type sinkSession struct {
	s    *smtpSink
	from string
	to   []string
}

func (x *sinkSession) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }

func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == x.s.reject {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	m := sunkMail{from: x.from, to: x.to}
	if m.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return err
	}
	body := io.Reader(msg.Body)
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	m.body = string(b)
	x.s.mu.Lock()
	x.s.received = append(x.s.received, m)
	x.s.mu.Unlock()
	return nil
}

func (x *sinkSession) Reset()        { x.from, x.to = "", nil }
func (x *sinkSession) Logout() error { return nil }

// withAlerts builds the API with a real Alerter sending through mailer
// (none when nil).
func withAlerts(db *store.DB, mailer alerts.Mailer) func(*graph.Deps) {
	return func(d *graph.Deps) {
		d.Alerts = alerts.New(db, mailer, alerts.Options{Box: d.Box})
	}
}

func smtpMailer(t *testing.T, rawURL string) *alerts.SMTPMailer {
	t.Helper()
	m, err := alerts.NewSMTPMailer(rawURL, "alerts@example.com", alerts.WithSMTPTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func missing(r response) []any { m, _ := r.Errors[0].Extensions["missing"].([]any); return m }

func TestSendTestAlert(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		sink := newSMTPSink(t)
		sink.reject = "nobody@example.com"
		e := newEnv(t, db, graph.HandlerConfig{}, withAlerts(db, smtpMailer(t, "smtp://"+sink.addr)))
		acct, key := e.account("Acme")
		_, otherKey := e.account("Other")

		in := seedIntegration(t, db.Client, e.box, acct, "Support line", "555000301", nil)
		db.Client.Integration.UpdateOneID(in.ID).SetAlertEmail("ops@example.com").ExecX(sys())
		id := gid("Integration", in.ID)

		t.Run("sent", func(t *testing.T) {
			d := e.ok(key, sendTestAlert, map[string]any{"id": id})
			if str(d, "sendTestAlert.sentTo") != "ops@example.com" || str(d, "sendTestAlert.integration.id") != id {
				t.Fatalf("payload = %v", d)
			}
			got := sink.mails()
			if len(got) != 1 {
				t.Fatalf("%d emails arrived, want 1", len(got))
			}
			m := got[0]
			if m.from != "alerts@example.com" || len(m.to) != 1 || m.to[0] != "ops@example.com" {
				t.Errorf("envelope from %q to %v, want alerts@example.com to ops@example.com", m.from, m.to)
			}
			if !strings.Contains(m.subject, "Support line") || !strings.Contains(m.body, "test alert") {
				t.Errorf("email = %q / %q, want the integration and that it is a test", m.subject, m.body)
			}
			token, err := e.box.Open(in.AccessTokenSealed, secrets.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{token, appSecret, "seeded-verify-", in.AccessTokenSealed, in.AppSecretSealed, in.WebhookKey} {
				if strings.Contains(m.subject+m.body, s) {
					t.Errorf("the email contains a secret (%.8s…)", s)
				}
			}
		})

		t.Run("no address", func(t *testing.T) {
			bare := seedIntegration(t, db.Client, e.box, acct, "No address", "555000302", nil)
			r := e.fail(key, sendTestAlert, map[string]any{"id": gid("Integration", bare.ID)}, "FAILED_PRECONDITION", "alertEmail")
			if m := missing(r); len(m) != 1 || m[0] != "ALERT_EMAIL" {
				t.Errorf("missing = %v, want [ALERT_EMAIL]", m)
			}
		})

		t.Run("refused address", func(t *testing.T) {
			refused := seedIntegration(t, db.Client, e.box, acct, "Refused", "555000303", nil)
			db.Client.Integration.UpdateOneID(refused.ID).SetAlertEmail(sink.reject).ExecX(sys())
			e.fail(key, sendTestAlert, map[string]any{"id": gid("Integration", refused.ID)}, "UPSTREAM", "alertEmail")
		})

		t.Run("not found", func(t *testing.T) {
			e.fail(otherKey, sendTestAlert, map[string]any{"id": id}, "NOT_FOUND", "")
			e.fail(key, sendTestAlert, map[string]any{"id": gid("Bot", in.ID)}, "NOT_FOUND", "integrationId")
		})

		if n := len(sink.mails()); n != 1 {
			t.Errorf("%d emails arrived in all, want only the one test alert", n)
		}
	})
}

func TestSendTestAlertWithoutMailServer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range []struct {
			name, phone string
			opt         func(*graph.Deps)
		}{
			{"no SMTP_URL", "555000311", withAlerts(db, nil)},
			{"no alerter", "555000312", func(*graph.Deps) {}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t, db, graph.HandlerConfig{}, tc.opt)
				acct, key := e.account("Acme")
				_, otherKey := e.account("Other")
				in := seedIntegration(t, db.Client, e.box, acct, "Support line", tc.phone, nil)
				db.Client.Integration.UpdateOneID(in.ID).SetAlertEmail("ops@example.com").ExecX(sys())
				id := gid("Integration", in.ID)

				r := e.fail(key, sendTestAlert, map[string]any{"id": id}, "FAILED_PRECONDITION", "")
				if m := missing(r); len(m) != 1 || m[0] != "MAIL_SERVER" {
					t.Errorf("missing = %v, want [MAIL_SERVER]", m)
				}
				if strings.Contains(r.raw, "SMTP_URL") || !strings.Contains(r.Errors[0].Message, "mail server") {
					t.Errorf("message = %q", r.Errors[0].Message)
				}
				// Another account's integration is not found, configured or not.
				e.fail(otherKey, sendTestAlert, map[string]any{"id": id}, "NOT_FOUND", "")
			})
		}
	})
}

// A mail server that cannot be reached is UPSTREAM, and neither the answer
// nor the log names its password.
func TestSendTestAlertMailServerDown(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now

		const pass = "smtp-pass-9f8e7d"
		e := newEnv(t, db, graph.HandlerConfig{}, withAlerts(db, smtpMailer(t, "smtp://alerts:"+pass+"@"+addr)))
		acct, key := e.account("Acme")
		in := seedIntegration(t, db.Client, e.box, acct, "Support line", "555000321", nil)
		db.Client.Integration.UpdateOneID(in.ID).SetAlertEmail("ops@example.com").ExecX(sys())

		r := e.fail(key, sendTestAlert, map[string]any{"id": gid("Integration", in.ID)}, "UPSTREAM", "")
		if strings.Contains(r.raw, pass) || strings.Contains(r.raw, addr) {
			t.Errorf("the answer names the mail server: %s", r.raw)
		}
		logs := e.logs.String()
		if !strings.Contains(logs, "sending test alert") {
			t.Error("the mail server's failure was not logged")
		}
		if strings.Contains(logs, pass) {
			t.Error("the SMTP password is in the logs")
		}
	})
}
