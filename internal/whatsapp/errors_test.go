package whatsapp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// serveFixture answers every request with a recorded Meta body.
func serveFixture(t *testing.T, file string, status int, header http.Header) *whatsapp.Client {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "graph-api-responses", file))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return whatsapp.NewClient(srv.Client(), srv.URL, whatsapp.WithRateLimit(0, 1))
}

// TestMetaErrorBodies parses Meta's recorded error bodies over HTTP.
func TestMetaErrorBodies(t *testing.T) {
	tests := []struct {
		file        string
		status      int
		wantCode    int
		wantSubcode int
		wantClass   whatsapp.Class
	}{
		{"error_190_463_access_token_expired.json", 400, 190, 463, whatsapp.Auth},
		{"error_190_463_access_token_expired_whatsapp.json", 401, 190, 463, whatsapp.Auth},
		{"error_190_expired_token_openapi.json", 401, 190, 463, whatsapp.Auth},
		{"error_190_invalid_token_openapi.json", 401, 190, 463, whatsapp.Auth},
		{"error_4_application_rate_limit.json", 429, 4, 2446079, whatsapp.Retryable},
		{"error_17_user_rate_limit.json", 429, 17, 2446079, whatsapp.Retryable},
		{"error_80007_waba_rate_limit.json", 429, 80007, 2446079, whatsapp.Retryable},
		{"error_2_service_temporarily_unavailable.json", 500, 2, 0, whatsapp.Retryable},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c := serveFixture(t, tt.file, tt.status, nil)
			_, err := c.Send(context.Background(), whatsapp.Credentials{PhoneNumberID: "1", AccessToken: "t"}, textMessage("hi"))
			var apiErr *whatsapp.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if apiErr.Code != tt.wantCode || apiErr.Subcode != tt.wantSubcode || apiErr.HTTPStatus != tt.status {
				t.Errorf("code/subcode/status = %d/%d/%d, want %d/%d/%d",
					apiErr.Code, apiErr.Subcode, apiErr.HTTPStatus, tt.wantCode, tt.wantSubcode, tt.status)
			}
			if apiErr.FBTraceID == "" || apiErr.Message == "" || apiErr.Type == "" {
				t.Errorf("missing fields in %+v", apiErr)
			}
			if got := whatsapp.Classify(err); got != tt.wantClass {
				t.Errorf("Classify = %v, want %v", got, tt.wantClass)
			}
		})
	}
}

func TestMetaSuccessBodies(t *testing.T) {
	tests := []struct {
		file       string
		wantWAMID  string
		wantStatus string
	}{
		{"send_message_success_openapi_example.json", "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA", ""},
		{"send_marketing_template_success_message_status_accepted.json", "wamid.gBGGSFcCNEOPAgkO_KJ55r4w_ww", "accepted"},
	}
	for _, tt := range tests {
		c := serveFixture(t, tt.file, 200, nil)
		res, err := c.Send(context.Background(), whatsapp.Credentials{PhoneNumberID: "1", AccessToken: "t"}, textMessage("hi"))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if res.WAMID != tt.wantWAMID || res.MessageStatus != tt.wantStatus {
			t.Errorf("%s: got %+v, want wamid %s status %q", tt.file, res, tt.wantWAMID, tt.wantStatus)
		}
	}
	c := serveFixture(t, "media_url_lookup_success.json", 200, nil)
	info, err := c.MediaURL(context.Background(), whatsapp.Credentials{AccessToken: "t"}, "2621233374848975")
	if err != nil {
		t.Fatal(err)
	}
	if info.FileSize != 303833 || info.MimeType != "image/jpeg" {
		t.Errorf("media info = %+v, want size 303833 (a string in Meta's body) and image/jpeg", info)
	}
	c = serveFixture(t, "mark_as_read_success.json", 200, nil)
	if err := c.MarkRead(context.Background(), whatsapp.Credentials{PhoneNumberID: "1", AccessToken: "t"}, "wamid.x"); err != nil {
		t.Error(err)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	c := serveFixture(t, "error_4_application_rate_limit.json", 429, http.Header{"Retry-After": {"7"}})
	_, err := c.Send(context.Background(), whatsapp.Credentials{PhoneNumberID: "1", AccessToken: "t"}, textMessage("hi"))
	var apiErr *whatsapp.APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 7*time.Second {
		t.Fatalf("error = %v, want RetryAfter 7s", err)
	}
	if got := whatsapp.Backoff(0, err); got != 7*time.Second {
		t.Errorf("Backoff = %v, want the server's 7s", got)
	}
}

// TestSimulatedErrorClasses covers every class through the simulator.
func TestSimulatedErrorClasses(t *testing.T) {
	tests := []struct {
		name      string
		faults    whatsapptest.Faults
		creds     func(whatsapp.Credentials) whatsapp.Credentials
		msg       whatsapp.Message
		wantCode  int
		wantClass whatsapp.Class
	}{
		{name: "throttled", faults: whatsapptest.Faults{Throttle: 1}, wantCode: 130429, wantClass: whatsapp.Retryable},
		{name: "server error", faults: whatsapptest.Faults{ServerErrors: 1}, wantCode: 2, wantClass: whatsapp.Retryable},
		{name: "expired token", faults: whatsapptest.Faults{ExpiredToken: true}, wantCode: 190, wantClass: whatsapp.Auth},
		{name: "outside window", faults: whatsapptest.Faults{OutsideWindow: true}, wantCode: 131047, wantClass: whatsapp.OutsideWindow},
		{name: "unknown token", creds: func(c whatsapp.Credentials) whatsapp.Credentials { c.AccessToken = "EAAnope"; return c },
			wantCode: 190, wantClass: whatsapp.Auth},
		{name: "unknown phone number id", creds: func(c whatsapp.Credentials) whatsapp.Credentials { c.PhoneNumberID = "999"; return c },
			wantCode: 100, wantClass: whatsapp.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, c, creds := newTestClient(t)
			sim.SetFaults(testPhoneID, tt.faults)
			if tt.creds != nil {
				creds = tt.creds(creds)
			}
			_, err := c.Send(context.Background(), creds, textMessage("hi"))
			var apiErr *whatsapp.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if apiErr.Code != tt.wantCode {
				t.Errorf("code = %d, want %d (%v)", apiErr.Code, tt.wantCode, err)
			}
			if got := apiErr.Class(); got != tt.wantClass {
				t.Errorf("Class = %v, want %v", got, tt.wantClass)
			}
		})
	}
}

