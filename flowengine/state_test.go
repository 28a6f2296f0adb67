package flowengine

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestStateJSON(t *testing.T) {
	give := State{Version: 1, Node: "ask", Retries: 2, Vars: map[string]string{"order": "123456"}}
	wantJSON := `{"v":1,"node":"ask","retries":2,"vars":{"order":"123456"}}`

	got, err := json.Marshal(give)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}

	if string(got) != wantJSON {
		t.Errorf("Marshal() = %s, want %s", got, wantJSON)
	}
	if !reflect.DeepEqual(back, give) {
		t.Errorf("Unmarshal() = %+v, want %+v", back, give)
	}
}

func TestStateUnmarshalRejects(t *testing.T) {
	tests := []struct {
		name    string
		give    string
		wantErr string
	}{
		{"future version", `{"v":2,"node":"ask"}`, "version 2 is newer than this server understands"},
		{"no version", `{"node":"ask"}`, "missing version"},
		{"not JSON", `{"v":`, "unexpected end of JSON input"},
		{"wrong types", `{"v":1,"vars":{"a":1}}`, "decode conversation state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s State
			err := json.Unmarshal([]byte(tt.give), &s)

			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Unmarshal() error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}
