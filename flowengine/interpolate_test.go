package flowengine

import "testing"

func TestInterpolate(t *testing.T) {
	vars := map[string]string{"name": "Ana", "order.id": "42", "contact.name": "Ana B"}
	tests := []struct {
		give string
		want string
	}{
		{"plain", "plain"},
		{"Hi {{name}}!", "Hi Ana!"},
		{"{{ name }} and {{order.id}}", "Ana and 42"},
		{"{{contact.name}}", "Ana B"},
		{"unset: [{{nobody}}]", "unset: []"},
		{"not a name: {{a b}} {{name}}", "not a name: {{a b}} Ana"},
		{"unclosed {{name", "unclosed {{name"},
		{"{{{name}}}", "{Ana}"},
		{"{{}}", "{{}}"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got := interpolate(tt.give, vars)

			if got != tt.want {
				t.Errorf("interpolate(%q) = %q, want %q", tt.give, got, tt.want)
			}
		})
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		give string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"too long", 3, "too"},
		{"ñandú olé", 5, "ñandú"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			got := clip(tt.give, tt.n)

			if got != tt.want {
				t.Errorf("clip(%q, %d) = %q, want %q", tt.give, tt.n, got, tt.want)
			}
		})
	}
}
