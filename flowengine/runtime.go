package flowengine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/intalos/integrations/internal/whatsapp"
)

// ErrStepLimit is returned when a step runs more components than the
// engine's MaxSteps; the state is left as it was.
var ErrStepLimit = errors.New("flowengine: step ran too many components")

// Result is what one step produced.
type Result struct {
	// Outputs are the messages to send, in order, with To left empty.
	Outputs []whatsapp.Message
	// State is the conversation's next state, to store.
	State State
	// Ended is set when the flow reached its end during this step.
	Ended bool
	// Trace lists the nodes run, in order (for test mode and logs).
	Trace []string
}

// Step feeds one inbound message to a conversation and runs the flow until
// it waits for the contact or ends. A new (zero) or ended state starts at the
// definition's start node, with the triggering message in {{message.text}}.
// On error the outputs are discarded and the old state stays valid.
func (e *Engine) Step(ctx context.Context, def *Definition, state State, in Input) (Result, error) {
	if def == nil {
		return Result{}, errors.New("flowengine: no definition")
	}
	if state.Version > StateVersion {
		return Result{}, fmt.Errorf("flowengine: state version %d is newer than this server understands", state.Version)
	}
	r := &run{eng: e, def: def, prep: def.prepared()}
	if state.Waiting() {
		r.vars = make(map[string]string, len(state.Vars)+8)
		maps.Copy(r.vars, state.Vars)
	} else {
		r.vars = make(map[string]string, 8)
	}
	setInputVars(r.vars, in)

	next := def.Start
	if state.Waiting() {
		n, ok := r.node(state.Node)
		if !ok || !n.Component.waitsForUser() {
			return Result{}, fmt.Errorf("flowengine: state waits at %q, which is not a question of this flow", state.Node)
		}
		r.trace = append(r.trace, n.ID)
		target, fits, err := r.answer(n, in)
		if err != nil {
			return Result{}, err
		}
		if !fits {
			if state.Retries < r.maxRetries(n) {
				r.reask(n)
				return r.waitAt(n.ID, state.Retries+1), nil
			}
			target = reaskOf(n.Component).Fallback
		}
		next = target
	}
	return r.runFrom(ctx, next)
}

// run is the working data of one step.
type run struct {
	eng   *Engine
	def   *Definition
	prep  *prepared
	vars  map[string]string
	out   []whatsapp.Message
	trace []string
}

func (r *run) node(id string) (Node, bool) {
	i, ok := r.prep.index[id]
	if !ok || r.def.Nodes[i].Component == nil {
		return Node{}, false
	}
	return r.def.Nodes[i], true
}

// runFrom runs components from id until a question or the end.
func (r *run) runFrom(ctx context.Context, id string) (Result, error) {
	for steps := 0; ; steps++ {
		if id == "" {
			return r.end(), nil
		}
		if steps >= r.eng.opts.MaxSteps {
			return Result{}, fmt.Errorf("%w (%d, last node %q)", ErrStepLimit, r.eng.opts.MaxSteps, id)
		}
		n, ok := r.node(id)
		if !ok {
			return Result{}, fmt.Errorf("flowengine: edge to %q, which is not a node of this flow", id)
		}
		r.trace = append(r.trace, id)
		if n.Component.waitsForUser() {
			r.ask(n)
			return r.waitAt(id, 0), nil
		}
		next, ended, err := r.exec(ctx, n)
		if err != nil {
			return Result{}, err
		}
		if ended {
			return r.end(), nil
		}
		id = next
	}
}

// exec runs one component that does not wait and returns the next node.
func (r *run) exec(ctx context.Context, n Node) (next string, ended bool, err error) {
	switch c := n.Component.(type) {
	case *Message:
		if body := interpolate(c.Text, r.vars); body != "" {
			r.out = append(r.out, textMessage(body, c.PreviewURL))
		}
		return c.Next, false, nil
	case *Media:
		r.out = append(r.out, r.mediaMessage(c))
		return c.Next, false, nil
	case *Template:
		r.out = append(r.out, r.templateMessage(c))
		return c.Next, false, nil
	case *Condition:
		return r.condition(n.ID, c), false, nil
	case *SetVariable:
		r.vars[c.Variable] = clip(interpolate(c.Value, r.vars), maxVarLen)
		return c.Next, false, nil
	case *HttpRequest:
		next, err := r.httpRequest(ctx, c)
		return next, false, err
	case *End:
		return "", true, nil
	}
	return "", false, fmt.Errorf("flowengine: node %q has no runnable component", n.ID)
}

func (r *run) waitAt(id string, retries int) Result {
	return Result{
		Outputs: r.out,
		State:   State{Version: StateVersion, Node: id, Retries: retries, Vars: r.vars},
		Trace:   r.trace,
	}
}

func (r *run) end() Result {
	return Result{
		Outputs: r.out,
		State:   State{Version: StateVersion, Ended: true, Vars: r.vars},
		Ended:   true,
		Trace:   r.trace,
	}
}
