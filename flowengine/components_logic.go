package flowengine

import (
	"encoding/json"
	"fmt"
)

// Condition follows the first branch whose test holds, else Default.
type Condition struct {
	Branches []Branch `json:"branches"`
	Default  string   `json:"default,omitempty"`
}

// Condition operators.
const (
	OpEquals      = "equals"
	OpNotEquals   = "notEquals"
	OpContains    = "contains"
	OpMatches     = "matches"
	OpGreaterThan = "greaterThan"
	OpLessThan    = "lessThan"
	OpIsSet       = "isSet"
	OpIsNotSet    = "isNotSet"
)

// Branch tests one variable against Value (interpolated).
type Branch struct {
	Variable string `json:"variable"`
	Operator string `json:"operator"`
	Value    string `json:"value,omitempty"`
	Next     string `json:"next,omitempty"`
}

// SetVariable sets Variable to Value (interpolated).
type SetVariable struct {
	Variable string `json:"variable"`
	Value    string `json:"value"`
	Next     string `json:"next,omitempty"`
}

// HttpRequest calls an HTTP API. Values interpolated into the URL are
// percent-encoded; string values in Body are interpolated. The status code
// goes to StatusVariable and the Response fields to their variables. A
// transport error, a timeout or a status outside 2xx follows Error when set,
// Next otherwise.
type HttpRequest struct {
	Method         string            `json:"method"`
	URL            string            `json:"url"`
	Headers        map[string]string `json:"headers,omitempty"`
	Body           json.RawMessage   `json:"body,omitempty"`
	TimeoutSeconds int               `json:"timeoutSeconds,omitempty"` // 0: the engine's default
	StatusVariable string            `json:"statusVariable,omitempty"`
	Response       []ResponseField   `json:"response,omitempty"`
	Next           string            `json:"next,omitempty"`
	Error          string            `json:"error,omitempty"`
}

// ResponseField copies one value of a JSON response into a variable. Path is
// dotted, with array indexes as numbers or in brackets: "items.0.status",
// "items[0].status".
type ResponseField struct {
	Path     string `json:"path"`
	Variable string `json:"variable"`
}

func (*Condition) Type() string   { return TypeCondition }
func (*SetVariable) Type() string { return TypeSetVariable }
func (*HttpRequest) Type() string { return TypeHttpRequest }

func (c *Condition) Edges() []Edge {
	pairs := make([]string, 0, 2*len(c.Branches)+2)
	for i, b := range c.Branches {
		pairs = append(pairs, fmt.Sprintf("branches[%d].next", i), b.Next)
	}
	return edges(append(pairs, "default", c.Default)...)
}

func (c *SetVariable) Edges() []Edge { return edges("next", c.Next) }
func (c *HttpRequest) Edges() []Edge { return edges("next", c.Next, "error", c.Error) }

func (*Condition) waitsForUser() bool   { return false }
func (*SetVariable) waitsForUser() bool { return false }
func (*HttpRequest) waitsForUser() bool { return false }
