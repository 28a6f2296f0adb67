package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIError is an error answer from the Graph API. Read it with errors.As.
// Decisions are made on Code (and Details), never on the HTTP status or the
// message text: Meta recommends building logic on code and details
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
type APIError struct {
	Op          string // what we were doing, e.g. "send message"
	HTTPStatus  int
	Message     string // e.g. "(#131009) Parameter value is not valid"
	Type        string // e.g. "OAuthException"
	Code        int
	Subcode     int    // error_subcode; deprecated by Meta but still sent
	Details     string // error_data.details
	FBTraceID   string
	IsTransient bool
	UserTitle   string // error_user_title
	UserMessage string // error_user_msg
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "whatsapp: %s: ", e.Op)
	if e.Code == 0 && e.Type == "" {
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "graph error %d", e.Code)
	if e.Subcode != 0 {
		fmt.Fprintf(&b, "/%d", e.Subcode)
	}
	b.WriteString(": " + e.Message)
	if e.Details != "" {
		b.WriteString(": " + e.Details)
	}
	fmt.Fprintf(&b, " (HTTP %d", e.HTTPStatus)
	if e.FBTraceID != "" {
		b.WriteString(", fbtrace_id " + e.FBTraceID)
	}
	b.WriteString(")")
	return b.String()
}

// Class tells a caller what to do about an error.
type Class int

const (
	// Permanent: sending the same request again will fail again.
	Permanent Class = iota
	// Retryable: throttling, temporary unavailability, 5xx, transport errors.
	Retryable
	// Auth: the access token is invalid or expired and must be renewed.
	Auth
	// OutsideWindow: the 24-hour customer service window is closed; only a
	// template can be sent.
	OutsideWindow
)

func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case Auth:
		return "auth"
	case OutsideWindow:
		return "outside_window"
	default:
		return "permanent"
	}
}

// isRetryableCode lists codes worth retrying later; see the error-codes page
// above and https://developers.facebook.com/docs/graph-api/guides/error-handling
// for 2, 4 and 17.
func isRetryableCode(code int) bool {
	switch code {
	case 2, // temporary downtime or overload
		4,      // application request limit
		17,     // user request limit
		80007,  // WABA rate limit
		130429, // Cloud API throughput reached
		131000, // something went wrong (unknown)
		131016, // service temporarily unavailable
		131056, // pair rate limit: same recipient too often
		131057, // account in maintenance mode
		133004: // server temporarily unavailable
		return true
	}
	return false
}

// Class classifies the error.
func (e *APIError) Class() Class {
	if e.Code == 0 && e.Type == "" {
		// No Graph error body (e.g. the media CDN): use the HTTP status.
		switch {
		case e.HTTPStatus == http.StatusUnauthorized:
			return Auth
		case e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus >= 500:
			return Retryable
		}
		return Permanent
	}
	switch {
	case isRetryableCode(e.Code):
		return Retryable
	// 0 is "AuthException", 190 an invalid or expired token (subcodes 460,
	// 463, …), 104 a missing token.
	case e.Code == 0, e.Code == 190, e.Code == 104:
		return Auth
	// 131047 is Cloud API's re-engagement error; 470 is the On-Premises
	// API's code for the same window.
	case e.Code == 131047, e.Code == 470:
		return OutsideWindow
	case e.HTTPStatus >= 500:
		return Retryable
	}
	return Permanent
}

// Classify classifies any error returned by this package. Transport errors
// are retryable; context cancellation, validation errors and unknown errors
// are permanent.
func Classify(err error) Class {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Class()
	}
	var te *TransportError
	if errors.As(err, &te) {
		return Retryable
	}
	return Permanent
}

// graphErrorBody is Graph's error envelope.
type graphErrorBody struct {
	Error *struct {
		Message     string          `json:"message"`
		Type        string          `json:"type"`
		Code        int             `json:"code"`
		Subcode     int             `json:"error_subcode"`
		ErrorData   json.RawMessage `json:"error_data"`
		FBTraceID   string          `json:"fbtrace_id"`
		IsTransient bool            `json:"is_transient"`
		UserTitle   string          `json:"error_user_title"`
		UserMessage string          `json:"error_user_msg"`
	} `json:"error"`
}

// parseAPIError builds an APIError from a non-2xx response. Any secret that
// the server echoed back is redacted.
func parseAPIError(op string, resp *http.Response, body []byte, now time.Time, secrets ...string) *APIError {
	e := &APIError{
		Op:         op,
		HTTPStatus: resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	var g graphErrorBody
	if json.Unmarshal(body, &g) == nil && g.Error != nil {
		ge := g.Error
		e.Message, e.Type, e.Code, e.Subcode = ge.Message, ge.Type, ge.Code, ge.Subcode
		e.FBTraceID, e.IsTransient = ge.FBTraceID, ge.IsTransient
		e.UserTitle, e.UserMessage = ge.UserTitle, ge.UserMessage
		e.Details = errorDetails(ge.ErrorData)
	} else {
		e.Message = http.StatusText(resp.StatusCode)
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		e.Message = strings.ReplaceAll(e.Message, s, "[redacted]")
		e.Details = strings.ReplaceAll(e.Details, s, "[redacted]")
		e.UserMessage = strings.ReplaceAll(e.UserMessage, s, "[redacted]")
	}
	return e
}

// errorDetails reads error_data.details; Graph sometimes sends error_data as
// a JSON-encoded string instead of an object.
func errorDetails(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var obj struct {
		Details string `json:"details"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Details
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Unmarshal([]byte(s), &obj) == nil {
		return obj.Details
	}
	return ""
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
