package flowengine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.flow.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata flows: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			def, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}

			got, err := json.Marshal(def)
			if err != nil {
				t.Fatal(err)
			}

			if !jsonEqual(t, got, data) {
				t.Errorf("Marshal(Parse(%s)) =\n%s\nwant the file's JSON", path, got)
			}
		})
	}
}

func TestUnmarshalDefinitionAsColumn(t *testing.T) {
	give := `{"version":1,"start":"a","nodes":[{"id":"a","type":"Message","position":{"x":10,"y":-2.5},"text":"hi","next":"b"},{"id":"b","type":"End"}]}`
	want := &Definition{Version: 1, Start: "a", Nodes: []Node{
		{ID: "a", Position: &Position{X: 10, Y: -2.5}, Component: &Message{Text: "hi", Next: "b"}},
		{ID: "b", Component: &End{}},
	}}

	var got Definition
	if err := json.Unmarshal([]byte(give), &got); err != nil {
		t.Fatal(err)
	}

	got.prep = nil
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("Unmarshal() = %+v, want %+v", got, want)
	}
	out, _ := json.Marshal(got)
	if string(out) != give {
		t.Errorf("Marshal() = %s, want %s", out, give)
	}
}

func TestNodeLookup(t *testing.T) {
	def := parseFile(t, "testdata/survey.flow.json")

	n, ok := def.Node("topic")

	if !ok || n.Type() != TypeQuestionButtons {
		t.Errorf("Node(topic) = %v, %v; want a QuestionButtons node", n, ok)
	}
	if _, ok := def.Node("nope"); ok {
		t.Errorf("Node(nope) found a node, want none")
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("testdata/pizza.flow.json")
	if err != nil {
		t.Fatal(err)
	}

	if !strings.Contains(string(readme), "```json\n"+string(example)+"```") {
		t.Errorf("README.md's full example differs from testdata/pizza.flow.json")
	}
}
