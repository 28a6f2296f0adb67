package whatsapptest

import (
	"net/http"
	"strings"
	"time"
)

// bearer reads the access token as Graph does: Authorization header first,
// then the access_token parameter.
func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
		if t, ok := strings.CutPrefix(h, "OAuth "); ok {
			return strings.TrimSpace(t)
		}
	}
	return r.URL.Query().Get("access_token")
}

// checkToken validates an access token: missing → 104, unknown → 190,
// expired → 190/463. Permissive mode accepts unknown non-empty tokens.
func (s *Simulator) checkToken(token string) *graphError {
	if token == "" {
		return errNoToken()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[token]
	now := s.cfg.Now()
	switch {
	case !ok && s.cfg.Permissive:
		return nil
	case !ok:
		return errInvalidToken()
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return errExpiredToken(t.ExpiresAt, now)
	}
	return nil
}

// authorize runs the checks every phone-number endpoint shares, in Meta's
// order: injected latency and dropped connections, the token, the phone
// number, then injected errors. It reports whether the request may proceed
// (otherwise the answer has been written) and the faults that still apply.
func (s *Simulator) authorize(w http.ResponseWriter, r *http.Request, phoneID string) (appliedFaults, bool) {
	f := s.takeFaults(phoneID)
	if f.latency > 0 && !sleep(r.Context(), f.latency) {
		return f, false
	}
	if f.drop {
		dropConnection(w)
		return f, false
	}
	if e := s.checkToken(bearer(r)); e != nil {
		s.fail(w, e)
		return f, false
	}
	if _, ok := s.phone(phoneID); !ok {
		s.fail(w, errObjectNotFound(strings.ToLower(r.Method), phoneID))
		return f, false
	}
	switch {
	case f.expiredToken:
		now := s.cfg.Now()
		s.fail(w, errExpiredToken(now.Add(-time.Hour), now))
	case f.throttle:
		s.fail(w, errThrottled(f.retryAfter))
	case f.serverError:
		s.fail(w, errServer())
	default:
		return f, true
	}
	return f, false
}
