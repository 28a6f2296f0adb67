package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// SendResult is Meta's acceptance of a message; delivery is reported later
// by status webhooks.
type SendResult struct {
	WAMID string // id of the sent message, "wamid.…"
	WAID  string // the recipient's WhatsApp id as Meta resolved it
	Input string // the "to" we sent
	// MessageStatus is only set for paced marketing templates: accepted,
	// held_for_quality_assessment or paused.
	MessageStatus string
}

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WAID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

var errNoCredentials = errors.New("whatsapp: credentials need a phone number id and an access token")

func (c Credentials) check() error {
	if c.PhoneNumberID == "" || c.AccessToken == "" {
		return errNoCredentials
	}
	return nil
}

// Send validates m, waits for the phone number's rate limiter and makes one
// attempt to send it. The outbox schedules its own retries with Backoff.
func (c *Client) Send(ctx context.Context, creds Credentials, m Message) (SendResult, error) {
	if m.MessagingProduct == "" {
		m.MessagingProduct = "whatsapp"
	}
	if err := Validate(m); err != nil {
		return SendResult{}, err
	}
	if err := creds.check(); err != nil {
		return SendResult{}, err
	}
	if err := c.limits.Wait(ctx, creds.PhoneNumberID); err != nil {
		return SendResult{}, fmt.Errorf("whatsapp: send message: waiting for rate limiter: %w", err)
	}
	body, err := jsonBody(m)
	if err != nil {
		return SendResult{}, fmt.Errorf("whatsapp: send message: encoding: %w", err)
	}
	var resp sendResponse
	err = c.do(ctx, call{
		op:          "send message",
		method:      http.MethodPost,
		url:         c.graphURL(creds.version(), creds.PhoneNumberID, "messages"),
		token:       creds.AccessToken,
		contentType: "application/json",
		body:        body,
	}, &resp)
	if err != nil {
		return SendResult{}, err
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return SendResult{}, errors.New("whatsapp: send message: response has no message id")
	}
	res := SendResult{WAMID: resp.Messages[0].ID, MessageStatus: resp.Messages[0].MessageStatus}
	if len(resp.Contacts) > 0 {
		res.Input, res.WAID = resp.Contacts[0].Input, resp.Contacts[0].WAID
	}
	return res, nil
}

// SendWithRetry is Send retried in-process on retryable errors with the
// client's BackoffPolicy, honouring Retry-After and ctx.
func (c *Client) SendWithRetry(ctx context.Context, creds Credentials, m Message) (SendResult, error) {
	var res SendResult
	err := c.backoff.Do(ctx, func(ctx context.Context) error {
		var err error
		res, err = c.Send(ctx, creds, m)
		return err
	})
	return res, err
}

// readReceipt is the body that marks an inbound message as read, optionally
// showing a typing indicator
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/typing-indicators).
type readReceipt struct {
	MessagingProduct string           `json:"messaging_product"`
	Status           string           `json:"status"`
	MessageID        string           `json:"message_id"`
	TypingIndicator  *typingIndicator `json:"typing_indicator,omitempty"`
}

type typingIndicator struct {
	Type string `json:"type"`
}

// MarkRead marks the inbound message wamid (and earlier ones) as read.
func (c *Client) MarkRead(ctx context.Context, creds Credentials, wamid string) error {
	return c.markRead(ctx, creds, readReceipt{MessagingProduct: "whatsapp", Status: "read", MessageID: wamid})
}

// ShowTyping marks wamid as read and shows a typing indicator until the
// next reply or for up to 25 seconds.
func (c *Client) ShowTyping(ctx context.Context, creds Credentials, wamid string) error {
	return c.markRead(ctx, creds, readReceipt{
		MessagingProduct: "whatsapp", Status: "read", MessageID: wamid,
		TypingIndicator: &typingIndicator{Type: "text"},
	})
}

func (c *Client) markRead(ctx context.Context, creds Credentials, r readReceipt) error {
	if r.MessageID == "" {
		return &ValidationError{Field: "message_id", Reason: "required"}
	}
	if err := creds.check(); err != nil {
		return err
	}
	body, err := jsonBody(r)
	if err != nil {
		return err
	}
	var resp struct {
		Success bool `json:"success"`
	}
	err = c.do(ctx, call{
		op:          "mark as read",
		method:      http.MethodPost,
		url:         c.graphURL(creds.version(), creds.PhoneNumberID, "messages"),
		token:       creds.AccessToken,
		contentType: "application/json",
		body:        body,
	}, &resp)
	if err != nil {
		return err
	}
	if !resp.Success {
		return errors.New("whatsapp: mark as read: response is not success")
	}
	return nil
}
