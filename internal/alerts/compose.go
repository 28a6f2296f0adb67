package alerts

import (
	"fmt"
	"strings"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
)

// group is the unalerted errors of one integration and kind.
type group struct {
	integration *ent.Integration
	kind        integrationerror.Kind
	maxID       int       // the newest error covered
	count       int       // occurrences, including ones the recorder folded together
	first, last time.Time // of the covered errors
	recent      []occurrence
}

// occurrence is one error line quoted in an email.
type occurrence struct {
	at      time.Time
	message string
}

// maxQuoted bounds the error lines an email quotes.
const maxQuoted = 5

// maxLineLen bounds one quoted error message.
const maxLineLen = 300

func displayName(in *ent.Integration) string {
	if in.Name != "" {
		return in.Name
	}
	return "WhatsApp " + in.PhoneNumberID
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// composeAlert writes the email for g; r removes the integration's secrets
// from quoted error messages.
func composeAlert(g *group, r *redactor) Email {
	adv := adviceFor(g.kind)
	name := displayName(g.integration)
	subject := fmt.Sprintf("Intalos alert: %s: %s", name, adv.title)
	if g.count > 1 {
		subject += fmt.Sprintf(" (%d times)", g.count)
	}
	var b strings.Builder
	header(&b, g.integration)
	fmt.Fprintf(&b, "What failed: %s\n%s\n\n", adv.title, adv.what)
	if g.count == 1 {
		fmt.Fprintf(&b, "When: %s\n\n", stamp(g.last))
	} else {
		fmt.Fprintf(&b, "How often: %d times, first at %s, last at %s\n\n", g.count, stamp(g.first), stamp(g.last))
	}
	if len(g.recent) > 0 {
		b.WriteString("Latest details:\n")
		for _, o := range g.recent {
			fmt.Fprintf(&b, "  - %s  %s\n", stamp(o.at), oneLine(r.redact(o.message)))
		}
		b.WriteString("\n")
	}
	b.WriteString("What to check:\n")
	for i, c := range adv.checks {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, c)
	}
	footer(&b)
	return Email{To: []string{g.integration.AlertEmail}, Subject: subject, Text: b.String()}
}

// composeTest writes the email SendTest sends.
func composeTest(in *ent.Integration, now time.Time) Email {
	var b strings.Builder
	header(&b, in)
	fmt.Fprintf(&b, "This is a test alert, sent at %s at your request.\n\n", stamp(now))
	b.WriteString("If you can read it, error alerts for this integration reach this address. ")
	b.WriteString("Alerts tell you when webhooks fail verification or their signature check, when no published bot is connected, ")
	b.WriteString("when the bot's flow fails, when replies cannot be sent, and when the access token expires or cannot be renewed.\n")
	if !in.AlertsEnabled {
		b.WriteString("\nError alerts are currently turned off for this integration; turn them on in its settings to receive them.\n")
	}
	footer(&b)
	return Email{
		To:      []string{in.AlertEmail},
		Subject: "Intalos alert test: " + displayName(in),
		Text:    b.String(),
	}
}

func header(b *strings.Builder, in *ent.Integration) {
	fmt.Fprintf(b, "Integration: %s (integration %d, phone number ID %s)\n\n", displayName(in), in.ID, in.PhoneNumberID)
}

func footer(b *strings.Builder) {
	b.WriteString("\n--\nYou receive this email because error alerts are turned on for this integration in Intalos, ")
	b.WriteString("with this address as the alert address. To stop them, turn off Error Email Alerts in the integration's settings.\n")
}

// oneLine keeps a quoted message on one bounded line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxLineLen {
		s = string(r[:maxLineLen]) + "…"
	}
	return s
}
