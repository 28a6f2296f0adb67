package whatsapptest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Status values of value.statuses[].status.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// StatusError is an error in a failed status (or on an unsupported inbound
// message).
type StatusError struct {
	Code    int
	Title   string
	Message string
	Details string
	Href    string
}

// MarshalJSON writes Meta's shape, error_data.details nested.
func (e StatusError) MarshalJSON() ([]byte, error) {
	out := map[string]any{"code": e.Code, "title": e.Title}
	if e.Message != "" {
		out["message"] = e.Message
	}
	if e.Details != "" {
		out["error_data"] = map[string]string{"details": e.Details}
	}
	if e.Href != "" {
		out["href"] = e.Href
	}
	return json.Marshal(out)
}

// ReengagementError is the 131047 error of a message sent outside the
// 24-hour window, as Meta reports it in a failed status.
func ReengagementError() StatusError {
	return StatusError{
		Code: 131047, Title: "Re-engagement message", Message: "Re-engagement message",
		Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
		Href:    "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
	}
}

type statusItem struct {
	ID                    string        `json:"id"`
	Status                string        `json:"status"`
	Timestamp             string        `json:"timestamp"`
	RecipientID           string        `json:"recipient_id"`
	BizOpaqueCallbackData string        `json:"biz_opaque_callback_data,omitempty"`
	Pricing               *pricing      `json:"pricing,omitempty"`
	Errors                []StatusError `json:"errors,omitempty"`
}

// pricing is the per-message pricing object of v24+ (no conversation
// object outside free entry points).
type pricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Type         string `json:"type"`
	Category     string `json:"category"`
}

// PostStatus posts one status update for a message the simulator accepted.
func (s *Simulator) PostStatus(ctx context.Context, hook Webhook, wamid, status string, errs ...StatusError) (Delivery, error) {
	s.mu.Lock()
	m, ok := s.sent[wamid]
	s.mu.Unlock()
	if !ok {
		return Delivery{}, fmt.Errorf("whatsapptest: no accepted message %q", wamid)
	}
	p, _ := s.phone(m.phoneNumberID)
	item := statusItem{
		ID: wamid, Status: status, RecipientID: m.waID, BizOpaqueCallbackData: m.bizOpaque,
		Timestamp: strconv.FormatInt(s.cfg.Now().Unix(), 10), Errors: errs,
	}
	if status == StatusSent || status == StatusDelivered {
		item.Pricing = &pricing{PricingModel: "PMP", Type: "free_customer_service", Category: "service"}
	}
	body, err := s.envelope(p, value{Statuses: []statusItem{item}})
	if err != nil {
		return Delivery{}, err
	}
	return s.PostPayload(ctx, hook, body)
}

// PostStatuses posts sent, delivered and read for wamid, in that order.
func (s *Simulator) PostStatuses(ctx context.Context, hook Webhook, wamid string) ([]Delivery, error) {
	var out []Delivery
	for _, st := range []string{StatusSent, StatusDelivered, StatusRead} {
		d, err := s.PostStatus(ctx, hook, wamid, st)
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PostFailed posts a failed status for wamid with e.
func (s *Simulator) PostFailed(ctx context.Context, hook Webhook, wamid string, e StatusError) (Delivery, error) {
	return s.PostStatus(ctx, hook, wamid, StatusFailed, e)
}

// autoStatuses posts sent, delivered and read to the auto-status webhook in
// the background. Like Meta, it redelivers a status until the webhook
// acknowledges it with 200 (Meta keeps trying for up to 7 days:
// https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/overview),
// so a receiver that was down when a message was accepted still learns of it.
func (s *Simulator) autoStatuses(wamid string) {
	hook := s.autoStatusHook()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for _, st := range []string{StatusSent, StatusDelivered, StatusRead} {
			if !sleep(s.ctx, s.cfg.AutoStatusDelay) {
				return
			}
			for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, 2*time.Second) {
				d, err := s.PostStatus(s.ctx, hook, wamid, st)
				if err == nil && d.StatusCode == http.StatusOK {
					break
				}
				if !sleep(s.ctx, backoff) {
					return
				}
			}
		}
	}()
}

// SetAutoStatus points automatic status webhooks at hook (an empty URL
// turns them off), as subscribing an app's webhook in Meta's dashboard does.
func (s *Simulator) SetAutoStatus(hook Webhook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.AutoStatus = hook
}

func (s *Simulator) autoStatusHook() Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.AutoStatus
}
