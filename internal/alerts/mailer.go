package alerts

import (
	"context"
	"errors"
)

// Email is one plain-text message to send.
type Email struct {
	To      []string
	Subject string
	Text    string
}

// Mailer delivers emails. Implementations return an error wrapping
// ErrRejected when the server refused the message for good (e.g. an
// unknown recipient): retrying it would never succeed.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// ErrRejected marks a permanent refusal of one message.
var ErrRejected = errors.New("alerts: message rejected by the mail server")

// ErrNoMailer is returned by SendTest when no SMTP server is configured.
var ErrNoMailer = errors.New("alerts: email is not configured (SMTP_URL is empty)")

// ErrNoAddress is returned by SendTest for an integration without an
// alert address.
var ErrNoAddress = errors.New("alerts: the integration has no alert email address")
