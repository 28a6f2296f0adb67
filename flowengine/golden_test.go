package flowengine

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/intalos/integrations/internal/whatsapp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// conversation is one scripted conversation of a testdata/*.script.json file.
type conversation struct {
	Name    string  `json:"name"`
	Contact Contact `json:"contact"`
	Inputs  []Input `json:"inputs"`
}

// goldenStep records one step: what came in, what the bot sent and the
// stored state.
type goldenStep struct {
	Input   Input              `json:"input"`
	Outputs []whatsapp.Message `json:"outputs"`
	Trace   []string           `json:"trace"`
	Ended   bool               `json:"ended,omitempty"`
	State   json.RawMessage    `json:"state"`
}

type goldenConversation struct {
	Name  string       `json:"name"`
	Steps []goldenStep `json:"steps"`
}

func TestGolden(t *testing.T) {
	tests := []struct {
		give string
	}{
		{give: "order_tracking"},
		{give: "appointment_booking"},
		{give: "survey"},
		{give: "loyalty_api"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			def := parseFile(t, filepath.Join("testdata", tt.give+".flow.json"))
			var script []conversation
			readJSON(t, filepath.Join("testdata", tt.give+".script.json"), &script)
			eng := New(newLoyaltyAPI(t), Options{})

			got := runScript(t, eng, def, script)

			matchGolden(t, filepath.Join("testdata", tt.give+".golden.json"), got)
		})
	}
}

// runScript plays each conversation from a new state, storing the state as
// JSON between steps as the workers do.
func runScript(t *testing.T, eng *Engine, def *Definition, script []conversation) []goldenConversation {
	t.Helper()
	var out []goldenConversation
	for _, c := range script {
		gc := goldenConversation{Name: c.Name}
		var state State
		for _, in := range c.Inputs {
			in.Contact = c.Contact
			res, err := eng.Step(context.Background(), def, state, in)
			if err != nil {
				t.Fatalf("%s: step %d: %v", c.Name, len(gc.Steps), err)
			}
			stored, err := json.Marshal(res.State)
			if err != nil {
				t.Fatal(err)
			}
			state = State{}
			if err := json.Unmarshal(stored, &state); err != nil {
				t.Fatalf("%s: reload state: %v", c.Name, err)
			}
			in.Contact = Contact{}
			gc.Steps = append(gc.Steps, goldenStep{Input: in, Outputs: res.Outputs, Trace: res.Trace, Ended: res.Ended, State: stored})
		}
		out = append(out, gc)
	}
	return out
}

func matchGolden(t *testing.T, path string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, b)
	}
}

func parseFile(t testing.TB, path string) *Definition {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	def, err := Parse(data)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return def
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
