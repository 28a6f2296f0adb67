package alerts

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestNewSMTPMailer(t *testing.T) {
	tests := []struct {
		give     string
		wantHost string
		wantPort int
		wantTLS  bool // implicit TLS
		wantUser string
	}{
		{give: "smtp://mail.example.com", wantHost: "mail.example.com", wantPort: 587},
		{give: "smtp://user:pa%40ss@mail.example.com:2525", wantHost: "mail.example.com", wantPort: 2525, wantUser: "user"},
		{give: "smtps://user:pass@mail.example.com", wantHost: "mail.example.com", wantPort: 465, wantTLS: true, wantUser: "user"},
		{give: "smtps://mail.example.com:4650", wantHost: "mail.example.com", wantPort: 4650, wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			m, err := NewSMTPMailer(tt.give, "alerts@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if m.host != tt.wantHost || m.port != tt.wantPort || m.implicit != tt.wantTLS || m.user != tt.wantUser {
				t.Errorf("got host %q port %d implicit %v user %q, want %q %d %v %q",
					m.host, m.port, m.implicit, m.user, tt.wantHost, tt.wantPort, tt.wantTLS, tt.wantUser)
			}
			if m.tls.ServerName != tt.wantHost {
				t.Errorf("got TLS server name %q, want %q", m.tls.ServerName, tt.wantHost)
			}
		})
	}
}

func TestNewSMTPMailerErrorsHideThePassword(t *testing.T) {
	const password = "hunter2secret"
	tests := []struct{ give, from string }{
		{give: "smtp://user:" + password + "@host:99999", from: "a@b.c"},
		{give: "ftp://user:" + password + "@host", from: "a@b.c"},
		{give: "smtp://user:" + password + "@:25", from: "a@b.c"},
		{give: "smtp://user:" + password + "@host%zz:25", from: "a@b.c"},
		{give: "smtp://user:" + password + "@host", from: "not an address"},
	}
	for _, tt := range tests {
		_, err := NewSMTPMailer(tt.give, tt.from)
		if err == nil {
			t.Errorf("NewSMTPMailer(%q, %q): no error", tt.give, tt.from)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error %q contains the password", err)
		}
	}
	m, err := NewSMTPMailer("smtp://user:"+password+"@host", "a@b.c")
	if err != nil {
		t.Fatal(err)
	}
	if s := m.String(); strings.Contains(s, password) || !strings.Contains(s, "host") {
		t.Errorf("String() = %q, want the host without the password", s)
	}
}

// TestSMTPMailerSends goes through STARTTLS and AUTH PLAIN to a real server.
func TestSMTPMailerSends(t *testing.T) {
	srv := newSMTPServer(t)
	m := mailerFor(t, srv)
	err := m.Send(context.Background(), Email{To: []string{"owner@example.com"}, Subject: "Hello", Text: "Line one\nLine two\n"})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitMessages(1)[0]
	if got.From != "alerts@intalos.test" || len(got.To) != 1 || got.To[0] != "owner@example.com" {
		t.Errorf("got envelope from %q to %q", got.From, got.To)
	}
	if got.Subject != "Hello" || !strings.Contains(got.Body, "Line one\r\nLine two") {
		t.Errorf("got subject %q body %q", got.Subject, got.Body)
	}
	if got.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("got Auto-Submitted %q", got.Header.Get("Auto-Submitted"))
	}
}

func TestSMTPMailerErrors(t *testing.T) {
	srv := newSMTPServer(t)
	srv.Refuse("nobody@example.com")
	m := mailerFor(t, srv)
	err := m.Send(context.Background(), Email{To: []string{"nobody@example.com"}, Subject: "x", Text: "x"})
	if !errors.Is(err, ErrRejected) {
		t.Errorf("unknown recipient: got %v, want ErrRejected", err)
	}

	wrong, err := NewSMTPMailer("smtp://alerts:wrong-pass@"+srv.Addr, "a@b.c", WithTLSConfig(srv.ClientTLS))
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.Send(context.Background(), Email{To: []string{"owner@example.com"}, Subject: "x", Text: "x"})
	if err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("wrong password: got %v, want a retryable error", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-pass") {
		t.Errorf("error %q contains the password", err)
	}

	srv.Stop()
	err = m.Send(context.Background(), Email{To: []string{"owner@example.com"}, Subject: "x", Text: "x"})
	if err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("server down: got %v, want a retryable error", err)
	}
}
