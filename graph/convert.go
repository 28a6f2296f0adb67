package graph

import (
	"context"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/flowengine"
	"github.com/intalos/integrations/graph/model"
	"github.com/intalos/integrations/internal/integrations"
)

// GraphQL type names, as global ids carry them.
const (
	typeAccount          = "Account"
	typeAPIKey           = "APIKey"
	typeBot              = "Bot"
	typeBotVersion       = "BotVersion"
	typeIntegration      = "Integration"
	typeContact          = "Contact"
	typeConversation     = "Conversation"
	typeMessage          = "Message"
	typeIntegrationError = "IntegrationError"
)

// idOf decodes a global id of the given type. A malformed id, or one of
// another type, is not found, like a missing or another account's id.
func idOf(ctx context.Context, typ, field, gid string) (int, error) {
	t, id, ok := parseGlobalID(gid)
	if !ok || t != typ {
		return 0, notFound(ctx, field, "not found")
	}
	return id, nil
}

// optionalID decodes an optional global id.
func optionalID(ctx context.Context, typ, field string, gid *string) (*int, error) {
	if gid == nil {
		return nil, nil
	}
	id, err := idOf(ctx, typ, field, *gid)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func settingsIn(in *model.IntegrationSettingsInput) integrations.Settings {
	if in == nil {
		return integrations.Settings{}
	}
	s := integrations.Settings{
		AlertsEnabled:     in.AlertsEnabled,
		AlertEmail:        in.AlertEmail,
		TemplateName:      in.TemplateName,
		TemplateLanguage:  in.TemplateLanguage,
		MessagesPerSecond: in.MessagesPerSecond,
	}
	if in.TriggerRecipients != nil {
		rs := in.TriggerRecipients
		s.TriggerRecipients = &rs
	}
	if v, ok := in.ConversationExpirySeconds.ValueOK(); ok {
		s.SetConversationExpiry = true
		if v != nil {
			d := time.Duration(*v) * time.Second
			s.ConversationExpiry = &d
		}
	}
	return s
}

func createIntegrationIn(ctx context.Context, in model.CreateWhatsAppIntegrationInput) (integrations.CreateInput, error) {
	botID, err := optionalID(ctx, typeBot, "botId", in.BotID)
	if err != nil {
		return integrations.CreateInput{}, err
	}
	return integrations.CreateInput{
		BotID: botID,
		Fields: integrations.Fields{
			Name:              in.Name,
			BusinessAccountID: &in.BusinessAccountID,
			PhoneNumberID:     &in.PhoneNumberID,
			AppID:             &in.AppID,
			AppSecret:         &in.AppSecret,
			AccessToken:       &in.AccessToken,
			VerifyToken:       &in.VerifyToken,
			APIVersion:        in.APIVersion,
			Settings:          settingsIn(in.Settings),
		},
	}, nil
}

func updateIntegrationIn(in model.UpdateIntegrationInput) integrations.Fields {
	return integrations.Fields{
		Name:              in.Name,
		BusinessAccountID: in.BusinessAccountID,
		PhoneNumberID:     in.PhoneNumberID,
		AppID:             in.AppID,
		AppSecret:         in.AppSecret,
		AccessToken:       in.AccessToken,
		VerifyToken:       in.VerifyToken,
		APIVersion:        in.APIVersion,
		Settings:          settingsIn(in.Settings),
	}
}

func settingsOut(s *ent.Integration) *model.IntegrationSettings {
	out := &model.IntegrationSettings{
		AlertsEnabled:     s.AlertsEnabled,
		AlertEmail:        s.AlertEmail,
		TemplateName:      s.TemplateName,
		TemplateLanguage:  s.TemplateLanguage,
		TriggerRecipients: s.TriggerRecipients,
		MessagesPerSecond: s.MessagesPerSecond,
	}
	if out.TriggerRecipients == nil {
		out.TriggerRecipients = []string{}
	}
	if d := s.ConversationExpiry; d != nil {
		secs := int(d.Seconds())
		out.ConversationExpirySeconds = &secs
	}
	return out
}

func testIn(ctx context.Context, in model.TestBotInput) (integrations.TestInput, error) {
	botID, err := idOf(ctx, typeBot, "botId", in.BotID)
	if err != nil {
		return integrations.TestInput{}, err
	}
	versionID, err := optionalID(ctx, typeBotVersion, "versionId", in.VersionID)
	if err != nil {
		return integrations.TestInput{}, err
	}
	m := in.Message
	msg := flowengine.Input{
		Kind:       testKind(m.Kind),
		Text:       deref(m.Text),
		ReplyID:    deref(m.ReplyID),
		ReplyTitle: deref(m.ReplyTitle),
		MediaType:  deref(m.MediaType),
		MediaID:    deref(m.MediaID),
		Contact:    flowengine.Contact{Name: deref(m.ContactName), Phone: deref(m.ContactPhone)},
	}
	if m.Latitude != nil || m.Longitude != nil {
		lat, long := m.Latitude, m.Longitude
		if lat == nil || long == nil {
			return integrations.TestInput{}, inputError(ctx, "message.latitude", "and longitude go together")
		}
		msg.Location = &flowengine.Location{Latitude: *lat, Longitude: *long}
	}
	return integrations.TestInput{BotID: botID, VersionID: versionID, State: in.State, Message: msg}, nil
}

func testKind(k model.TestInputKind) string {
	switch k {
	case model.TestInputKindButton:
		return flowengine.InputButton
	case model.TestInputKindList:
		return flowengine.InputList
	case model.TestInputKindMedia:
		return flowengine.InputMedia
	case model.TestInputKindLocation:
		return flowengine.InputLocation
	case model.TestInputKindOther:
		return flowengine.InputOther
	}
	return flowengine.InputText
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
