package flowengine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, s string) *Definition {
	t.Helper()
	def, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func textIn(s string) Input { return Input{Kind: InputText, Text: s} }

// texts returns the bodies of the text messages of a result.
func texts(r Result) string {
	var out []string
	for _, m := range r.Outputs {
		if m.Text != nil {
			out = append(out, m.Text.Body)
		}
	}
	return strings.Join(out, "|")
}

func TestStepLimit(t *testing.T) {
	var nodes []string
	for i := range 10 {
		nodes = append(nodes, fmt.Sprintf(`{"id":"m%d","type":"Message","text":"%d","next":"m%d"}`, i, i, i+1))
	}
	nodes = append(nodes, `{"id":"m10","type":"End"}`)
	def := mustParse(t, `{"version":1,"start":"m0","nodes":[`+strings.Join(nodes, ",")+`]}`)
	tests := []struct {
		name     string
		giveMax  int
		wantErr  error
		wantOuts int
	}{
		{"under the cap", 11, nil, 10},
		{"over the cap", 10, ErrStepLimit, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := New(nil, Options{MaxSteps: tt.giveMax}).Step(context.Background(), def, State{}, textIn("hi"))

			if !errors.Is(err, tt.wantErr) || len(res.Outputs) != tt.wantOuts {
				t.Errorf("Step() = %d outputs, %v; want %d outputs, %v", len(res.Outputs), err, tt.wantOuts, tt.wantErr)
			}
		})
	}
}

func TestStepRejects(t *testing.T) {
	def := mustParse(t, flow(`{"id":"a","type":"QuestionText","text":"?","variable":"v","next":"m"}`, `{"id":"m","type":"Message","text":"hi"}`))
	tests := []struct {
		name    string
		give    State
		wantErr string
	}{
		{"unknown node", State{Version: 1, Node: "gone"}, `waits at "gone"`},
		{"not a question", State{Version: 1, Node: "m"}, `waits at "m"`},
		{"future state", State{Version: 9, Node: "a"}, "state version 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(nil, Options{}).Step(context.Background(), def, tt.give, textIn("x"))

			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Step() error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestConditionOperators(t *testing.T) {
	tests := []struct {
		name string
		op   string
		val  string
		give string
		want string
	}{
		{"equals ignores case and spaces", "equals", "Yes", " yes ", "yes"},
		{"equals", "equals", "yes", "no", "no"},
		{"not equals", "notEquals", "yes", "no", "yes"},
		{"contains", "contains", "late", "My order is LATE", "yes"},
		{"matches", "matches", `^\d{3}$`, "123", "yes"},
		{"matches fails", "matches", `^\d{3}$`, "1234", "no"},
		{"matches an interpolated pattern", "matches", `^{{contact.name}}`, "Ana here", "yes"},
		{"greater than", "greaterThan", "8", "9.5", "yes"},
		{"greater than with a comma", "greaterThan", "8", "8,5", "yes"},
		{"not greater", "greaterThan", "8", "8", "no"},
		{"greater than a text", "greaterThan", "8", "nine", "no"},
		{"less than", "lessThan", "0", "-1", "yes"},
		{"is set", "isSet", "", "anything", "yes"},
		{"is not set", "isNotSet", "", "anything", "no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := mustParse(t, flow(
				fmt.Sprintf(`{"id":"a","type":"Condition","branches":[{"variable":"message.text","operator":%q,"value":%q,"next":"yes"}],"default":"no"}`, tt.op, tt.val),
				`{"id":"yes","type":"Message","text":"yes"}`,
				`{"id":"no","type":"Message","text":"no"}`,
			))
			in := textIn(tt.give)
			in.Contact = Contact{Name: "Ana"}

			res, err := New(nil, Options{}).Step(context.Background(), def, State{}, in)

			if err != nil || texts(res) != tt.want {
				t.Errorf("Step() = %q, %v; want %q", texts(res), err, tt.want)
			}
		})
	}
}

