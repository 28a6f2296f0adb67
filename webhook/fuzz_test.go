package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePayload checks that no body makes the parser panic and that
// everything it accepts can be stored: ids within their columns and
// content that both databases take.
func FuzzParsePayload(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"w","type":"edit","edit":{"message":{"type":"edit","edit":{}}}}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePayload(body)
		if err != nil {
			return
		}
		// The parser's decoder is not the standard library's: it must
		// not accept what the standard library calls invalid.
		if !json.Valid(body) {
			t.Fatalf("invalid JSON %q accepted", body)
		}
		for _, c := range p.Changes {
			if c.Field == "" || len(c.Field) > maxFieldLen {
				t.Fatalf("field %q accepted", c.Field)
			}
			for _, m := range c.Messages {
				if m.ID == "" || len(m.ID) > maxWAMIDLen || m.Type == "" || len(m.Type) > maxTypeLen || len(m.ContactKey) > maxWAIDLen {
					t.Fatalf("message %+v accepted", m)
				}
				for _, v := range []string{m.ID, m.Type, m.Text, m.ContactKey, m.ProfileName, m.UserID} {
					if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
						t.Fatalf("message field %q is not storable", v)
					}
				}
				if !json.Valid(m.Raw) || !storable(m.Raw) {
					t.Fatalf("content %q is not storable", m.Raw)
				}
			}
			for _, s := range c.Statuses {
				if s.ID == "" || s.Status == "" || len(s.Status) > maxStatusLen {
					t.Fatalf("status %+v accepted", s)
				}
				if s.Errors != nil && (!json.Valid(s.Errors) || !storable(s.Errors)) {
					t.Fatalf("status errors %q are not storable", s.Errors)
				}
			}
		}
	})
}
