package flowengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/intalos/integrations/internal/whatsapp"
)

// FuzzParseValidateStep checks that no definition or input makes parsing,
// validation or a few steps panic, that valid definitions round-trip and
// that every output keeps within WhatsApp's limits.
func FuzzParseValidateStep(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.flow.json")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "hi", "yes")
		f.Add(data, "123456", "another")
	}
	f.Add([]byte(flow(`{"id":"a","type":"QuestionText","text":"{{x}}","variable":"x","validation":{"kind":"regex","pattern":"^a+$"},"next":"a"}`)), "aaa", "")
	eng := New(fakeAPI{}, Options{HTTPTimeout: 100 * time.Millisecond})

	f.Fuzz(func(t *testing.T, data []byte, text, replyID string) {
		def, err := Parse(data)
		if err != nil {
			return
		}
		checkRoundTrip(t, def)
		inputs := []Input{
			{Kind: InputText, Text: text, Contact: Contact{Name: text, Phone: "+1555"}},
			{Kind: InputButton, ReplyID: replyID, ReplyTitle: text},
			{Kind: InputList, ReplyID: replyID},
			{Kind: InputText, Text: text},
			{Kind: InputMedia, MediaType: "image", MediaID: replyID},
		}
		var state State
		for _, in := range inputs {
			res, err := eng.Step(context.Background(), def, state, in)
			if errors.Is(err, ErrStepLimit) {
				return // long chains are valid; the cap is the caller's signal
			}
			if err != nil {
				t.Fatalf("Step() on a valid definition: %v", err)
			}
			for _, m := range res.Outputs {
				checkOutput(t, m)
			}
			state = res.State
		}
	})
}

func checkRoundTrip(t *testing.T, def *Definition) {
	t.Helper()
	out, err := json.Marshal(def)
	if err != nil {
		t.Fatalf("Marshal(valid definition): %v", err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal(valid definition)): %v\n%s", err, out)
	}
	out2, err := json.Marshal(again)
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("round trip changed the definition:\n%s\n%s", out, out2)
	}
}

func checkOutput(t *testing.T, m whatsapp.Message) {
	t.Helper()
	within := func(what, s string, n int) {
		if utf8.RuneCountInString(s) > n {
			t.Fatalf("%s has %d characters, over %d", what, utf8.RuneCountInString(s), n)
		}
	}
	if m.MessagingProduct != "whatsapp" || m.To != "" || m.Type == "" {
		t.Fatalf("output %+v lacks its product or type, or names a recipient", m)
	}
	if m.Text != nil {
		within("text body", m.Text.Body, maxTextBody)
	}
	if in := m.Interactive; in != nil {
		within("interactive body", in.Body.Text, maxListBody)
		for _, b := range in.Action.Buttons {
			within("button title", b.Reply.Title, maxButtonTitle)
		}
		for _, s := range in.Action.Sections {
			for _, r := range s.Rows {
				within("row title", r.Title, maxRowTitle)
			}
		}
	}
}

// fakeAPI answers every request with the same small JSON document.
type fakeAPI struct{}

func (fakeAPI) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Body:       io.NopCloser(strings.NewReader(`{"a":{"b":[1,"x",null,{"c":true}]}}`)),
	}, nil
}
