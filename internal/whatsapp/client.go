package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// DefaultBaseURL is Meta's Graph API host.
const DefaultBaseURL = "https://graph.facebook.com"

// DefaultAPIVersion is used when Credentials.APIVersion is empty.
const DefaultAPIVersion = "v21.0"

// APIVersionPattern is the shape of a Graph API version, e.g. v21.0: the
// schema and the management API both check stored versions against it.
var APIVersionPattern = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)

// maxResponseBytes caps JSON responses we read; Graph answers are small, and
// an unbounded read would let a broken proxy exhaust memory.
const maxResponseBytes = 1 << 20

// Credentials identify the sending phone number and authorise one call.
// Its String and LogValue hide the token, so a stray %v or slog attribute
// never leaks it.
type Credentials struct {
	PhoneNumberID string
	AccessToken   string
	APIVersion    string // default DefaultAPIVersion
}

func (c Credentials) version() string {
	if c.APIVersion == "" {
		return DefaultAPIVersion
	}
	return c.APIVersion
}

// String describes the credentials without the token.
func (c Credentials) String() string {
	return fmt.Sprintf("{PhoneNumberID:%s APIVersion:%s AccessToken:[redacted]}", c.PhoneNumberID, c.version())
}

// GoString keeps %#v from printing the token.
func (c Credentials) GoString() string { return "whatsapp.Credentials" + c.String() }

// LogValue keeps slog from printing the token.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("phone_number_id", c.PhoneNumberID), slog.String("api_version", c.version()))
}

// Client calls the WhatsApp Cloud API (Meta Graph API). It is safe for
// concurrent use; one Client serves every integration, each call carrying its
// own Credentials.
type Client struct {
	http    *http.Client
	baseURL string
	limits  *Limiter
	backoff BackoffPolicy
	now     func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithRateLimit sets the default per-phone-number send rate (messages per
// second) and burst for numbers without their own limit.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *Client) { c.limits = NewLimiter(perSecond, burst) }
}

// WithBackoff sets the retry policy used by SendWithRetry.
func WithBackoff(p BackoffPolicy) Option {
	return func(c *Client) { c.backoff = p }
}

// WithClock replaces time.Now, for token expiry computations in tests.
func WithClock(now func() time.Time) Option {
	return func(c *Client) { c.now = now }
}

// NewClient returns a Client talking to baseURL (DefaultBaseURL when empty).
// A nil httpClient gets a default one with a timeout and enough idle
// connections per host to keep them reused at 80 messages per second.
func NewClient(httpClient *http.Client, baseURL string, opts ...Option) *Client {
	if httpClient == nil {
		httpClient = defaultHTTPClient()
	}
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	c := &Client{
		http:    httpClient,
		baseURL: strings.TrimRight(baseURL, "/"),
		limits:  NewLimiter(DefaultMessagesPerSecond, DefaultBurst),
		backoff: DefaultBackoffPolicy(),
		now:     time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// The default of 2 idle connections per host forces new TLS handshakes
	// as soon as more than two sends are in flight.
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// SetRateLimit gives one phone number its own send rate, e.g. 1000/s after
// Meta's throughput upgrade or 20/s for coexistence numbers
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput).
func (c *Client) SetRateLimit(phoneNumberID string, perSecond float64, burst int) {
	c.limits.Set(phoneNumberID, perSecond, burst)
}

// graphURL joins the base URL, version and path segments.
func (c *Client) graphURL(version string, segments ...string) string {
	var b strings.Builder
	b.WriteString(c.baseURL)
	b.WriteByte('/')
	b.WriteString(version)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// call is one Graph request: op names it in errors, secrets are redacted
// from any error text, and the JSON answer is decoded into out.
type call struct {
	op          string
	method      string
	url         string
	token       string
	contentType string
	body        io.Reader
	secrets     []string
}

func (c *Client) do(ctx context.Context, cl call, out any) error {
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.url, cl.body)
	if err != nil {
		// NewRequest errors quote the URL, which may hold a secret.
		return fmt.Errorf("whatsapp: %s: building request failed", cl.op)
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return transportError(ctx, cl.op, err)
	}
	defer closeBody(resp.Body)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return transportError(ctx, cl.op, err)
	}
	if resp.StatusCode/100 != 2 {
		return parseAPIError(cl.op, resp, body, c.now(), append(cl.secrets, cl.token)...)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("whatsapp: %s: decoding response: %w", cl.op, err)
	}
	return nil
}

// closeBody drains a little of the body before closing so the connection
// goes back to the pool.
func closeBody(rc io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, 64<<10))
	_ = rc.Close()
}

// transportError strips the request URL from net/http's error (the token
// exchange carries the app secret in its query string).
func transportError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("whatsapp: %s: %w", op, ctxErr)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &TransportError{Op: op, Err: err}
}

// TransportError is a failure to reach Meta or to read its answer (dropped
// connection, timeout, DNS). It is retryable; note that a send may still
// have been accepted when the connection dropped after the request went out.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string { return "whatsapp: " + e.Op + ": " + e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

func jsonBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}
