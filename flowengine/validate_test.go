package flowengine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// flow wraps nodes in a definition that starts at "a".
func flow(nodes ...string) string {
	return `{"version":1,"start":"a","nodes":[` + strings.Join(nodes, ",") + `]}`
}

// buttons returns a QuestionButtons node "a" with the given buttons, all
// leading to "z", and an End node "z".
func buttons(list string) string {
	return flow(`{"id":"a","type":"QuestionButtons","text":"Pick","buttons":[`+list+`]}`, `{"id":"z","type":"End"}`)
}

// list returns a QuestionList node "a" with the given sections and an End "z".
func list(settings string) string {
	return flow(`{"id":"a","type":"QuestionList","text":"Pick","buttonText":"Open",`+settings+`}`, `{"id":"z","type":"End"}`)
}

func rows(n int) string {
	var r []string
	for i := range n {
		r = append(r, fmt.Sprintf(`{"id":"r%d","title":"Row %d","next":"z"}`, i, i))
	}
	return strings.Join(r, ",")
}

func btn(id, title string) string {
	return fmt.Sprintf(`{"id":%q,"title":%q,"next":"z"}`, id, title)
}

func single(node string) string { return flow(node) }

func TestParseInvalid(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name      string
		give      string
		wantNode  string
		wantField string
	}{
		{"version", `{"version":2,"start":"a","nodes":[{"id":"a","type":"End"}]}`, "", "version"},
		{"unknown top-level field", `{"version":1,"start":"a","nodes":[],"extra":1}`, "", "extra"},
		{"no nodes", `{"version":1,"start":"a","nodes":[]}`, "", "nodes"},
		{"missing start", `{"version":1,"nodes":[{"id":"a","type":"End"}]}`, "", "start"},
		{"start to nowhere", `{"version":1,"start":"b","nodes":[{"id":"a","type":"End"}]}`, "", "start"},
		{"node not an object", flow(`{"id":"a","type":"End"}`, `[1]`), "", "nodes[1]"},
		{"missing id", flow(`{"id":"a","type":"Message","text":"hi"}`, `{"type":"End"}`), "", "nodes[1].id"},
		{"duplicate id", flow(`{"id":"a","type":"Message","text":"hi"}`, `{"id":"a","type":"End"}`), "a", "id"},
		{"unknown component", single(`{"id":"a","type":"Banana"}`), "a", "type"},
		{"missing type", single(`{"id":"a"}`), "a", "type"},
		{"unknown setting", single(`{"id":"a","type":"Message","text":"hi","colour":"red"}`), "a", "colour"},
		{"setting of the wrong JSON type", single(`{"id":"a","type":"Message","text":42}`), "a", "text"},
		{"edge to nowhere", single(`{"id":"a","type":"Message","text":"hi","next":"b"}`), "a", "next"},
		{"button edge to nowhere", buttons(btn("x", "X") + `,{"id":"y","title":"Y","next":"nowhere"}`), "a", "buttons[1].next"},
		{"row edge to nowhere", list(`"sections":[{"rows":[{"id":"r","title":"R","next":"nowhere"}]}]`), "a", "sections[0].rows[0].next"},
		{"fallback to nowhere", single(`{"id":"a","type":"QuestionText","text":"?","variable":"v","fallback":"b"}`), "a", "fallback"},
		{"http error edge to nowhere", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://x.test/","error":"b"}`), "a", "error"},
		{"unreachable node", flow(`{"id":"a","type":"End"}`, `{"id":"b","type":"Message","text":"hi"}`), "b", "id"},
		{"loop without waiting", flow(`{"id":"a","type":"Message","text":"hi","next":"b"}`, `{"id":"b","type":"SetVariable","variable":"n","value":"1","next":"a"}`), "b", "next"},
		{"condition looping on itself", single(`{"id":"a","type":"Condition","branches":[{"variable":"x","operator":"isSet","next":"a"}]}`), "a", "branches[0].next"},
		{"http retry loop", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://x.test/","error":"a"}`), "a", "error"},
		{"message without text", single(`{"id":"a","type":"Message","text":"  "}`), "a", "text"},
		{"text over 4096", single(`{"id":"a","type":"Message","text":"` + long(4097) + `"}`), "a", "text"},
		{"question text over 4096", single(`{"id":"a","type":"QuestionText","text":"` + long(4097) + `","variable":"v"}`), "a", "text"},
		{"question without variable", single(`{"id":"a","type":"QuestionText","text":"?"}`), "a", "variable"},
		{"variable name", single(`{"id":"a","type":"QuestionText","text":"?","variable":"my var"}`), "a", "variable"},
		{"engine variable", single(`{"id":"a","type":"SetVariable","variable":"contact.name","value":"x"}`), "a", "variable"},
		{"unknown validation", single(`{"id":"a","type":"QuestionText","text":"?","variable":"v","validation":{"kind":"date"}}`), "a", "validation.kind"},
		{"invalid regex", single(`{"id":"a","type":"QuestionText","text":"?","variable":"v","validation":{"kind":"regex","pattern":"(["}}`), "a", "validation.pattern"},
		{"regex without pattern", single(`{"id":"a","type":"QuestionText","text":"?","variable":"v","validation":{"kind":"regex"}}`), "a", "validation.pattern"},
		{"retries over 10", single(`{"id":"a","type":"QuestionText","text":"?","variable":"v","maxRetries":11}`), "a", "maxRetries"},
		{"no buttons", buttons(``), "a", "buttons"},
		{"four buttons", buttons(btn("1", "One") + "," + btn("2", "Two") + "," + btn("3", "Three") + "," + btn("4", "Four")), "a", "buttons"},
		{"button title over 20", buttons(btn("x", long(21))), "a", "buttons[0].title"},
		{"button title missing", buttons(btn("x", "")), "a", "buttons[0].title"},
		{"button id over 256", buttons(btn(long(257), "X")), "a", "buttons[0].id"},
		{"duplicate button id", buttons(btn("x", "X") + "," + btn("x", "Y")), "a", "buttons[1].id"},
		{"duplicate button title", buttons(btn("x", "Same") + "," + btn("y", "Same")), "a", "buttons[1].title"},
		{"button body over 1024", flow(`{"id":"a","type":"QuestionButtons","text":"`+long(1025)+`","buttons":[`+btn("x", "X")+`]}`, `{"id":"z","type":"End"}`), "a", "text"},
		{"button header over 60", flow(`{"id":"a","type":"QuestionButtons","header":"`+long(61)+`","text":"?","buttons":[`+btn("x", "X")+`]}`, `{"id":"z","type":"End"}`), "a", "header"},
		{"button footer over 60", flow(`{"id":"a","type":"QuestionButtons","footer":"`+long(61)+`","text":"?","buttons":[`+btn("x", "X")+`]}`, `{"id":"z","type":"End"}`), "a", "footer"},
		{"eleven rows", list(`"sections":[{"title":"A","rows":[` + rows(6) + `]},{"title":"B","rows":[` + strings.ReplaceAll(rows(5), `"r`, `"s`) + `]}]`), "a", "sections"},
		{"no sections", list(`"sections":[]`), "a", "sections"},
		{"eleven sections", list(`"sections":[` + strings.Repeat(`{"title":"S","rows":[]},`, 10) + `{"title":"S","rows":[]}]`), "a", "sections"},
		{"section without rows", list(`"sections":[{"rows":[]}]`), "a", "sections[0].rows"},
		{"row title over 24", list(`"sections":[{"rows":[{"id":"r","title":"` + long(25) + `","next":"z"}]}]`), "a", "sections[0].rows[0].title"},
		{"row description over 72", list(`"sections":[{"rows":[{"id":"r","title":"R","description":"` + long(73) + `","next":"z"}]}]`), "a", "sections[0].rows[0].description"},
		{"row id over 200", list(`"sections":[{"rows":[{"id":"` + long(201) + `","title":"R","next":"z"}]}]`), "a", "sections[0].rows[0].id"},
		{"duplicate row id across sections", list(`"sections":[{"title":"A","rows":[{"id":"r","title":"R","next":"z"}]},{"title":"B","rows":[{"id":"r","title":"S","next":"z"}]}]`), "a", "sections[1].rows[0].id"},
		{"section title over 24", list(`"sections":[{"title":"` + long(25) + `","rows":[` + rows(1) + `]}]`), "a", "sections[0].title"},
		{"untitled section among several", list(`"sections":[{"title":"A","rows":[{"id":"r","title":"R","next":"z"}]},{"rows":[{"id":"s","title":"S","next":"z"}]}]`), "a", "sections[1].title"},
		{"list button text over 20", flow(`{"id":"a","type":"QuestionList","text":"?","buttonText":"`+long(21)+`","sections":[{"rows":[`+rows(1)+`]}]}`, `{"id":"z","type":"End"}`), "a", "buttonText"},
		{"list button text missing", flow(`{"id":"a","type":"QuestionList","text":"?","sections":[{"rows":[`+rows(1)+`]}]}`, `{"id":"z","type":"End"}`), "a", "buttonText"},
		{"list body over 4096", flow(`{"id":"a","type":"QuestionList","text":"`+long(4097)+`","buttonText":"Open","sections":[{"rows":[`+rows(1)+`]}]}`, `{"id":"z","type":"End"}`), "a", "text"},
		{"media type", single(`{"id":"a","type":"Media","mediaType":"gif","url":"https://x.test/a.gif"}`), "a", "mediaType"},
		{"media over http", single(`{"id":"a","type":"Media","mediaType":"image","url":"http://x.test/a.png"}`), "a", "url"},
		{"media caption on audio", single(`{"id":"a","type":"Media","mediaType":"audio","url":"https://x.test/a.ogg","caption":"listen"}`), "a", "caption"},
		{"media filename on image", single(`{"id":"a","type":"Media","mediaType":"image","url":"https://x.test/a.png","filename":"a.png"}`), "a", "filename"},
		{"media caption over 1024", single(`{"id":"a","type":"Media","mediaType":"image","url":"https://x.test/a.png","caption":"` + long(1025) + `"}`), "a", "caption"},
		{"template without name", single(`{"id":"a","type":"Template","language":"en_US"}`), "a", "name"},
		{"template without language", single(`{"id":"a","type":"Template","name":"hello"}`), "a", "language"},
		{"condition without branches", single(`{"id":"a","type":"Condition","branches":[]}`), "a", "branches"},
		{"unknown operator", single(`{"id":"a","type":"Condition","branches":[{"variable":"x","operator":"startsWith","value":"a"}]}`), "a", "branches[0].operator"},
		{"compare with a non-number", single(`{"id":"a","type":"Condition","branches":[{"variable":"x","operator":"greaterThan","value":"ten"}]}`), "a", "branches[0].value"},
		{"invalid condition regex", single(`{"id":"a","type":"Condition","branches":[{"variable":"x","operator":"matches","value":"a("}]}`), "a", "branches[0].value"},
		{"condition without variable", single(`{"id":"a","type":"Condition","branches":[{"operator":"isSet"}]}`), "a", "branches[0].variable"},
		{"http method", single(`{"id":"a","type":"HttpRequest","method":"TRACE","url":"https://x.test/"}`), "a", "method"},
		{"http scheme", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"ftp://x.test/"}`), "a", "url"},
		{"http host from a variable", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://{{host}}/x"}`), "a", "url"},
		{"http timeout over 30", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://x.test/","timeoutSeconds":31}`), "a", "timeoutSeconds"},
		{"http header name", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://x.test/","headers":{"Bad Header":"x"}}`), "a", "headers"},
		{"http response path", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://x.test/","response":[{"path":"a..b","variable":"v"}]}`), "a", "response[0].path"},
		{"http response variable", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://x.test/","response":[{"path":"a"}]}`), "a", "response[0].variable"},
		{"http status variable", single(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://x.test/","statusVariable":"message.x"}`), "a", "statusVariable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.give))

			if !hasProblem(err, tt.wantNode, tt.wantField) {
				t.Errorf("Parse() error = %v, want a problem at node %q field %q", err, tt.wantNode, tt.wantField)
			}
		})
	}
}

func hasProblem(err error, node, field string) bool {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, p := range ve.Problems {
		if p.NodeID == node && p.Field == field && p.Message != "" {
			return true
		}
	}
	return false
}

func TestParseReportsEveryProblem(t *testing.T) {
	give := flow(
		`{"id":"a","type":"QuestionButtons","text":"?","buttons":[{"id":"x","title":"`+strings.Repeat("t", 21)+`","next":"b"}]}`,
		`{"id":"b","type":"Banana"}`,
		`{"id":"c","type":"Message","text":"","next":"nowhere"}`,
	)
	want := []Problem{
		{NodeID: "b", Field: "type", Message: `"Banana" is not a known component`},
		{NodeID: "a", Field: "buttons[0].title", Message: "is 21 characters long; WhatsApp allows at most 20"},
		{NodeID: "c", Field: "text", Message: "is required"},
		{NodeID: "c", Field: "next", Message: `points to "nowhere", which is not a node`},
	}

	_, err := Parse([]byte(give))

	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse() error = %v, want a *ValidationError", err)
	}
	if fmt.Sprint(ve.Problems) != fmt.Sprint(want) {
		t.Errorf("Parse() problems =\n%v\nwant\n%v", ve.Problems, want)
	}
}

func TestParseMalformedJSON(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{"empty", ``},
		{"truncated", `{"version":1,`},
		{"not an object", `[]`},
		{"trailing data", `{"version":1,"start":"a","nodes":[{"id":"a","type":"End"}]} {}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.give))

			var ve *ValidationError
			if err == nil || errors.As(err, &ve) {
				t.Errorf("Parse() error = %v, want a decoding error", err)
			}
		})
	}
}

func TestValidateCodeBuiltDefinition(t *testing.T) {
	def := &Definition{Version: 1, Start: "hi", Nodes: []Node{
		{ID: "hi", Component: &Message{Text: "Hello", Next: "bye"}},
		{ID: "bye", Component: &End{}},
	}}

	if err := Validate(def); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
	if err := Validate(nil); !hasProblem(err, "", "definition") {
		t.Errorf("Validate(nil) = %v, want a problem", err)
	}
}
