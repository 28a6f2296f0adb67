package whatsapptest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// longLivedSeconds is the expires_in Meta's documentation shows for a
// long-lived token (about 60 days).
const longLivedSeconds = 5183944

// handleExchange serves GET /{version}/oauth/access_token with
// grant_type=fb_exchange_token.
func (s *Simulator) handleExchange(w http.ResponseWriter, r *http.Request) {
	note(w, KindTokenExchange, "")
	q := r.URL.Query()
	appID, secret, short := q.Get("client_id"), q.Get("client_secret"), q.Get("fb_exchange_token")
	switch {
	case q.Get("grant_type") != "fb_exchange_token":
		s.fail(w, errParamOneOf("grant_type", "FB_EXCHANGE_TOKEN", q.Get("grant_type")))
		return
	case appID == "":
		s.fail(w, errParamRequired("client_id"))
		return
	case short == "":
		s.fail(w, errParamRequired("fb_exchange_token"))
		return
	}
	if e := s.checkApp(appID, secret); e != nil {
		s.fail(w, e)
		return
	}
	if e := s.checkToken(short); e != nil {
		s.fail(w, e)
		return
	}
	token := "EAA" + randomHex(40)
	now := s.cfg.Now()
	s.AddToken(token, TokenSpec{
		AppID: appID, ExpiresAt: now.Add(longLivedSeconds * time.Second),
		Scopes: []string{"whatsapp_business_management", "whatsapp_business_messaging"},
	})
	s.record(Request{Kind: KindTokenExchange, Method: r.Method, Path: r.URL.Path, At: now})
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token, "token_type": "bearer", "expires_in": longLivedSeconds,
	})
	noteDetail(w, "app="+appID)
}

// checkApp validates an app id and secret: code 101 for an unknown app,
// code 1 "Error validating client secret." for a wrong secret.
func (s *Simulator) checkApp(appID, secret string) *graphError {
	s.mu.Lock()
	want, ok := s.apps[appID]
	s.mu.Unlock()
	switch {
	case !ok && s.cfg.Permissive && secret != "":
		return nil
	case !ok:
		return errApplication()
	case secret != want:
		return errClientSecret()
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type debugTokenData struct {
	AppID       string           `json:"app_id,omitempty"`
	Type        string           `json:"type,omitempty"`
	Application string           `json:"application,omitempty"`
	ExpiresAt   int64            `json:"expires_at"`
	IsValid     bool             `json:"is_valid"`
	IssuedAt    int64            `json:"issued_at,omitempty"`
	Scopes      []string         `json:"scopes"`
	UserID      string           `json:"user_id,omitempty"`
	Error       *debugTokenError `json:"error,omitempty"`
}

type debugTokenError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Subcode int    `json:"subcode,omitempty"`
}

// handleDebugToken serves GET /{version}/debug_token?input_token=…, called
// with an app token ("app-id|secret") or a valid token.
func (s *Simulator) handleDebugToken(w http.ResponseWriter, r *http.Request) {
	note(w, KindDebugToken, "")
	if e := s.checkCaller(bearer(r)); e != nil {
		s.fail(w, e)
		return
	}
	input := r.URL.Query().Get("input_token")
	if input == "" {
		s.fail(w, errParamRequired("input_token"))
		return
	}
	s.record(Request{Kind: KindDebugToken, Method: r.Method, Path: r.URL.Path, At: s.cfg.Now()})
	writeJSON(w, http.StatusOK, map[string]debugTokenData{"data": s.inspect(input)})
}

func (s *Simulator) checkCaller(token string) *graphError {
	if appID, secret, ok := strings.Cut(token, "|"); ok {
		return s.checkApp(appID, secret)
	}
	return s.checkToken(token)
}

func (s *Simulator) inspect(input string) debugTokenData {
	s.mu.Lock()
	t, ok := s.tokens[input]
	permissive := s.cfg.Permissive
	s.mu.Unlock()
	if !ok {
		if permissive {
			return debugTokenData{Type: "SYSTEM_USER", IsValid: true, Scopes: []string{"whatsapp_business_management", "whatsapp_business_messaging"}}
		}
		e := errInvalidToken()
		return debugTokenData{Scopes: []string{}, Error: &debugTokenError{Code: e.Code, Message: e.Message}}
	}
	d := debugTokenData{
		AppID: t.AppID, Type: t.Type, Application: "Simulated app", IsValid: true,
		IssuedAt: t.issuedAt.Unix(), Scopes: append([]string{}, t.Scopes...), UserID: "10000000000000",
	}
	if !t.ExpiresAt.IsZero() {
		d.ExpiresAt = t.ExpiresAt.Unix()
		if now := s.cfg.Now(); !now.Before(t.ExpiresAt) {
			e := errExpiredToken(t.ExpiresAt, now)
			d.IsValid = false
			d.Error = &debugTokenError{Code: e.Code, Message: e.Message, Subcode: e.Subcode}
		}
	}
	return d
}
