package flowengine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DefinitionVersion is the only definition format version this package reads
// and writes.
const DefinitionVersion = 1

// Definition is a bot flow: a start node and the nodes, each one component.
// Parse returns only valid definitions; a Definition built in code should go
// through Validate before it is run.
type Definition struct {
	Version int
	Start   string
	Nodes   []Node

	// prep is built when the definition is decoded, so that steps do not
	// rebuild the node index or recompile patterns. Read-only once built.
	prep *prepared
}

// Node is one step of a flow: an id unique in the definition and a component.
type Node struct {
	ID string
	// Position is where the bot builder draws the node; the runtime ignores it.
	Position *Position
	// Component holds the node's type, its settings and its outgoing edges.
	Component Component
}

// Position is a node's place on the bot builder's canvas.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Type returns the node's component type, or "" when it has none.
func (n Node) Type() string {
	if n.Component == nil {
		return ""
	}
	return n.Component.Type()
}

// Node returns the node with the given id.
func (d *Definition) Node(id string) (Node, bool) {
	p := d.prepared()
	i, ok := p.index[id]
	if !ok {
		return Node{}, false
	}
	return d.Nodes[i], true
}

// Parse decodes a definition and validates it. All problems come back at
// once in a *ValidationError; malformed JSON gives a plain error.
func Parse(data []byte) (*Definition, error) {
	def, problems, err := decodeDefinition(data)
	if err != nil {
		return nil, err
	}
	problems = append(problems, validate(def, len(problems) == 0)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	return def, nil
}

type definitionJSON struct {
	Version int               `json:"version"`
	Start   string            `json:"start"`
	Nodes   []json.RawMessage `json:"nodes"`
}

// decodeDefinition decodes without semantic checks. Problems in single nodes
// do not stop the decoding of the others; such nodes keep a nil Component.
func decodeDefinition(data []byte) (*Definition, []Problem, error) {
	var raw definitionJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("decode definition: %w", err)
	}
	var problems []Problem
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(data, &fields) // cannot fail after the line above
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if k != "version" && k != "start" && k != "nodes" {
			problems = append(problems, Problem{Field: k, Message: "is not a definition field"})
		}
	}
	def := &Definition{Version: raw.Version, Start: raw.Start, Nodes: make([]Node, len(raw.Nodes))}
	for i, r := range raw.Nodes {
		n, ps := decodeNode(r, i)
		def.Nodes[i] = n
		problems = append(problems, ps...)
	}
	def.prep = prepare(def)
	return def, problems, nil
}

type nodeHeader struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Position *Position `json:"position,omitempty"`
}

func decodeNode(raw json.RawMessage, i int) (Node, []Problem) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Node{}, []Problem{{Field: fmt.Sprintf("nodes[%d]", i), Message: "must be a JSON object"}}
	}
	var h nodeHeader
	var problems []Problem
	bad := func(field, msg string) {
		problems = append(problems, nodeProblem(h.ID, i, field, msg))
	}
	for _, f := range []struct {
		name string
		dst  any
	}{{"id", &h.ID}, {"type", &h.Type}, {"position", &h.Position}} {
		v, ok := fields[f.name]
		if !ok {
			continue
		}
		delete(fields, f.name)
		if err := json.Unmarshal(v, f.dst); err != nil {
			bad(f.name, "has the wrong JSON type")
		}
	}
	n := Node{ID: h.ID, Position: h.Position}
	c := newComponent(h.Type)
	if c == nil {
		if h.Type == "" {
			bad("type", "is required")
		} else {
			bad("type", fmt.Sprintf("%q is not a known component", h.Type))
		}
		return n, problems
	}
	rest, err := json.Marshal(fields)
	if err != nil {
		bad("", err.Error())
		return n, problems
	}
	if err := strictUnmarshal(rest, c); err != nil {
		bad(jsonErrorField(err), jsonErrorMessage(err))
		return n, problems
	}
	n.Component = c
	return n, problems
}

// nodeProblem names the node by id, or by its position when it has none.
func nodeProblem(id string, i int, field, msg string) Problem {
	if id != "" {
		return Problem{NodeID: id, Field: field, Message: msg}
	}
	f := fmt.Sprintf("nodes[%d]", i)
	if field != "" {
		f += "." + field
	}
	return Problem{Field: f, Message: msg}
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	return strings.Trim(strings.TrimPrefix(msg, prefix), `"`), true
}

func jsonErrorField(err error) string {
	if f, ok := unknownField(err); ok {
		return f
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

func jsonErrorMessage(err error) string {
	if _, ok := unknownField(err); ok {
		return "is not a setting of this component"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be a JSON %s", jsonKind(te.Type.Kind().String()))
	}
	return err.Error()
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice":
		return "array"
	case "struct", "map", "ptr":
		return "object"
	case "bool":
		return "boolean"
	default:
		return "number"
	}
}

// UnmarshalJSON decodes a definition without validating it, so that a stored
// definition can be a JSON column; use Parse for anything a user wrote.
func (d *Definition) UnmarshalJSON(data []byte) error {
	def, problems, err := decodeDefinition(data)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &ValidationError{Problems: problems}
	}
	*d = *def
	return nil
}

// MarshalJSON writes the definition format; optional settings at their zero
// value are left out.
func (d Definition) MarshalJSON() ([]byte, error) {
	nodes := d.Nodes
	if nodes == nil {
		nodes = []Node{}
	}
	return json.Marshal(struct {
		Version int    `json:"version"`
		Start   string `json:"start"`
		Nodes   []Node `json:"nodes"`
	}{d.Version, d.Start, nodes})
}

// MarshalJSON writes the node's id, type and position followed by the
// component's settings, all in one object.
func (n Node) MarshalJSON() ([]byte, error) {
	if n.Component == nil {
		return nil, fmt.Errorf("node %q has no component", n.ID)
	}
	head, err := json.Marshal(nodeHeader{ID: n.ID, Type: n.Component.Type(), Position: n.Position})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(n.Component)
	if err != nil {
		return nil, err
	}
	if len(body) <= 2 { // "{}": a component without settings
		return head, nil
	}
	out := make([]byte, 0, len(head)+len(body))
	out = append(out, head[:len(head)-1]...)
	out = append(out, ',')
	return append(out, body[1:]...), nil
}
