// Package secrets seals credentials for storage: AES-256-GCM with a random
// nonce per value, and a purpose bound in as associated data so that a sealed
// app secret cannot be replayed as an access token.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the key: 32 bytes selects AES-256.
const KeySize = 32

// sealedPrefix versions the stored format so that it can change later.
const sealedPrefix = "v1:"

// Purposes of sealed values. Each is bound to its ciphertext.
const (
	AppSecret   = "app_secret"
	AccessToken = "access_token"
	VerifyToken = "verify_token"
)

// ErrMalformed is returned for a value that is not a sealed secret.
var ErrMalformed = errors.New("malformed sealed secret")

// Box seals and opens secrets with one key.
type Box struct {
	aead      cipher.AEAD
	macKey    []byte
	keyFinger string
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// A separate key for fingerprints, so that they reveal nothing about
	// the encryption key.
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("intalos fingerprint key"))
	return &Box{aead: aead, macKey: mac.Sum(nil)}, nil
}

// Seal encrypts plaintext for the given purpose.
func (b *Box) Seal(plaintext, purpose string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(purpose))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value sealed for the given purpose.
func (b *Box) Open(sealed, purpose string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", ErrMalformed
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", ErrMalformed
	}
	nonce, ct := data[:b.aead.NonceSize()], data[b.aead.NonceSize():]
	pt, err := b.aead.Open(nil, nonce, ct, []byte(purpose))
	if err != nil {
		return "", fmt.Errorf("opening %s: wrong key or tampered value", purpose)
	}
	return string(pt), nil
}

// Fingerprint is a keyed hash of plaintext: equal inputs give equal
// fingerprints, so uniqueness can be checked without decrypting, and without
// the key it cannot be brute-forced from a stolen database.
func (b *Box) Fingerprint(plaintext, purpose string) string {
	mac := hmac.New(sha256.New, b.macKey)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write([]byte(plaintext))
	return hex.EncodeToString(mac.Sum(nil))
}