func TestQuestionTextValidation(t *testing.T) {
	tests := []struct {
		name     string
		kind     string
		give     string
		wantNode string // where the conversation waits next; "" when it moved on
	}{
		{"number", "number", "42", ""},
		{"number with a decimal comma", "number", "4,2", ""},
		{"not a number", "number", "forty", "q"},
		{"email", "email", "ana@example.com", ""},
		{"email with a name", "email", "Ana <ana@example.com>", "q"},
		{"not an email", "email", "ana@", "q"},
		{"phone", "phone", "+1 (555) 000-1234", ""},
		{"phone too short", "phone", "12345", "q"},
		{"phone with letters", "phone", "+1 555 CALL NOW", "q"},
		{"empty text", "number", "   ", "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := mustParse(t, flow(
				`{"id":"a","type":"Message","text":"hi","next":"q"}`,
				fmt.Sprintf(`{"id":"q","type":"QuestionText","text":"?","variable":"v","validation":{"kind":%q},"next":"done"}`, tt.kind),
				`{"id":"done","type":"Message","text":"{{v}}"}`,
			))
			state := State{Version: 1, Node: "q"}

			res, err := New(nil, Options{}).Step(context.Background(), def, state, textIn(tt.give))

			if err != nil || res.State.Node != tt.wantNode {
				t.Errorf("Step(%q) waits at %q, %v; want %q", tt.give, res.State.Node, err, tt.wantNode)
			}
		})
	}
}

func TestHttpRequestFailures(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	big := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"a":"`+strings.Repeat("x", 100)+`"}`) }
	notJSON := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `<html>`) }
	broken := func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusBadGateway) }
	ok := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"a":"fine"}`) }
	tests := []struct {
		name       string
		give       http.HandlerFunc
		noClient   bool
		wantText   string
		wantStatus string
	}{
		{"success", ok, false, "ok fine", "200"},
		{"timeout", slow, false, "failed", "0"},
		{"response over the cap", big, false, "failed", "200"},
		{"response not JSON", notJSON, false, "failed", "200"},
		{"status outside 2xx", broken, false, "failed", "502"},
		{"no client", ok, true, "failed", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.give)
			defer srv.Close()
			var client HTTPDoer = redirectClient(srv)
			if tt.noClient {
				client = nil
			}
			eng := New(client, Options{HTTPTimeout: 50 * time.Millisecond, MaxResponseBytes: 64})
			def := mustParse(t, flow(
				`{"id":"a","type":"HttpRequest","method":"GET","url":"https://api.test/x","statusVariable":"status","response":[{"path":"a","variable":"a"}],"next":"ok","error":"failed"}`,
				`{"id":"ok","type":"Message","text":"ok {{a}}"}`,
				`{"id":"failed","type":"Message","text":"failed"}`,
			))

			res, err := eng.Step(context.Background(), def, State{}, textIn("hi"))

			if err != nil || texts(res) != tt.wantText || res.State.Vars["status"] != tt.wantStatus {
				t.Errorf("Step() = %q status %q, %v; want %q status %q", texts(res), res.State.Vars["status"], err, tt.wantText, tt.wantStatus)
			}
		})
	}
}

func TestHttpRequestEscapesURLValues(t *testing.T) {
	var gotPath, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery = r.URL.EscapedPath(), r.URL.RawQuery
	}))
	defer srv.Close()
	def := mustParse(t, flow(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://api.test/orders/{{message.text}}?lang=en"}`))

	_, err := New(redirectClient(srv), Options{}).Step(context.Background(), def, State{}, textIn("../admin?drop=1&x=a b"))

	if err != nil || gotPath != "/orders/..%2Fadmin%3Fdrop%3D1%26x%3Da%20b" || gotQuery != "lang=en" {
		t.Errorf("request went to %q ? %q (%v), want the value kept in its path segment", gotPath, gotQuery, err)
	}
}

func TestStepStopsWithItsContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	def := mustParse(t, flow(`{"id":"a","type":"HttpRequest","method":"GET","url":"https://api.test/","error":"b"}`, `{"id":"b","type":"Message","text":"failed"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()

	_, err := New(redirectClient(srv), Options{}).Step(ctx, def, State{}, textIn("hi"))

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Step() error = %v, want the context's deadline", err)
	}
}

func TestTestRun(t *testing.T) {
	eng := New(nil, Options{})
	valid := &Definition{Version: 1, Start: "a", Nodes: []Node{{ID: "a", Component: &Message{Text: "Hi {{contact.name}}"}}}}
	draft := &Definition{Version: 1, Start: "a", Nodes: []Node{{ID: "a", Component: &Message{Text: "hi", Next: "b"}}}}
	in := Input{Kind: InputText, Text: "hello", Contact: Contact{Name: "Ana"}}

	res, err := eng.TestRun(context.Background(), valid, State{}, in)
	if err != nil || texts(res) != "Hi Ana" || !res.Ended {
		t.Errorf("TestRun(valid) = %q ended %v, %v; want %q and the end", texts(res), res.Ended, err, "Hi Ana")
	}
	_, err = eng.TestRun(context.Background(), draft, State{}, in)
	if !hasProblem(err, "a", "next") {
		t.Errorf("TestRun(draft) error = %v, want the draft's problem", err)
	}
}
