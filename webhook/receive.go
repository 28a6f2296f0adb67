package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/intalos/integrations/ent/integrationerror"
)

// receive handles one event POST: read the body with a cap, check the
// signature over the exact bytes, parse, route each change to its
// integration, and answer 200 once all of it is committed.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { h.metrics.ackSeconds.Observe(time.Since(start).Seconds()) }()
	info, ok := h.integrationOf(w, r)
	if !ok {
		return
	}
	if r.ContentLength > h.maxBody {
		h.fail(w, r, http.StatusRequestEntityTooLarge)
		return
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, h.maxBody), r.ContentLength)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.fail(w, r, http.StatusRequestEntityTooLarge)
			return
		}
		h.fail(w, r, http.StatusBadRequest)
		return
	}
	if !validSignature(r.Header.Get(signatureHeader), body, info.appSecret) {
		h.refuseSignature(r, info)
		h.fail(w, r, http.StatusUnauthorized)
		return
	}
	p, err := ParsePayload(body)
	if err != nil {
		h.log.WarnContext(r.Context(), "webhook body is not a payload", "integration_id", info.ID, "err", err)
		h.fail(w, r, http.StatusBadRequest)
		return
	}
	for _, s := range p.Skipped {
		h.log.WarnContext(r.Context(), "webhook: skipped part of a payload", "integration_id", info.ID, "reason", s)
	}
	changes, err := h.route(r.Context(), info, p)
	if err != nil {
		h.log.ErrorContext(r.Context(), "routing webhook changes", "integration_id", info.ID, "err", err)
		h.fail(w, r, http.StatusInternalServerError)
		return
	}
	if len(changes) > 0 {
		if err := h.commits.submit(newJob(changes)); err != nil {
			h.fail(w, r, http.StatusInternalServerError)
			return
		}
	}
	h.count(r, http.StatusOK)
	w.WriteHeader(http.StatusOK)
}

// readBody reads the whole body into one allocation when its length is
// announced (Meta's is), instead of the doubling growth of io.ReadAll.
func readBody(body io.Reader, contentLength int64) ([]byte, error) {
	if contentLength <= 0 {
		return io.ReadAll(body)
	}
	buf := bytes.NewBuffer(make([]byte, 0, contentLength+bytes.MinRead))
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
}

func (h *Handler) refuseSignature(r *http.Request, info *integrationInfo) {
	h.metrics.signatureFailures.Inc()
	reason := "wrong signature"
	if r.Header.Get(signatureHeader) == "" {
		reason = "missing signature"
	}
	h.log.WarnContext(r.Context(), "webhook signature refused", "integration_id", info.ID, "reason", reason)
	h.errs.record(r.Context(), info, integrationerror.KindSIGNATURE_INVALID,
		"a webhook POST was refused: "+reason, map[string]any{"reason": reason})
}

// route assigns each change to the integration of its phone number: the
// URL's own, or another number of the same app (Meta posts all numbers of
// an app to one URL). Changes for unknown numbers or other apps are
// skipped; changes for inactive integrations are acknowledged unstored.
func (h *Handler) route(ctx context.Context, signer *integrationInfo, p *Payload) ([]routed, error) {
	var out []routed
	for i := range p.Changes {
		c := &p.Changes[i]
		h.countReceived(c)
		target := signer
		if c.PhoneNumberID != "" && c.PhoneNumberID != signer.PhoneNumberID {
			other, err := h.dir.byPhoneNumberID(ctx, c.PhoneNumberID)
			if err != nil {
				return nil, err
			}
			if other == nil || !signer.sameApp(other) {
				h.metrics.unroutable.Inc()
				h.log.WarnContext(ctx, "webhook change for a phone number of no integration of this app",
					"integration_id", signer.ID, "phone_number_id", c.PhoneNumberID, "field", c.Field)
				continue
			}
			target = other
		}
		if !target.Active {
			h.metrics.inactiveDrops.Inc()
			continue
		}
		out = append(out, routed{info: target, change: c})
	}
	return out, nil
}

func (h *Handler) countReceived(c *Change) {
	if c.Field != messagesField {
		h.metrics.received.WithLabelValues("event").Inc()
		return
	}
	h.metrics.received.WithLabelValues("message").Add(float64(len(c.Messages)))
	h.metrics.received.WithLabelValues("status").Add(float64(len(c.Statuses)))
	h.metrics.received.WithLabelValues("error").Add(float64(len(c.Errors)))
}
