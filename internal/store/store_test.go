package store

import (
	"testing"

	"entgo.io/ent/dialect"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		give        string
		wantDialect string
		wantDSN     string
		wantErr     bool
	}{
		{"", dialect.SQLite, "data/intalos.db", false},
		{"postgres://u@h:5432/db?sslmode=disable", dialect.Postgres, "postgres://u@h:5432/db?sslmode=disable", false},
		{"postgresql://u@h/db", dialect.Postgres, "postgresql://u@h/db", false},
		{"sqlite:///var/lib/intalos.db", dialect.SQLite, "/var/lib/intalos.db", false},
		{"sqlite:my.db", dialect.SQLite, "my.db", false},
		{"file:my.db?mode=rw", dialect.SQLite, "my.db", false},
		{"/tmp/x.db", dialect.SQLite, "/tmp/x.db", false},
		{"mysql://u@h/db", "", "", true},
		{"sqlite://", "", "", true},
	}
	for _, tt := range tests {
		got, err := ParseURL(tt.give, "data")
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseURL(%q) error = %v, want error %v", tt.give, err, tt.wantErr)
			continue
		}
		if got.Dialect != tt.wantDialect || got.DSN != tt.wantDSN {
			t.Errorf("ParseURL(%q) = %+v, want {%s %s}", tt.give, got, tt.wantDialect, tt.wantDSN)
		}
	}
}
