package graph_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/alerts"
	"github.com/intalos/integrations/internal/alerts/smtptest"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
)

const sendTestAlert = `mutation($id: ID!) { sendTestAlert(input: {integrationId: $id}) { integration { id } sentTo } }`

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
		sink := smtptest.New(t, smtptest.Config{})
		const refusedRcpt = "nobody@example.com"
		sink.Refuse(refusedRcpt)
		e := newEnv(t, db, graph.HandlerConfig{}, withAlerts(db, smtpMailer(t, sink.URL())))
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
			got := sink.Messages()
			if len(got) != 1 {
				t.Fatalf("%d emails arrived, want 1", len(got))
			}
			m := got[0]
			if m.From != "alerts@example.com" || len(m.To) != 1 || m.To[0] != "ops@example.com" {
				t.Errorf("envelope from %q to %v, want alerts@example.com to ops@example.com", m.From, m.To)
			}
			if !strings.Contains(m.Subject, "Support line") || !strings.Contains(m.Body, "test alert") {
				t.Errorf("email = %q / %q, want the integration and that it is a test", m.Subject, m.Body)
			}
			token, err := e.box.Open(in.AccessTokenSealed, secrets.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{token, appSecret, "seeded-verify-", in.AccessTokenSealed, in.AppSecretSealed, in.WebhookKey} {
				if strings.Contains(m.Subject+m.Body, s) {
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
			db.Client.Integration.UpdateOneID(refused.ID).SetAlertEmail(refusedRcpt).ExecX(sys())
			e.fail(key, sendTestAlert, map[string]any{"id": gid("Integration", refused.ID)}, "UPSTREAM", "alertEmail")
		})

		t.Run("not found", func(t *testing.T) {
			e.fail(otherKey, sendTestAlert, map[string]any{"id": id}, "NOT_FOUND", "")
			e.fail(key, sendTestAlert, map[string]any{"id": gid("Bot", in.ID)}, "NOT_FOUND", "integrationId")
		})

		if n := len(sink.Messages()); n != 1 {
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
