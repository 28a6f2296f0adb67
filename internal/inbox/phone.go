package inbox

import "strings"

// digits is a phone number's normal form: its digits, country code first
// ("+1 (650) 555-1234" → "16505551234"). Trigger recipients and WhatsApp
// ids compare in it.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// allowedSender reports whether waID may start the bot: everyone when the
// list is empty.
func allowedSender(recipients []string, waID string) bool {
	if len(recipients) == 0 {
		return true
	}
	d := digits(waID)
	if d == "" {
		return false
	}
	for _, r := range recipients {
		if digits(r) == d {
			return true
		}
	}
	return false
}

// recipient is the "to" of a reply: Meta wants a phone number with "+"
// and country code (without "+" it prepends the business number's country
// code); ids that are not phone numbers go as they are.
func recipient(waID string) string {
	if waID != "" && digits(waID) == waID {
		return "+" + waID
	}
	return waID
}
