package integrations

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intalos/integrations/internal/whatsapp"
)

// Fields are an integration's editable values. A nil field is left as it
// is on update; on create it takes its default, or is refused when required.
type Fields struct {
	Name              *string
	BusinessAccountID *string
	PhoneNumberID     *string
	AppID             *string
	AppSecret         *string
	// AccessToken is a short-lived token; it is exchanged with Meta.
	AccessToken *string
	VerifyToken *string
	APIVersion  *string
	Settings    Settings
}

// Settings are an integration's behaviour settings.
type Settings struct {
	AlertsEnabled *bool
	AlertEmail    *string
	// SetConversationExpiry says ConversationExpiry was given; a nil
	// ConversationExpiry then means conversations never expire.
	SetConversationExpiry bool
	ConversationExpiry    *time.Duration
	TemplateName          *string
	TemplateLanguage      *string
	// TriggerRecipients are phone numbers with country code; empty means
	// everyone may start the bot.
	TriggerRecipients *[]string
	MessagesPerSecond *float64
}

// Limits of the values, as the product documents them and Meta accepts them.
const (
	MinVerifyTokenLen     = 12
	maxVerifyTokenLen     = 256
	maxNameLen            = 200
	maxIDLen              = 64
	maxSecretLen          = 512
	maxTokenLen           = 4096
	minConversationExpiry = time.Minute
	maxConversationExpiry = 365 * 24 * time.Hour
	maxMessagesPerSecond  = 1000
	maxTriggerRecipients  = 1000
	// DefaultAPIVersion is the Graph API version of new integrations.
	DefaultAPIVersion = "v21.0"
)

var (
	metaIDPattern       = regexp.MustCompile(`^[0-9]+$`)
	templateNamePattern = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	languagePattern     = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
	phonePattern        = regexp.MustCompile(`^[0-9]{7,15}$`)
)

// InputErrors are every problem found in one input, each with its field.
type InputErrors []*InputError

func (e InputErrors) Error() string {
	msgs := make([]string, len(e))
	for i, ie := range e {
		msgs[i] = ie.Error()
	}
	return strings.Join(msgs, "; ")
}

// err returns nil for no problems, the one problem, or all of them.
func (e InputErrors) err() error {
	switch len(e) {
	case 0:
		return nil
	case 1:
		return e[0]
	}
	return e
}

type checker struct{ errs InputErrors }

func (c *checker) add(field, format string, args ...any) {
	c.errs = append(c.errs, &InputError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// normalize trims what may be pasted with stray spaces, everything but the
// verify token: Meta compares that one byte for byte.
func (f *Fields) normalize() {
	for _, p := range []*string{f.Name, f.BusinessAccountID, f.PhoneNumberID, f.AppID, f.AppSecret, f.AccessToken, f.APIVersion,
		f.Settings.AlertEmail, f.Settings.TemplateName, f.Settings.TemplateLanguage} {
		if p != nil {
			*p = strings.TrimSpace(*p)
		}
	}
	if rs := f.Settings.TriggerRecipients; rs != nil {
		out := make([]string, 0, len(*rs))
		for _, r := range *rs {
			out = append(out, strings.NewReplacer(" ", "", "-", "", "+", "", "(", "", ")", "").Replace(r))
		}
		*rs = out
	}
}

// check validates each given value on its own; create also requires the
// credentials.
func (f *Fields) check(create bool) error {
	f.normalize()
	var c checker
	if f.Name != nil && utf8.RuneCountInString(*f.Name) > maxNameLen {
		c.add("name", "must be at most %d characters", maxNameLen)
	}
	ids := []struct {
		field string
		v     *string
	}{{"businessAccountId", f.BusinessAccountID}, {"phoneNumberId", f.PhoneNumberID}, {"appId", f.AppID}}
	for _, id := range ids {
		switch {
		case id.v == nil && create, id.v != nil && *id.v == "":
			c.add(id.field, "is required")
		case id.v == nil:
		case len(*id.v) > maxIDLen || !metaIDPattern.MatchString(*id.v):
			c.add(id.field, "must be Meta's numeric id, at most %d digits", maxIDLen)
		}
	}
	secrets := []struct {
		field string
		v     *string
		max   int
	}{{"appSecret", f.AppSecret, maxSecretLen}, {"accessToken", f.AccessToken, maxTokenLen}}
	for _, s := range secrets {
		switch {
		case s.v == nil && create, s.v != nil && *s.v == "":
			c.add(s.field, "is required")
		case s.v != nil && len(*s.v) > s.max:
			c.add(s.field, "must be at most %d characters", s.max)
		}
	}
	switch v := f.VerifyToken; {
	case v == nil && create:
		c.add("verifyToken", "is required")
	case v == nil:
	case utf8.RuneCountInString(*v) < MinVerifyTokenLen:
		c.add("verifyToken", "must be at least %d characters", MinVerifyTokenLen)
	case len(*v) > maxVerifyTokenLen:
		c.add("verifyToken", "must be at most %d characters", maxVerifyTokenLen)
	}
	if v := f.APIVersion; v != nil && !whatsapp.APIVersionPattern.MatchString(*v) {
		c.add("apiVersion", "must look like v21.0")
	}
	f.Settings.check(&c)
	return c.errs.err()
}

func (s *Settings) check(c *checker) {
	if e := s.AlertEmail; e != nil && *e != "" {
		addr, err := mail.ParseAddress(*e)
		if err != nil || addr.Address != *e || len(*e) > 254 {
			c.add("settings.alertEmail", "must be an email address")
		}
	}
	if d := s.ConversationExpiry; s.SetConversationExpiry && d != nil && (*d < minConversationExpiry || *d > maxConversationExpiry) {
		c.add("settings.conversationExpirySeconds", "must be between %d and %d seconds", int(minConversationExpiry.Seconds()), int(maxConversationExpiry.Seconds()))
	}
	if n := s.TemplateName; n != nil && *n != "" && !templateNamePattern.MatchString(*n) {
		c.add("settings.templateName", "must be a Meta template name: lowercase letters, digits and underscores")
	}
	if l := s.TemplateLanguage; l != nil && *l != "" && !languagePattern.MatchString(*l) {
		c.add("settings.templateLanguage", "must be a language code such as en or en_US")
	}
	if rs := s.TriggerRecipients; rs != nil {
		if len(*rs) > maxTriggerRecipients {
			c.add("settings.triggerRecipients", "must hold at most %d numbers", maxTriggerRecipients)
		}
		seen := make(map[string]bool, len(*rs))
		for i, r := range *rs {
			switch {
			case !phonePattern.MatchString(r):
				c.add(fmt.Sprintf("settings.triggerRecipients[%d]", i), "must be a phone number with country code, 7 to 15 digits")
			case seen[r]:
				c.add(fmt.Sprintf("settings.triggerRecipients[%d]", i), "is listed twice")
			}
			seen[r] = true
		}
	}
	if m := s.MessagesPerSecond; m != nil && (*m <= 0 || *m > maxMessagesPerSecond) {
		c.add("settings.messagesPerSecond", "must be more than 0 and at most %d", maxMessagesPerSecond)
	}
}

// checkCombined validates what depends on several settings, on the values
// the integration will have after the change.
func checkCombined(alerts bool, email, template, language string) error {
	var c checker
	if alerts && email == "" {
		c.add("settings.alertEmail", "is required when alerts are enabled")
	}
	if (template == "") != (language == "") {
		field := "settings.templateLanguage"
		if template == "" {
			field = "settings.templateName"
		}
		c.add(field, "is required with the other template setting")
	}
	return c.errs.err()
}
