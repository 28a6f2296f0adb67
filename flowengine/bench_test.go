package flowengine

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// fiftyNodeFlow is a question whose answer runs 49 components (messages,
// variables and conditions) before the question is asked again.
func fiftyNodeFlow() string {
	nodes := []string{`{"id":"n0","type":"QuestionButtons","text":"Again, {{contact.name}}?","buttons":[{"id":"go","title":"Go","next":"n1"}],"variable":"choice"}`}
	for i := 1; i < 50; i++ {
		next := fmt.Sprintf("n%d", (i+1)%50)
		switch i % 3 {
		case 0:
			nodes = append(nodes, fmt.Sprintf(`{"id":"n%d","type":"Message","text":"Step %d for {{contact.name}}: {{count}}","next":%q}`, i, i, next))
		case 1:
			nodes = append(nodes, fmt.Sprintf(`{"id":"n%d","type":"SetVariable","variable":"count","value":"{{choice}}-%d","next":%q}`, i, i, next))
		case 2:
			nodes = append(nodes, fmt.Sprintf(`{"id":"n%d","type":"Condition","branches":[{"variable":"choice.id","operator":"equals","value":"stop","next":"n0"},{"variable":"count","operator":"contains","value":"-","next":%q}],"default":%q}`, i, next, next))
		}
	}
	return `{"version":1,"start":"n0","nodes":[` + strings.Join(nodes, ",") + `]}`
}

func BenchmarkStep(b *testing.B) {
	def := mustParse(b, fiftyNodeFlow())
	eng := New(nil, Options{})
	ctx := context.Background()
	first, err := eng.Step(ctx, def, State{}, Input{Kind: InputText, Text: "hi", Contact: Contact{Name: "Ana", Phone: "+15550001"}})
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Kind: InputButton, ReplyID: "go", ReplyTitle: "Go", Contact: Contact{Name: "Ana", Phone: "+15550001"}}

	b.ReportAllocs()
	steps := 0
	for b.Loop() {
		res, err := eng.Step(ctx, def, first.State, in)
		if err != nil || len(res.Trace) != 51 || res.State.Node != "n0" {
			b.Fatalf("Step() ran %d nodes, waits at %q, %v; want 51 nodes and back at n0", len(res.Trace), res.State.Node, err)
		}
		steps++
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
}
