package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// signatureHeader carries Meta's HMAC-SHA256 of the body, keyed with the
// app secret, as "sha256=<hex>".
const signatureHeader = "X-Hub-Signature-256"

// validSignature checks header against the exact bytes received: hashing a
// re-encoded body would break on every non-ASCII character Meta escapes.
// The comparison is constant-time.
func validSignature(header string, body, appSecret []byte) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, appSecret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// equalSecret compares two secrets in constant time, lengths included:
// hashing first makes both sides the same length.
func equalSecret(a, b []byte) bool {
	ha, hb := sha256.Sum256(a), sha256.Sum256(b)
	return hmac.Equal(ha[:], hb[:])
}
