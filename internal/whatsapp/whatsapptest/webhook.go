package whatsapptest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Webhook is where Meta posts events for an app: our callback URL and the
// app secret that signs each body.
type Webhook struct {
	URL       string
	AppSecret string // empty: post without X-Hub-Signature-256
}

// Delivery is one webhook POST: the exact bytes and signature sent and our
// endpoint's answer.
type Delivery struct {
	Body       []byte
	Signature  string // X-Hub-Signature-256 value
	StatusCode int
}

// Sign returns the X-Hub-Signature-256 value for body: "sha256=" and the
// lower-case hex HMAC-SHA256 of the exact bytes keyed with the app secret
// (https://developers.facebook.com/docs/graph-api/webhooks/getting-started).
func Sign(body []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// PostPayload signs and posts body verbatim, e.g. a fixture from testdata.
// A non-2xx answer is reported in Delivery.StatusCode, not as an error.
func (s *Simulator) PostPayload(ctx context.Context, hook Webhook, body []byte) (Delivery, error) {
	d := Delivery{Body: body}
	if hook.AppSecret != "" {
		d.Signature = Sign(body, hook.AppSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return d, fmt.Errorf("whatsapptest: webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	if d.Signature != "" {
		req.Header.Set("X-Hub-Signature-256", d.Signature)
	}
	start := time.Now()
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		s.logWebhook(hook, 0, time.Since(start), err.Error())
		return d, fmt.Errorf("whatsapptest: posting webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	d.StatusCode = resp.StatusCode
	s.logWebhook(hook, resp.StatusCode, time.Since(start), fmt.Sprintf("%d bytes", len(body)))
	return d, nil
}

// Redeliver posts an earlier delivery's bytes again, as Meta does when it
// retries or when several apps are subscribed.
func (s *Simulator) Redeliver(ctx context.Context, hook Webhook, d Delivery) (Delivery, error) {
	return s.PostPayload(ctx, hook, d.Body)
}

func (s *Simulator) logWebhook(hook Webhook, status int, d time.Duration, detail string) {
	if s.cfg.Log == nil {
		return
	}
	path := hook.URL
	if u, err := url.Parse(hook.URL); err == nil {
		path = u.Scheme + "://" + u.Host + u.Path // the query may hold a token
	}
	s.cfg.Log(LogEntry{Kind: KindWebhook, Method: http.MethodPost, Path: path, Status: status, Detail: detail, Duration: d})
}
