package outbox_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

const ana = "15551234567"

// Flows of the tests.
const (
	questionBot = `{"version":1,"start":"ask","nodes":[
		{"id":"ask","type":"QuestionText","text":"What is your name?","variable":"name","next":"bye"},
		{"id":"bye","type":"Message","text":"Thanks {{name}}"}]}`
	welcomeBot = `{"version":1,"start":"hello","nodes":[
		{"id":"hello","type":"Message","text":"Welcome!","next":"ask"},
		{"id":"ask","type":"QuestionText","text":"What is your name?","variable":"name"}]}`
)

func withID(m whatsapptest.InboundMessage, id string) whatsapptest.InboundMessage {
	m.ID = "wamid.IN" + id
	return m
}

func itoa(n int) string { return strconv.Itoa(n) }

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

func errorKinds(t *testing.T, e *pipelinetest.Env) []integrationerror.Kind {
	t.Helper()
	got, err := e.DB.Client.IntegrationError.Query().
		Where(integrationerror.IntegrationID(e.Integ.ID)).
		Order(integrationerror.ByID()).
		All(pipelinetest.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	kinds := make([]integrationerror.Kind, len(got))
	for i, ie := range got {
		kinds[i] = ie.Kind
	}
	return kinds
}

func sameKinds(a, b []integrationerror.Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
