package flowengine

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a definition. NodeID is empty for problems
// of the definition itself and of nodes without an id (Field then starts
// with "nodes[i]"). Field is the setting's JSON path inside the node, e.g.
// "buttons[1].title".
type Problem struct {
	NodeID  string `json:"nodeId,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	switch {
	case p.NodeID == "":
		return fmt.Sprintf("%s %s", p.Field, p.Message)
	case p.Field == "":
		return fmt.Sprintf("node %q: %s", p.NodeID, p.Message)
	}
	return fmt.Sprintf("node %q: %s %s", p.NodeID, p.Field, p.Message)
}

// ValidationError lists every problem found in a definition.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return "invalid flow definition: " + strings.Join(msgs, "; ")
}

// Validate checks a definition: its graph, each component's settings and
// WhatsApp's limits. It returns nil or a *ValidationError with every problem.
func Validate(def *Definition) error {
	if def == nil {
		return &ValidationError{Problems: []Problem{{Field: "definition", Message: "is missing"}}}
	}
	if ps := validate(def, true); len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

type validator struct {
	def      *Definition
	index    map[string]int
	problems []Problem
}

func (v *validator) add(node, field, msg string) {
	v.problems = append(v.problems, Problem{NodeID: node, Field: field, Message: msg})
}

// validate runs every rule. graph is false when some nodes could not be
// decoded: reachability would then only repeat those problems.
func validate(def *Definition, graph bool) []Problem {
	v := &validator{def: def, index: make(map[string]int, len(def.Nodes))}
	if def.Version != DefinitionVersion {
		v.add("", "version", fmt.Sprintf("must be %d", DefinitionVersion))
	}
	if len(def.Nodes) == 0 {
		v.add("", "nodes", "must hold at least one node")
	}
	v.checkIDs()
	startOK := v.checkStart()
	prep := def.prepared()
	for i, n := range def.Nodes {
		if n.Component == nil {
			if graph {
				v.problems = append(v.problems, nodeProblem(n.ID, i, "type", "is required"))
			}
			continue
		}
		checkComponent(&checker{v: v, node: n.ID, prep: prep}, n.Component)
		v.checkEdges(n)
	}
	if graph && startOK {
		v.checkReachable()
		v.checkLoops()
	}
	return v.problems
}

func (v *validator) checkIDs() {
	for i, n := range v.def.Nodes {
		if n.ID == "" {
			v.add("", fmt.Sprintf("nodes[%d].id", i), "is required")
			continue
		}
		if _, dup := v.index[n.ID]; dup {
			v.add(n.ID, "id", "is used by another node")
			continue
		}
		v.index[n.ID] = i
	}
}

func (v *validator) checkStart() bool {
	switch _, ok := v.index[v.def.Start]; {
	case v.def.Start == "":
		v.add("", "start", "is required")
	case !ok:
		v.add("", "start", fmt.Sprintf("points to %q, which is not a node", v.def.Start))
	default:
		return true
	}
	return false
}

func (v *validator) checkEdges(n Node) {
	for _, e := range n.Component.Edges() {
		if _, ok := v.index[e.To]; !ok {
			v.add(n.ID, e.Field, fmt.Sprintf("points to %q, which is not a node", e.To))
		}
	}
}

// checkReachable reports nodes that no path from start leads to.
func (v *validator) checkReachable() {
	seen := make([]bool, len(v.def.Nodes))
	queue := []int{v.index[v.def.Start]}
	seen[queue[0]] = true
	for len(queue) > 0 {
		n := v.def.Nodes[queue[0]]
		queue = queue[1:]
		if n.Component == nil {
			continue
		}
		for _, e := range n.Component.Edges() {
			if j, ok := v.index[e.To]; ok && !seen[j] {
				seen[j] = true
				queue = append(queue, j)
			}
		}
	}
	for i, n := range v.def.Nodes {
		if !seen[i] && n.ID != "" && v.index[n.ID] == i {
			v.add(n.ID, "id", "is not reachable from start")
		}
	}
}

// checkLoops reports every edge that closes a cycle of components that never
// wait for the user: such a flow would spin until the step limit. Edges out
// of questions are taken only after an answer, so they cannot spin.
func (v *validator) checkLoops() {
	const (
		unvisited = iota
		onPath
		done
	)
	color := make([]int, len(v.def.Nodes))
	var visit func(i int)
	visit = func(i int) {
		color[i] = onPath
		n := v.def.Nodes[i]
		for _, e := range n.Component.Edges() {
			j, ok := v.index[e.To]
			if !ok || v.def.Nodes[j].Component == nil || v.def.Nodes[j].Component.waitsForUser() {
				continue
			}
			switch color[j] {
			case onPath:
				v.add(n.ID, e.Field, fmt.Sprintf("loops back to %q without waiting for the user", e.To))
			case unvisited:
				visit(j)
			}
		}
		color[i] = done
	}
	for i, n := range v.def.Nodes {
		if color[i] == unvisited && n.Component != nil && !n.Component.waitsForUser() && v.index[n.ID] == i {
			visit(i)
		}
	}
}

func branchField(i int, field string) string {
	return fmt.Sprintf("branches[%d].%s", i, field)
}
