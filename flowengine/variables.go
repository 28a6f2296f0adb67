package flowengine

import (
	"strings"
	"unicode/utf8"
)

// Variables filled by the engine on every step. They can be read but not
// written by a flow.
const (
	VarContactName    = "contact.name"
	VarContactPhone   = "contact.phone"
	VarMessageType    = "message.type"
	VarMessageText    = "message.text"
	VarMessageReplyID = "message.replyId"
	VarMessageMediaID = "message.mediaId"
	VarMessageLat     = "message.latitude"
	VarMessageLong    = "message.longitude"
)

// validVarName accepts dotted identifiers: "order", "order.id", "_x1".
func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for seg := range strings.SplitSeq(name, ".") {
		if seg == "" {
			return false
		}
		for i, r := range seg {
			letter := r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
			if !letter && (i == 0 || r < '0' || r > '9') {
				return false
			}
		}
	}
	return true
}

// reservedVar reports whether the engine owns the variable.
func reservedVar(name string) bool {
	return strings.HasPrefix(name, "contact.") || strings.HasPrefix(name, "message.")
}

// interpolate replaces each {{name}} with the variable's value; unset
// variables become "". Text between braces that is not a variable name is
// left as written.
func interpolate(s string, vars map[string]string) string {
	return interpolateEscaped(s, vars, nil)
}

// interpolateEscaped is interpolate with each value passed through escape.
func interpolateEscaped(s string, vars map[string]string, escape func(string) string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		name := strings.TrimSpace(s[i+2 : i+2+j])
		if !validVarName(name) {
			b.WriteString(s[:i+1]) // "{{{x}}}" still finds "{{x}}"
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		v := vars[name]
		if escape != nil {
			v = escape(v)
		}
		b.WriteString(v)
		s = s[i+2+j+2:]
	}
	b.WriteString(s)
	return b.String()
}

// hasVariables reports whether s interpolates anything, in which case its
// final value is only known at run time.
func hasVariables(s string) bool {
	return strings.Contains(s, "{{")
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func length(s string) int { return utf8.RuneCountInString(s) }
