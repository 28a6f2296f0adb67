package safehttp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestIsPublic(t *testing.T) {
	tests := []struct {
		give string
		want bool
	}{
		{"8.8.8.8", true},
		{"2a00:1450:4001:80b::200e", true},
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"::1", false},
		{"fd00::1", false},
		{"fe80::1", false},
		{"::ffff:127.0.0.1", false},
		{"224.0.0.1", false},
	}
	for _, tt := range tests {
		if got := IsPublic(netip.MustParseAddr(tt.give)); got != tt.want {
			t.Errorf("IsPublic(%s) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

func TestClientRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if _, err := NewClient(false).Get(srv.URL); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("GET %s: err = %v, want ErrForbiddenAddress", srv.URL, err)
	}
	resp, err := NewClient(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("with private networks allowed: %v", err)
	}
	resp.Body.Close()
}
