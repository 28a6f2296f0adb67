// Package secretstest gives tests a secrets.Box under a fresh random key.
package secretstest

import (
	"crypto/rand"
	"testing"

	"github.com/intalos/integrations/internal/secrets"
)

// Box returns a Box with a random key of its own.
func Box(t testing.TB) *secrets.Box {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}
