package integrations

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp"
)

// CreateInput is a new WhatsApp integration.
type CreateInput struct {
	Fields
	// BotID, when set, must name a published bot of the account.
	BotID *int
}

// Create validates the input, exchanges the short-lived token for a
// long-lived one and only then stores the integration, inactive.
func (s *Service) Create(ctx context.Context, db DB, in CreateInput) (*ent.Integration, error) {
	if err := in.check(true); err != nil {
		return nil, err
	}
	set := in.Settings
	if err := checkCombined(deref(set.AlertsEnabled, false), deref(set.AlertEmail, ""), deref(set.TemplateName, ""), deref(set.TemplateLanguage, "")); err != nil {
		return nil, err
	}
	if in.BotID != nil {
		if err := s.checkPublished(ctx, db.Read(ctx), *in.BotID, "botId"); err != nil {
			return nil, err
		}
	}
	fingerprint := s.box.Fingerprint(*in.VerifyToken, secrets.VerifyToken)
	if err := s.checkUnique(ctx, db.Read(ctx), 0, *in.PhoneNumberID, fingerprint); err != nil {
		return nil, err
	}
	version := deref(in.APIVersion, DefaultAPIVersion)
	token, err := s.exchange(ctx, version, *in.AppID, *in.AppSecret, *in.AccessToken)
	if err != nil {
		return nil, err
	}
	sealed, err := s.seal(map[string]string{
		secrets.AppSecret: *in.AppSecret, secrets.AccessToken: token.AccessToken, secrets.VerifyToken: *in.VerifyToken,
	})
	if err != nil {
		return nil, err
	}
	key, err := newWebhookKey()
	if err != nil {
		return nil, err
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	c := w.Integration.Create().
		SetNillableName(in.Name).
		SetNillableBotID(in.BotID).
		SetBusinessAccountID(*in.BusinessAccountID).
		SetPhoneNumberID(*in.PhoneNumberID).
		SetAppID(*in.AppID).
		SetAppSecretSealed(sealed[secrets.AppSecret]).
		SetAccessTokenSealed(sealed[secrets.AccessToken]).
		SetNillableAccessTokenExpiresAt(expiry(token)).
		SetVerifyTokenSealed(sealed[secrets.VerifyToken]).
		SetVerifyTokenFingerprint(fingerprint).
		SetAPIVersion(version).
		SetWebhookKey(key).
		SetActive(false)
	m := c.Mutation()
	if v := set.AlertsEnabled; v != nil {
		m.SetAlertsEnabled(*v)
	}
	if v := set.AlertEmail; v != nil {
		m.SetAlertEmail(*v)
	}
	if set.SetConversationExpiry && set.ConversationExpiry != nil {
		m.SetConversationExpiry(*set.ConversationExpiry)
	}
	if v := set.TemplateName; v != nil {
		m.SetTemplateName(*v)
	}
	if v := set.TemplateLanguage; v != nil {
		m.SetTemplateLanguage(*v)
	}
	if v := set.TriggerRecipients; v != nil {
		m.SetTriggerRecipients(*v)
	}
	if v := set.MessagesPerSecond; v != nil {
		m.SetMessagesPerSecond(*v)
	}
	return c.Save(ctx)
}

// Update changes the given fields. A new access token is exchanged, and new
// app credentials are checked with Meta, before anything is saved.
func (s *Service) Update(ctx context.Context, db DB, id int, in Fields) (*ent.Integration, error) {
	if err := in.check(false); err != nil {
		return nil, err
	}
	cur, err := db.Read(ctx).Integration.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	set := in.Settings
	if err := checkCombined(deref(set.AlertsEnabled, cur.AlertsEnabled), deref(set.AlertEmail, cur.AlertEmail),
		deref(set.TemplateName, cur.TemplateName), deref(set.TemplateLanguage, cur.TemplateLanguage)); err != nil {
		return nil, err
	}
	var fingerprint string
	if in.VerifyToken != nil {
		fingerprint = s.box.Fingerprint(*in.VerifyToken, secrets.VerifyToken)
	}
	if err := s.checkUnique(ctx, db.Read(ctx), id, deref(in.PhoneNumberID, ""), fingerprint); err != nil {
		return nil, err
	}

	version := deref(in.APIVersion, cur.APIVersion)
	appID := deref(in.AppID, cur.AppID)
	appSecret := deref(in.AppSecret, "")
	if appSecret == "" && (in.AccessToken != nil || in.AppID != nil) {
		if appSecret, err = s.box.Open(cur.AppSecretSealed, secrets.AppSecret); err != nil {
			return nil, fmt.Errorf("opening app secret of integration %d: %w", id, err)
		}
	}
	var token *whatsapp.Token
	switch {
	case in.AccessToken != nil:
		t, err := s.exchange(ctx, version, appID, appSecret, *in.AccessToken)
		if err != nil {
			return nil, err
		}
		token = &t
	case in.AppID != nil || in.AppSecret != nil:
		if err := s.checkApp(ctx, cur, version, appID, appSecret); err != nil {
			return nil, err
		}
	}

	plain := map[string]string{}
	if in.AppSecret != nil {
		plain[secrets.AppSecret] = *in.AppSecret
	}
	if token != nil {
		plain[secrets.AccessToken] = token.AccessToken
	}
	if in.VerifyToken != nil {
		plain[secrets.VerifyToken] = *in.VerifyToken
	}
	sealed, err := s.seal(plain)
	if err != nil {
		return nil, err
	}

	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	u := w.Integration.UpdateOneID(id).
		SetNillableName(in.Name).
		SetNillableBusinessAccountID(in.BusinessAccountID).
		SetNillablePhoneNumberID(in.PhoneNumberID).
		SetNillableAppID(in.AppID).
		SetNillableAPIVersion(in.APIVersion).
		SetNillableAlertsEnabled(set.AlertsEnabled).
		SetNillableAlertEmail(set.AlertEmail).
		SetNillableTemplateName(set.TemplateName).
		SetNillableTemplateLanguage(set.TemplateLanguage).
		SetNillableMessagesPerSecond(set.MessagesPerSecond)
	if v, ok := sealed[secrets.AppSecret]; ok {
		u.SetAppSecretSealed(v)
	}
	if v, ok := sealed[secrets.AccessToken]; ok {
		u.SetAccessTokenSealed(v)
		if e := expiry(*token); e != nil {
			u.SetAccessTokenExpiresAt(*e)
		} else {
			u.ClearAccessTokenExpiresAt()
		}
	}
	if v, ok := sealed[secrets.VerifyToken]; ok {
		u.SetVerifyTokenSealed(v).SetVerifyTokenFingerprint(fingerprint)
	}
	if set.SetConversationExpiry {
		if set.ConversationExpiry != nil {
			u.SetConversationExpiry(*set.ConversationExpiry)
		} else {
			u.ClearConversationExpiry()
		}
	}
	if v := set.TriggerRecipients; v != nil {
		u.SetTriggerRecipients(*v)
	}
	return u.Save(ctx)
}

// SetActive switches an integration on or off. Switching on requires a
// connected published bot and credentials Meta accepts; the error lists
// every requirement that is not met.
func (s *Service) SetActive(ctx context.Context, db DB, id int, active bool) (*ent.Integration, error) {
	r := db.Read(ctx)
	cur, err := r.Integration.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if active && !cur.Active {
		if err := s.checkActivation(ctx, r, cur); err != nil {
			return nil, err
		}
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	return w.Integration.UpdateOneID(id).SetActive(active).Save(ctx)
}

func (s *Service) checkActivation(ctx context.Context, r *ent.Client, cur *ent.Integration) error {
	pe := &PreconditionError{}
	var reasons []string
	switch {
	case cur.BotID == nil:
		pe.Missing = append(pe.Missing, RequireBot)
		reasons = append(reasons, "connect a published bot")
	default:
		published, err := r.BotVersion.Query().Where(botversion.BotID(*cur.BotID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !published {
			pe.Missing = append(pe.Missing, RequirePublishedBot)
			reasons = append(reasons, "publish the connected bot")
		}
	}
	ok, apiErr, err := s.credentialsWork(ctx, cur)
	if err != nil {
		return err
	}
	if !ok {
		pe.Missing = append(pe.Missing, RequireCredentials)
		pe.Meta = apiErr
		reasons = append(reasons, "renew the access token: Meta does not accept it")
	}
	if len(pe.Missing) == 0 {
		return nil
	}
	pe.Message = "the integration cannot be activated yet: " + joinReasons(reasons)
	return pe
}

// credentialsWork asks Meta about the stored token, authenticating as the
// app, which proves the app id and secret too. A refusal is reported as
// not working; Meta being unreachable is an error.
func (s *Service) credentialsWork(ctx context.Context, cur *ent.Integration) (bool, *whatsapp.APIError, error) {
	if e := cur.AccessTokenExpiresAt; e != nil && !e.After(s.now()) {
		return false, nil, nil
	}
	appSecret, err := s.box.Open(cur.AppSecretSealed, secrets.AppSecret)
	if err != nil {
		return false, nil, fmt.Errorf("opening app secret of integration %d: %w", cur.ID, err)
	}
	token, err := s.box.Open(cur.AccessTokenSealed, secrets.AccessToken)
	if err != nil {
		return false, nil, fmt.Errorf("opening access token of integration %d: %w", cur.ID, err)
	}
	info, err := s.meta.DebugToken(ctx, cur.APIVersion, token, cur.AppID+"|"+appSecret)
	var apiErr *whatsapp.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Class() != whatsapp.Retryable:
		return false, apiErr, nil
	case err != nil:
		return false, nil, &UpstreamError{Op: "checking the access token", Err: err}
	case !info.IsValid:
		if info.Error != nil {
			return false, &whatsapp.APIError{Op: "debug token", Code: info.Error.Code, Subcode: info.Error.Subcode, Message: info.Error.Message}, nil
		}
		return false, nil, nil
	case info.AppID != "" && info.AppID != cur.AppID:
		return false, &whatsapp.APIError{Op: "debug token", Message: "the access token belongs to another app"}, nil
	}
	return true, nil, nil
}

// ConnectBot binds a published bot. Conversations already running keep the
// version they are pinned to; only new ones start with this bot.
func (s *Service) ConnectBot(ctx context.Context, db DB, id, botID int) (*ent.Integration, error) {
	r := db.Read(ctx)
	if _, err := r.Integration.Get(ctx, id); err != nil {
		return nil, err
	}
	if err := s.checkPublished(ctx, r, botID, "botId"); err != nil {
		return nil, err
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	return w.Integration.UpdateOneID(id).SetBotID(botID).Save(ctx)
}

// DisconnectBot unbinds the bot of an inactive integration: an active one
// would answer messages with no bot.
func (s *Service) DisconnectBot(ctx context.Context, db DB, id int) (*ent.Integration, error) {
	cur, err := db.Read(ctx).Integration.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Active {
		return nil, &PreconditionError{Missing: []Requirement{RequireInactiveForBot},
			Message: "deactivate the integration before disconnecting its bot, or connect another bot instead"}
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	return w.Integration.UpdateOneID(id).ClearBotID().Save(ctx)
}

// Delete removes the integration; the database cascades to its contacts,
// conversations, messages, error log and webhook records.
func (s *Service) Delete(ctx context.Context, db DB, id int) error {
	w, err := db.Write(ctx)
	if err != nil {
		return err
	}
	return w.Integration.DeleteOneID(id).Exec(ctx)
}

// RefreshToken exchanges shortToken, or the stored token when it is nil,
// for a new long-lived token.
func (s *Service) RefreshToken(ctx context.Context, db DB, id int, shortToken *string) (*ent.Integration, error) {
	if shortToken != nil {
		t := trimmed(*shortToken)
		if t == "" || len(t) > maxTokenLen {
			return nil, invalid("accessToken", "must be a token of at most 4096 characters")
		}
		shortToken = &t
	}
	cur, err := db.Read(ctx).Integration.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	appSecret, err := s.box.Open(cur.AppSecretSealed, secrets.AppSecret)
	if err != nil {
		return nil, fmt.Errorf("opening app secret of integration %d: %w", id, err)
	}
	old := ""
	if shortToken != nil {
		old = *shortToken
	} else if old, err = s.box.Open(cur.AccessTokenSealed, secrets.AccessToken); err != nil {
		return nil, fmt.Errorf("opening access token of integration %d: %w", id, err)
	}
	token, err := s.exchange(ctx, cur.APIVersion, cur.AppID, appSecret, old)
	if err != nil {
		return nil, err
	}
	sealed, err := s.box.Seal(token.AccessToken, secrets.AccessToken)
	if err != nil {
		return nil, err
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	u := w.Integration.UpdateOneID(id).SetAccessTokenSealed(sealed)
	if e := expiry(token); e != nil {
		u.SetAccessTokenExpiresAt(*e)
	} else {
		u.ClearAccessTokenExpiresAt()
	}
	return u.Save(ctx)
}

// checkPublished refuses a bot without a published version. A bot of
// another account is not found, as a missing one.
func (s *Service) checkPublished(ctx context.Context, r *ent.Client, botID int, field string) error {
	if _, err := r.Bot.Get(ctx, botID); err != nil {
		return err
	}
	ok, err := r.BotVersion.Query().Where(botversion.BotID(botID)).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return invalid(field, "the bot is not published: publish it before connecting it")
	}
	return nil
}

// checkUnique refuses a verify token that another integration of the
// account uses, and a phone number id that any integration uses. except is
// the integration being changed; empty values are not checked.
func (s *Service) checkUnique(ctx context.Context, r *ent.Client, except int, phoneNumberID, fingerprint string) error {
	if fingerprint != "" {
		used, err := r.Integration.Query().
			Where(integration.VerifyTokenFingerprint(fingerprint), integration.IDNEQ(except)).Exist(ctx)
		if err != nil {
			return err
		}
		if used {
			return invalid("verifyToken", "another integration of this account uses this verify token: choose a different one")
		}
	}
	if phoneNumberID != "" {
		// A phone number can be connected once in the whole product, so
		// the check spans accounts; it answers only whether it is taken.
		used, err := r.Integration.Query().
			Where(integration.PhoneNumberID(phoneNumberID), integration.IDNEQ(except)).Exist(tenant.AsSystem(ctx))
		if err != nil {
			return err
		}
		if used {
			return &ConflictError{Field: "phoneNumberId", Message: "this phone number is already connected to an integration"}
		}
	}
	return nil
}

// exchange trades a short-lived token for a long-lived one.
func (s *Service) exchange(ctx context.Context, version, appID, appSecret, short string) (whatsapp.Token, error) {
	t, err := s.meta.ExchangeToken(ctx, version, appID, appSecret, short)
	if err != nil {
		return whatsapp.Token{}, &UpstreamError{Op: "exchanging the access token", Field: blame(err), Err: err}
	}
	return t, nil
}

// checkApp proves new app credentials by inspecting the stored token as the
// app, and refuses them when that token belongs to another app.
func (s *Service) checkApp(ctx context.Context, cur *ent.Integration, version, appID, appSecret string) error {
	token, err := s.box.Open(cur.AccessTokenSealed, secrets.AccessToken)
	if err != nil {
		return fmt.Errorf("opening access token of integration %d: %w", cur.ID, err)
	}
	info, err := s.meta.DebugToken(ctx, version, token, appID+"|"+appSecret)
	if err != nil {
		return &UpstreamError{Op: "checking the app credentials", Field: blame(err), Err: err}
	}
	if info.AppID != "" && info.AppID != appID {
		return invalid("appId", "the stored access token belongs to another app: send a new accessToken with it")
	}
	return nil
}

// blame names the input a Meta refusal is most likely about.
func blame(err error) string {
	var api *whatsapp.APIError
	if !errors.As(err, &api) {
		return ""
	}
	switch api.Code {
	case 1: // "Error validating client secret."
		return "appSecret"
	case 101: // invalid application id
		return "appId"
	case 190, 104: // invalid, expired or missing token
		return "accessToken"
	}
	return ""
}

func (s *Service) seal(plain map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(plain))
	for purpose, v := range plain {
		sealed, err := s.box.Seal(v, purpose)
		if err != nil {
			return nil, fmt.Errorf("sealing %s: %w", purpose, err)
		}
		out[purpose] = sealed
	}
	return out, nil
}

// newWebhookKey is the secret path segment of an integration's webhook URL:
// 256 random bits, so that it can be neither guessed nor enumerated.
func newWebhookKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func expiry(t whatsapp.Token) *time.Time {
	if t.ExpiresAt.IsZero() {
		return nil
	}
	e := t.ExpiresAt
	return &e
}

func trimmed(s string) string { return strings.TrimSpace(s) }

func joinReasons(rs []string) string { return strings.Join(rs, "; ") }

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
