package main

import (
	"os"
	"strings"
	"testing"

	"github.com/intalos/integrations/internal/config"
)

// The README's configuration table must name every setting.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings() {
		row := "| `" + s.Env + "` | `-" + s.Flag + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README configuration table lacks %s", row)
		}
	}
}
