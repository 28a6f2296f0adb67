package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/tenant"
)

func TestParseGlobalID(t *testing.T) {
	tests := []struct {
		give     string
		wantType string
		wantID   int
		wantOK   bool
	}{
		{globalID("Integration", 42), "Integration", 42, true},
		{globalID("Bot", 1), "Bot", 1, true},
		{"", "", 0, false},
		{"not base64!", "", 0, false},
		{b64("Bot"), "", 0, false},
		{b64(":1"), "", 0, false},
		{b64("Bot:0"), "", 0, false},
		{b64("Bot:-3"), "", 0, false},
		{b64("Bot:007"), "", 0, false},
		{b64("Bot:1x"), "", 0, false},
	}
	for _, tt := range tests {
		typ, id, ok := parseGlobalID(tt.give)
		if typ != tt.wantType || id != tt.wantID || ok != tt.wantOK {
			t.Errorf("parseGlobalID(%q) = %q, %d, %v; want %q, %d, %v", tt.give, typ, id, ok, tt.wantType, tt.wantID, tt.wantOK)
		}
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestCursorCodec(t *testing.T) {
	key, _ := secrets.ParseKey(strings.Repeat("11", secrets.KeySize))
	box, _ := secrets.New(key)
	c := cursorCodec{box: box}
	ctxA := tenant.WithAccount(context.Background(), 1)
	ctxB := tenant.WithAccount(context.Background(), 2)
	s := c.encode(ctxA, cursor{ID: 7, Order: "NAME", Value: []byte(`"alpha"`)})

	got, err := c.decode(ctxA, "after", s)
	if err != nil || got.ID != 7 || got.Order != "NAME" || string(got.Value) != `"alpha"` {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	tests := []struct {
		name, give, wantCode string
	}{
		{"other account", s, CodeNotFound},
		{"tampered", s[:len(s)-1] + flip(s[len(s)-1]), CodeNotFound},
		{"no mac", strings.Split(s, ".")[0], CodeBadUserInput},
		{"garbage", "%%%", CodeBadUserInput},
	}
	for _, tt := range tests {
		ctx := ctxA
		if tt.name == "other account" {
			ctx = ctxB
		}
		_, err := c.decode(ctx, "after", tt.give)
		var gqlErr *gqlerror.Error
		if !errors.As(err, &gqlErr) || gqlErr.Extensions["code"] != tt.wantCode {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.wantCode)
		}
	}
}

func flip(b byte) string {
	if b == '0' {
		return "1"
	}
	return "0"
}

func TestPageSize(t *testing.T) {
	one, neg, big := 1, -1, maxPageSize+1
	tests := []struct {
		give         pageArgs
		wantN        int
		wantBackward bool
		wantErr      string
	}{
		{pageArgs{}, defaultPageSize, false, ""},
		{pageArgs{first: &one}, 1, false, ""},
		{pageArgs{last: &one}, 1, true, ""},
		{pageArgs{first: &one, last: &one}, 0, false, "last"},
		{pageArgs{first: &neg}, 0, false, "first"},
		{pageArgs{last: &big}, 0, false, "last"},
	}
	for _, tt := range tests {
		n, back, err := pageSize(context.Background(), tt.give)
		gotErr := ""
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) {
			gotErr, _ = gqlErr.Extensions["field"].(string)
		}
		if n != tt.wantN || back != tt.wantBackward || gotErr != tt.wantErr {
			t.Errorf("pageSize(%+v) = %d, %v, %q; want %d, %v, %q", tt.give, n, back, gotErr, tt.wantN, tt.wantBackward, tt.wantErr)
		}
	}
}

// schema.graphql is what go generate prints from the served schema.
func TestSchemaFileIsCurrent(t *testing.T) {
	want, err := os.ReadFile("schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(NewExecutableSchema(Config{}).Schema())
	if !bytes.HasSuffix(want, buf.Bytes()) {
		t.Error("schema.graphql is stale: run go generate ./graph/")
	}
}
