package flowengine

// Component types, spelled as in the bot builder.
const (
	TypeMessage         = "Message"
	TypeQuestionText    = "QuestionText"
	TypeQuestionButtons = "QuestionButtons"
	TypeQuestionList    = "QuestionList"
	TypeMedia           = "Media"
	TypeTemplate        = "Template"
	TypeCondition       = "Condition"
	TypeSetVariable     = "SetVariable"
	TypeHttpRequest     = "HttpRequest"
	TypeEnd             = "End"
)

// Component is a node's settings. It is implemented only by this package's
// component types (*Message, *QuestionText, …).
type Component interface {
	// Type is the component's name in the definition format.
	Type() string
	// Edges lists the outgoing edges that are set.
	Edges() []Edge
	// waitsForUser reports whether the flow stops at this component until
	// the contact answers.
	waitsForUser() bool
}

// Edge is an outgoing edge: the setting that holds it and the target node.
type Edge struct {
	Field string // e.g. "next", "buttons[1].next", "fallback"
	To    string
}

// newComponent returns an empty component of the given type, or nil.
func newComponent(typ string) Component {
	switch typ {
	case TypeMessage:
		return &Message{}
	case TypeQuestionText:
		return &QuestionText{}
	case TypeQuestionButtons:
		return &QuestionButtons{}
	case TypeQuestionList:
		return &QuestionList{}
	case TypeMedia:
		return &Media{}
	case TypeTemplate:
		return &Template{}
	case TypeCondition:
		return &Condition{}
	case TypeSetVariable:
		return &SetVariable{}
	case TypeHttpRequest:
		return &HttpRequest{}
	case TypeEnd:
		return &End{}
	}
	return nil
}

// edges collects the non-empty edges among field/target pairs.
func edges(pairs ...string) []Edge {
	var out []Edge
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, Edge{Field: pairs[i], To: pairs[i+1]})
		}
	}
	return out
}
