package webhook

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// storableJSON returns raw unchanged when both databases can store it as
// received, and otherwise an equivalent re-encoding. PostgreSQL's jsonb
// refuses invalid UTF-8, the \u0000 escape and unpaired surrogate escapes;
// any of them would fail the insert and make Meta redeliver for days.
func storableJSON(raw json.RawMessage) json.RawMessage {
	if storable(raw) {
		return raw
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return json.RawMessage("null")
	}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(dropNUL(v)); err != nil {
		return json.RawMessage("null")
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n"))
}

// storable reports whether valid JSON raw is valid UTF-8 and free of NUL
// and unpaired surrogate escapes. In valid JSON a backslash only occurs
// inside strings, so escapes can be read without tracking quotes.
func storable(raw []byte) bool {
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 {
		return false
	}
	pendingHigh := false
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			if pendingHigh {
				return false
			}
			continue
		}
		if i+1 >= len(raw) {
			return false
		}
		if raw[i+1] != 'u' {
			if pendingHigh {
				return false
			}
			i++
			continue
		}
		code, ok := hex4(raw, i+2)
		if !ok {
			return false
		}
		switch {
		case code == 0:
			return false
		case code >= 0xD800 && code <= 0xDBFF:
			if pendingHigh {
				return false
			}
			pendingHigh = true
		case code >= 0xDC00 && code <= 0xDFFF:
			if !pendingHigh {
				return false
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return false
			}
		}
		i += 5
	}
	return !pendingHigh
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// dropNUL removes NUL characters from every string and key of a decoded
// JSON value.
func dropNUL(v any) any {
	switch t := v.(type) {
	case string:
		return clean(t)
	case []any:
		for i := range t {
			t[i] = dropNUL(t[i])
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[strings.ReplaceAll(k, "\x00", "")] = dropNUL(x)
		}
		return out
	}
	return v
}
