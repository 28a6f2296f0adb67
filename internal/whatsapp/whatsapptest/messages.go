package whatsapptest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxBody caps request bodies read by the simulator.
const maxBody = 4 << 20

// handleMessages serves POST /{version}/{phone}/messages: sends and read
// receipts share the endpoint.
func (s *Simulator) handleMessages(w http.ResponseWriter, r *http.Request) {
	phoneID := r.PathValue("phone")
	note(w, KindSend, phoneID)
	faults, ok := s.authorize(w, r, phoneID)
	if !ok {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return // the client went away
	}
	var req sendRequest
	if err := json.Unmarshal(body, &req); err != nil {
		s.fail(w, errInvalidParameter("Request body is not valid JSON: "+err.Error()))
		return
	}
	if e := checkMessagingProduct(req.MessagingProduct); e != nil {
		s.fail(w, e)
		return
	}
	if req.Status != "" {
		note(w, KindMarkRead, phoneID)
		s.markRead(w, r, phoneID, &req, body)
		return
	}
	if e := validateSend(&req); e != nil {
		s.fail(w, e)
		return
	}
	if faults.outsideWindow && req.Type != "template" {
		s.fail(w, errReengagement())
		return
	}
	s.accept(w, r, phoneID, &req, body)
}

func checkMessagingProduct(p *string) *graphError {
	switch {
	case p == nil || *p == "":
		return errParamRequired("messaging_product")
	case *p != "whatsapp":
		return errParamOneOf("messaging_product", "WHATSAPP", *p)
	}
	return nil
}

func (s *Simulator) accept(w http.ResponseWriter, r *http.Request, phoneID string, req *sendRequest, body []byte) {
	wamid := s.newWAMID()
	waID := digits(req.To)
	s.mu.Lock()
	s.sent[wamid] = sentMessage{phoneNumberID: phoneID, to: req.To, waID: waID, bizOpaque: req.BizOpaqueCallbackData}
	s.appendRecord(Request{
		Kind: KindSend, Method: r.Method, Path: r.URL.Path, PhoneNumberID: phoneID,
		To: req.To, Type: req.Type, WAMID: wamid, Body: body, At: s.cfg.Now(),
	})
	s.mu.Unlock()

	resp := sendResponse{MessagingProduct: "whatsapp"}
	resp.Contacts = append(resp.Contacts, sendContact{Input: req.To, WAID: waID})
	resp.Messages = append(resp.Messages, sendMessageID{ID: wamid})
	writeJSON(w, http.StatusOK, resp)
	noteDetail(w, fmt.Sprintf("to=%s type=%s wamid=%s", req.To, req.Type, wamid))
	if s.autoStatusHook().URL != "" {
		s.autoStatuses(wamid)
	}
}

func (s *Simulator) markRead(w http.ResponseWriter, r *http.Request, phoneID string, req *sendRequest, body []byte) {
	switch {
	case req.Status != "read":
		s.fail(w, errParamOneOf("status", "READ", req.Status))
		return
	case req.MessageID == "":
		s.fail(w, errParamRequired("message_id"))
		return
	case req.TypingIndicator != nil && req.TypingIndicator.Type != "text":
		s.fail(w, errParamOneOf("typing_indicator['type']", "TEXT", req.TypingIndicator.Type))
		return
	}
	s.record(Request{
		Kind: KindMarkRead, Method: r.Method, Path: r.URL.Path, PhoneNumberID: phoneID,
		WAMID: req.MessageID, Body: body, At: s.cfg.Now(),
	})
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	noteDetail(w, "message_id="+req.MessageID)
}

type sendResponse struct {
	MessagingProduct string          `json:"messaging_product"`
	Contacts         []sendContact   `json:"contacts"`
	Messages         []sendMessageID `json:"messages"`
}

type sendContact struct {
	Input string `json:"input"`
	WAID  string `json:"wa_id"`
}

type sendMessageID struct {
	ID string `json:"id"`
}

// digits turns "+1 (650) 555-1234" into "16505551234", as Meta does for wa_id.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
