package webhook

import (
	"io"
	"net/http"

	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/internal/tenant"
)

// maxChallengeLen bounds the echoed challenge; Meta's is a short integer.
const maxChallengeLen = 256

// verify answers Meta's subscription handshake: with the bare challenge
// when the mode is "subscribe" and the verify token is the integration's,
// else 403 without echoing anything.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	info, ok := h.integrationOf(w, r)
	if !ok {
		return
	}
	// Go keeps the dots in query names (PHP would turn them into "_").
	q := r.URL.Query()
	mode, token, challenge := q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge")
	if mode != "subscribe" || !equalSecret([]byte(token), info.verifyToken) || len(challenge) > maxChallengeLen {
		reason := "wrong verify token"
		if mode != "subscribe" {
			reason = "hub.mode is not subscribe"
		}
		h.errs.record(r.Context(), info, integrationerror.KindVERIFICATION_FAILED,
			"Meta's webhook verification failed: "+reason, map[string]any{"reason": reason})
		h.fail(w, r, http.StatusForbidden)
		return
	}
	// Diagnostics show when Meta last verified the webhook. Verifications
	// are rare (Meta sends one when the callback URL or token is saved),
	// so this write costs nothing; a failed write must not fail Meta.
	err := h.client.Integration.UpdateOneID(info.ID).SetWebhookVerifiedAt(h.now()).Exec(tenant.AsSystem(r.Context()))
	if err != nil {
		h.log.WarnContext(r.Context(), "recording the webhook verification", "integration", info.ID, "err", err)
	}
	h.count(r, http.StatusOK)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, challenge)
}
