package inbox_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// Flows of the tests.
const (
	foodBot = `{"version":1,"start":"ask","nodes":[
		{"id":"ask","type":"QuestionButtons","text":"Pizza or pasta?","buttons":[
			{"id":"p1","title":"Pizza","next":"pizza"},{"id":"p2","title":"Pasta","next":"pasta"}],
		 "variable":"choice","retryText":"Please tap a button."},
		{"id":"pizza","type":"Message","text":"Pizza it is, {{contact.name}}!","next":"end"},
		{"id":"pasta","type":"Message","text":"Pasta it is!","next":"end"},
		{"id":"end","type":"End"}]}`
	sizeBot = `{"version":1,"start":"ask","nodes":[
		{"id":"ask","type":"QuestionList","text":"Which size?","buttonText":"Sizes","sections":[
			{"title":"Sizes","rows":[{"id":"s","title":"Small","next":"small"},{"id":"l","title":"Large","description":"Hungry","next":"large"}]}]},
		{"id":"small","type":"Message","text":"Small, noted.","next":""},
		{"id":"large","type":"Message","text":"Large, noted.","next":""}]}`
)

// versionBot asks a question labelled tag and confirms with tag.
func versionBot(tag string) string {
	return `{"version":1,"start":"ask","nodes":[
		{"id":"ask","type":"QuestionButtons","text":"` + tag + `: go on?","buttons":[{"id":"yes","title":"Yes","next":"done"}]},
		{"id":"done","type":"Message","text":"` + tag + ` done"}]}`
}

// sentTexts returns what the simulator accepted: text bodies, interactive
// bodies, template names.
func sentTexts(t *testing.T, reqs []whatsapptest.Request) []string {
	t.Helper()
	out := make([]string, len(reqs))
	for i, r := range reqs {
		var m struct {
			Text        *struct{ Body string }
			Interactive *struct{ Body struct{ Text string } }
			Template    *struct{ Name string }
		}
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatal(err)
		}
		switch {
		case m.Text != nil:
			out[i] = m.Text.Body
		case m.Interactive != nil:
			out[i] = m.Interactive.Body.Text
		case m.Template != nil:
			out[i] = "template:" + m.Template.Name
		}
	}
	return out
}

func wantTexts(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sent %q, want %q", got, want)
		}
	}
}

// jsonEqual compares JSON documents by value.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("body\n got %s\nwant %s", gb, wb)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func conversations(t *testing.T, e *pipelinetest.Env) []*ent.Conversation {
	t.Helper()
	cs, err := e.DB.Client.Conversation.Query().
		Where(conversation.IntegrationID(e.Integ.ID)).
		Order(conversation.ByID()).
		All(pipelinetest.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// withID gives an inbound message a known wamid.
func withID(m whatsapptest.InboundMessage, id string) whatsapptest.InboundMessage {
	m.ID = "wamid.IN" + id
	return m
}
