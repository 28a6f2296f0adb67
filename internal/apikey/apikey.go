// Package apikey issues and checks the API keys that GraphQL callers
// authenticate with. Only a key's SHA-256 is stored.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/apikey"
	"github.com/intalos/integrations/internal/tenant"
)

// keyPrefix marks our keys, so that secret scanners and people recognise them.
const keyPrefix = "ik_"

// displayLen is how much of a key is kept in clear to tell keys apart.
const displayLen = len(keyPrefix) + 8

// ErrInvalid is returned for a key that is unknown, malformed or revoked.
var ErrInvalid = errors.New("invalid or revoked API key")

// Generate returns a new random key and its stored form.
func Generate() (key, prefix, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", "", err
	}
	key = keyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, key[:displayLen], Hash(key), nil
}

// Hash is the stored form of a key.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Create issues a key for the account and returns it with its row. The key
// itself is not stored and cannot be shown again.
func Create(ctx context.Context, client *ent.Client, accountID int, name string) (string, *ent.APIKey, error) {
	key, prefix, hash, err := Generate()
	if err != nil {
		return "", nil, err
	}
	row, err := client.APIKey.Create().
		SetAccountID(accountID).SetName(name).SetPrefix(prefix).SetHash(hash).
		Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("storing API key: %w", err)
	}
	return key, row, nil
}

// lastUsedGranularity bounds writes: last use is recorded at most this often
// per key, not on every request.
const lastUsedGranularity = time.Minute

// Authenticator resolves keys to accounts.
type Authenticator struct {
	client *ent.Client
	now    func() time.Time
}

// NewAuthenticator returns an Authenticator reading keys through client.
func NewAuthenticator(client *ent.Client) *Authenticator {
	return &Authenticator{client: client, now: time.Now}
}

// Authenticate returns the account a key belongs to.
func (a *Authenticator) Authenticate(ctx context.Context, key string) (int, error) {
	key = strings.TrimSpace(key)
	if !strings.HasPrefix(key, keyPrefix) || len(key) < displayLen {
		return 0, ErrInvalid
	}
	sys := tenant.AsSystem(ctx)
	row, err := a.client.APIKey.Query().
		Where(apikey.Hash(Hash(key)), apikey.RevokedAtIsNil()).
		Only(sys)
	if ent.IsNotFound(err) {
		return 0, ErrInvalid
	}
	if err != nil {
		return 0, fmt.Errorf("looking up API key: %w", err)
	}
	now := a.now()
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > lastUsedGranularity {
		// Best effort: a failed bookkeeping write must not fail the request.
		_ = a.client.APIKey.UpdateOneID(row.ID).SetLastUsedAt(now).Exec(sys)
	}
	return row.AccountID, nil
}
