package flowengine

import (
	"encoding/json"
	"fmt"
)

// StateVersion is the state format this package writes. Older versions it
// still reads are upgraded on load; newer ones are rejected.
const StateVersion = 1

// State is one conversation's place in its flow, stored by the caller as
// JSON between steps. The zero State is a conversation that has not started.
type State struct {
	Version int `json:"v"`
	// Node is the question waiting for the contact's answer.
	Node string `json:"node,omitempty"`
	// Retries counts the answers to Node that did not fit.
	Retries int `json:"retries,omitempty"`
	// Ended is set once the flow has ended; the next input starts it over.
	Ended bool              `json:"ended,omitempty"`
	Vars  map[string]string `json:"vars,omitempty"`
}

// Waiting reports whether the conversation waits for an answer.
func (s State) Waiting() bool { return s.Node != "" && !s.Ended }

type stateJSON State // without methods, to avoid recursion

// UnmarshalJSON reads a stored state, refusing versions it does not know so
// that a state written by a newer server is never misread.
func (s *State) UnmarshalJSON(data []byte) error {
	var raw stateJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("decode conversation state: %w", err)
	}
	switch {
	case raw.Version == 0:
		return fmt.Errorf("decode conversation state: missing version \"v\"")
	case raw.Version > StateVersion:
		return fmt.Errorf("decode conversation state: version %d is newer than this server understands (%d)", raw.Version, StateVersion)
	}
	*s = State(raw)
	return nil
}
