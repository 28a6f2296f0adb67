package flowengine

import "fmt"

// Message sends a text message.
type Message struct {
	Text       string `json:"text"`
	PreviewURL bool   `json:"previewUrl,omitempty"`
	Next       string `json:"next,omitempty"`
}

// Media sends an image, video, audio, document or sticker by URL.
type Media struct {
	MediaType string `json:"mediaType"` // image, video, audio, document, sticker
	URL       string `json:"url"`
	Caption   string `json:"caption,omitempty"`  // image, video and document only
	Filename  string `json:"filename,omitempty"` // document only
	Next      string `json:"next,omitempty"`
}

// Template sends a pre-approved message template with text parameters.
type Template struct {
	Name             string   `json:"name"`
	Language         string   `json:"language"` // e.g. "en_US"
	HeaderParameters []string `json:"headerParameters,omitempty"`
	BodyParameters   []string `json:"bodyParameters,omitempty"`
	Next             string   `json:"next,omitempty"`
}

// End ends the conversation.
type End struct{}

func (*Message) Type() string  { return TypeMessage }
func (*Media) Type() string    { return TypeMedia }
func (*Template) Type() string { return TypeTemplate }
func (*End) Type() string      { return TypeEnd }

func (c *Message) Edges() []Edge  { return edges("next", c.Next) }
func (c *Media) Edges() []Edge    { return edges("next", c.Next) }
func (c *Template) Edges() []Edge { return edges("next", c.Next) }
func (*End) Edges() []Edge        { return nil }

func (*Message) waitsForUser() bool  { return false }
func (*Media) waitsForUser() bool    { return false }
func (*Template) waitsForUser() bool { return false }
func (*End) waitsForUser() bool      { return false }

// Reask says what a question does with an answer that does not fit: it sends
// RetryText (or the question again) up to MaxRetries times, then follows
// Fallback, or ends the conversation when Fallback is empty.
type Reask struct {
	RetryText  string `json:"retryText,omitempty"`
	MaxRetries *int   `json:"maxRetries,omitempty"` // nil: the engine's default
	Fallback   string `json:"fallback,omitempty"`
}

// QuestionText asks a question and stores the answer in Variable.
type QuestionText struct {
	Text       string      `json:"text"`
	Variable   string      `json:"variable"`
	Validation *Validation `json:"validation,omitempty"`
	Next       string      `json:"next,omitempty"`
	Reask
}

// Validation kinds for QuestionText answers.
const (
	ValidateRegex  = "regex"
	ValidateNumber = "number"
	ValidateEmail  = "email"
	ValidatePhone  = "phone"
)

// Validation checks a QuestionText answer.
type Validation struct {
	Kind    string `json:"kind"`
	Pattern string `json:"pattern,omitempty"` // regex only (RE2 syntax)
}

// QuestionButtons asks with up to three reply buttons, each with its own
// next node. Variable, if set, receives the chosen title and Variable.id the
// button id.
type QuestionButtons struct {
	Header   string        `json:"header,omitempty"`
	Text     string        `json:"text"`
	Footer   string        `json:"footer,omitempty"`
	Buttons  []ReplyButton `json:"buttons"`
	Variable string        `json:"variable,omitempty"`
	Reask
}

// ReplyButton is one reply button.
type ReplyButton struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Next  string `json:"next,omitempty"`
}

// QuestionList asks with a list message: a button that opens sections of
// rows, each row with its own next node. Variable works as for buttons.
type QuestionList struct {
	Header     string        `json:"header,omitempty"`
	Text       string        `json:"text"`
	Footer     string        `json:"footer,omitempty"`
	ButtonText string        `json:"buttonText"`
	Sections   []ListSection `json:"sections"`
	Variable   string        `json:"variable,omitempty"`
	Reask
}

// ListSection is one titled group of rows.
type ListSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []ListRow `json:"rows"`
}

// ListRow is one choosable row.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Next        string `json:"next,omitempty"`
}

func (*QuestionText) Type() string    { return TypeQuestionText }
func (*QuestionButtons) Type() string { return TypeQuestionButtons }
func (*QuestionList) Type() string    { return TypeQuestionList }

func (c *QuestionText) Edges() []Edge {
	return edges("next", c.Next, "fallback", c.Fallback)
}

func (c *QuestionButtons) Edges() []Edge {
	pairs := make([]string, 0, 2*len(c.Buttons)+2)
	for i, b := range c.Buttons {
		pairs = append(pairs, fmt.Sprintf("buttons[%d].next", i), b.Next)
	}
	return edges(append(pairs, "fallback", c.Fallback)...)
}

func (c *QuestionList) Edges() []Edge {
	var pairs []string
	for i, s := range c.Sections {
		for j, r := range s.Rows {
			pairs = append(pairs, fmt.Sprintf("sections[%d].rows[%d].next", i, j), r.Next)
		}
	}
	return edges(append(pairs, "fallback", c.Fallback)...)
}

func (*QuestionText) waitsForUser() bool    { return true }
func (*QuestionButtons) waitsForUser() bool { return true }
func (*QuestionList) waitsForUser() bool    { return true }
