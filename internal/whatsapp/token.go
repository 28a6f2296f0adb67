package whatsapp

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Token is an access token and when it expires; a zero ExpiresAt means it
// does not expire (system-user tokens can be issued without expiry).
type Token struct {
	AccessToken string
	TokenType   string
	ExpiresAt   time.Time
}

// String hides the token.
func (t Token) String() string {
	return fmt.Sprintf("{TokenType:%s ExpiresAt:%s AccessToken:[redacted]}", t.TokenType, t.ExpiresAt.Format(time.RFC3339))
}

// GoString keeps %#v from printing the token.
func (t Token) GoString() string { return "whatsapp.Token" + t.String() }

// ExchangeToken trades a short-lived user token for a long-lived one
// (about 60 days) with GET /{version}/oauth/access_token
// (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
// Meta wants the app secret in the query string, so errors never quote the
// request URL.
func (c *Client) ExchangeToken(ctx context.Context, version, appID, appSecret, shortToken string) (Token, error) {
	if version == "" {
		version = DefaultAPIVersion
	}
	if appID == "" || appSecret == "" || shortToken == "" {
		return Token{}, fmt.Errorf("whatsapp: exchange token: app id, app secret and token are required")
	}
	q := url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {appID},
		"client_secret":     {appSecret},
		"fb_exchange_token": {shortToken},
	}
	var resp struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	start := c.now()
	err := c.do(ctx, call{
		op:      "exchange token",
		method:  http.MethodGet,
		url:     c.graphURL(version, "oauth", "access_token") + "?" + q.Encode(),
		secrets: []string{appSecret, shortToken},
	}, &resp)
	if err != nil {
		return Token{}, err
	}
	if resp.AccessToken == "" {
		return Token{}, fmt.Errorf("whatsapp: exchange token: response has no access token")
	}
	t := Token{AccessToken: resp.AccessToken, TokenType: resp.TokenType}
	if resp.ExpiresIn > 0 {
		t.ExpiresAt = start.Add(time.Duration(resp.ExpiresIn) * time.Second)
	}
	return t, nil
}

// TokenInfo is what GET /debug_token says about a token
// (https://developers.facebook.com/docs/graph-api/reference/debug_token).
// Zero times mean Meta reported 0 or nothing, which it uses for tokens that
// do not expire (widely relied on, but not stated on that page).
type TokenInfo struct {
	AppID               string
	Type                string // USER, SYSTEM_USER, APP, PAGE
	Application         string
	UserID              string
	IsValid             bool
	IssuedAt            time.Time
	ExpiresAt           time.Time
	DataAccessExpiresAt time.Time
	Scopes              []string
	// Error explains why IsValid is false, when Meta says.
	Error *TokenError
}

// TokenError is debug_token's reason for an invalid token.
type TokenError struct {
	Code    int
	Subcode int
	Message string
}

// DebugToken inspects inputToken. accessToken is an app token
// ("app-id|app-secret") or a valid token of the same app; it travels in the
// Authorization header to keep it out of URLs.
func (c *Client) DebugToken(ctx context.Context, version, inputToken, accessToken string) (TokenInfo, error) {
	if version == "" {
		version = DefaultAPIVersion
	}
	if inputToken == "" || accessToken == "" {
		return TokenInfo{}, fmt.Errorf("whatsapp: debug token: input token and access token are required")
	}
	var resp struct {
		Data struct {
			AppID               string   `json:"app_id"`
			Type                string   `json:"type"`
			Application         string   `json:"application"`
			UserID              string   `json:"user_id"`
			IsValid             bool     `json:"is_valid"`
			IssuedAt            int64    `json:"issued_at"`
			ExpiresAt           int64    `json:"expires_at"`
			DataAccessExpiresAt int64    `json:"data_access_expires_at"`
			Scopes              []string `json:"scopes"`
			Error               *struct {
				Code    int    `json:"code"`
				Subcode int    `json:"subcode"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"data"`
	}
	err := c.do(ctx, call{
		op:      "debug token",
		method:  http.MethodGet,
		url:     c.graphURL(version, "debug_token") + "?input_token=" + url.QueryEscape(inputToken),
		token:   accessToken,
		secrets: []string{inputToken},
	}, &resp)
	if err != nil {
		return TokenInfo{}, err
	}
	d := resp.Data
	info := TokenInfo{
		AppID: d.AppID, Type: d.Type, Application: d.Application, UserID: d.UserID,
		IsValid: d.IsValid, Scopes: d.Scopes,
		IssuedAt: unixOrZero(d.IssuedAt), ExpiresAt: unixOrZero(d.ExpiresAt),
		DataAccessExpiresAt: unixOrZero(d.DataAccessExpiresAt),
	}
	if d.Error != nil {
		info.Error = &TokenError{Code: d.Error.Code, Subcode: d.Error.Subcode, Message: d.Error.Message}
	}
	return info, nil
}

func unixOrZero(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}
