package whatsapptest

import (
	"net/http/httptest"
	"testing"
)

// Server is a Simulator listening on a local port.
type Server struct {
	*Simulator
	// URL is the base URL to give the client, e.g. "http://127.0.0.1:53211".
	URL string
}

// NewServer starts a simulator on httptest and closes it when tb ends.
func NewServer(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	sim := New(cfg)
	srv := httptest.NewServer(sim)
	tb.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return &Server{Simulator: sim, URL: srv.URL}
}