func TestOutsideWindowStillAllowsTemplates(t *testing.T) {
	sim, c, creds := newTestClient(t)
	sim.SetFaults(testPhoneID, whatsapptest.Faults{OutsideWindow: true})
	_, err := c.Send(context.Background(), creds, validMessages()["template"])
	if err != nil {
		t.Fatalf("template outside the window: %v", err)
	}
}

func TestDroppedConnectionIsRetryableTransportError(t *testing.T) {
	sim, c, creds := newTestClient(t)
	sim.SetFaults(testPhoneID, whatsapptest.Faults{DropConnections: 1})
	_, err := c.Send(context.Background(), creds, textMessage("hi"))
	var te *whatsapp.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v, want a *TransportError", err)
	}
	if got := whatsapp.Classify(err); got != whatsapp.Retryable {
		t.Errorf("Classify = %v, want retryable", got)
	}
	if strings.Contains(err.Error(), sim.URL) {
		t.Errorf("error %q quotes the request URL", err)
	}
}

// TestErrorsNeverContainSecrets: the token exchange carries the app secret
// and the short token in its query string.
func TestErrorsNeverContainSecrets(t *testing.T) {
	const secret, short = "s3cr3t-app", "EAAshort-secret"
	sim, c, _ := newTestClient(t)
	sim.AddApp("42", "another-secret")
	_, err := c.ExchangeToken(context.Background(), "v21.0", "42", secret, short)
	if err == nil {
		t.Fatal("exchange with a wrong secret succeeded")
	}
	// And when the connection drops, net/http's error would quote the URL.
	dead := whatsapp.NewClient(nil, "http://127.0.0.1:1")
	_, err2 := dead.ExchangeToken(context.Background(), "v21.0", "42", secret, short)
	for _, e := range []error{err, err2} {
		if e == nil {
			t.Fatal("want an error")
		}
		if s := e.Error(); strings.Contains(s, secret) || strings.Contains(s, short) {
			t.Errorf("error %q contains a secret", s)
		}
	}
}

// TestEchoedTokenIsRedacted guards against a server quoting the token back.
func TestEchoedTokenIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		_, _ = w.Write([]byte(`{"error":{"message":"bad token ` + tok + `","type":"OAuthException","code":190}}`))
	}))
	defer srv.Close()
	c := whatsapp.NewClient(srv.Client(), srv.URL)
	_, err := c.Send(context.Background(), whatsapp.Credentials{PhoneNumberID: "1", AccessToken: "EAAleak"}, textMessage("x"))
	if err == nil || strings.Contains(err.Error(), "EAAleak") {
		t.Errorf("error = %v, want the token redacted", err)
	}
}
