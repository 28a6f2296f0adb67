// Package smtptest is a real SMTP server on a local TCP port for tests:
// STARTTLS with a certificate of its own and AUTH PLAIN when asked for, a
// recipient it refuses, and a record of what it accepted. It can be
// stopped and started again on the same port.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Config says what the server demands.
type Config struct {
	// TLS offers STARTTLS with a self-signed certificate that ClientTLS
	// trusts.
	TLS bool
	// User and Pass, when User is set, are required through AUTH PLAIN
	// before any mail.
	User, Pass string
}

// Server is one test SMTP server.
type Server struct {
	t   testing.TB
	cfg Config
	// Addr is host:port; it stays the same across Stop and Start.
	Addr string
	// ClientTLS trusts the server's certificate (nil without TLS).
	ClientTLS *tls.Config
	serverTLS *tls.Config

	mu       sync.Mutex
	srv      *smtp.Server
	ln       net.Listener
	refuse   string
	received []Message
}

// Message is one accepted email, its subject and body decoded.
type Message struct {
	From    string
	To      []string
	Subject string
	Header  mail.Header
	Body    string
}

// New starts a server, stopped when the test ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := &Server{t: t, cfg: cfg}
	if cfg.TLS {
		s.serverTLS, s.ClientTLS = certificates(t)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the SMTP_URL naming this server, credentials included.
func (s *Server) URL() string {
	if s.cfg.User == "" {
		return "smtp://" + s.Addr
	}
	return "smtp://" + s.cfg.User + ":" + s.cfg.Pass + "@" + s.Addr
}

// Refuse makes the server answer 550 to rcpt.
func (s *Server) Refuse(rcpt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = rcpt
}

// Start listens again (on the same port after Stop).
func (s *Server) Start() {
	s.t.Helper()
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	// The port of a stopped server may take a moment to become free again.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listening for SMTP: %v", err)
	}
	s.Addr = ln.Addr().String()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = s.serverTLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the server; Start opens it again.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Serve may not have registered ln yet, so Close alone could miss it.
		ln.Close()
		srv.Close()
	}
}

// Messages are the emails accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.received...)
}

// WaitMessages waits until n emails have arrived and returns them all.
func (s *Server) WaitMessages(n int) []Message {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.Messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("got %d emails, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (x *session) AuthMechanisms() []string {
	if x.s.cfg.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.cfg.User || pass != x.s.cfg.Pass {
			return errors.New("invalid credentials")
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.cfg.User != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refused := to == x.s.refuse
	x.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, Header: msg.Header}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
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
	m.Body = string(b)
	x.s.mu.Lock()
	x.s.received = append(x.s.received, m)
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// certificates makes a self-signed certificate for 127.0.0.1 and a client
// configuration that trusts it.
func certificates(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtp test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}
