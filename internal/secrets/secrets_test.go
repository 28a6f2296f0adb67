package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testBox(t *testing.T) *Box {
	t.Helper()
	k, err := ParseKey(strings.Repeat("ab", KeySize))
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpenRoundTrip(t *testing.T) {
	b := testBox(t)
	sealed, err := b.Seal("EAAG-token-ümlaut", AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "EAAG") {
		t.Fatalf("sealed value %q contains the plaintext", sealed)
	}
	got, err := b.Open(sealed, AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if got != "EAAG-token-ümlaut" {
		t.Fatalf("Open = %q, want the plaintext", got)
	}
	again, _ := b.Seal("EAAG-token-ümlaut", AccessToken)
	if again == sealed {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
}

func TestOpenRefuses(t *testing.T) {
	b := testBox(t)
	sealed, _ := b.Seal("secret", AppSecret)
	other, _ := New([]byte(strings.Repeat("k", KeySize)))
	tests := []struct {
		name    string
		box     *Box
		give    string
		purpose string
	}{
		{"other purpose", b, sealed, AccessToken},
		{"other key", other, sealed, AppSecret},
		{"no prefix", b, "secret", AppSecret},
		{"not base64", b, "v1:!!!", AppSecret},
		{"too short", b, "v1:AAAA", AppSecret},
		{"tampered", b, sealed[:len(sealed)-2] + "AA", AppSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tt.box.Open(tt.give, tt.purpose); err == nil {
				t.Fatalf("Open = %q, want an error", got)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	b := testBox(t)
	if b.Fingerprint("tok", VerifyToken) != b.Fingerprint("tok", VerifyToken) {
		t.Fatal("fingerprint is not deterministic")
	}
	if b.Fingerprint("tok", VerifyToken) == b.Fingerprint("tok2", VerifyToken) {
		t.Fatal("different values share a fingerprint")
	}
	if b.Fingerprint("tok", VerifyToken) == b.Fingerprint("tok", AppSecret) {
		t.Fatal("purpose does not separate fingerprints")
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		give    string
		wantErr bool
	}{
		{strings.Repeat("00", 32), false},
		{"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=", false},
		{"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA", false},
		{"short", true},
		{strings.Repeat("zz", 32), true},
	}
	for _, tt := range tests {
		_, err := ParseKey(tt.give)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseKey(%q) error = %v, want error %v", tt.give, err, tt.wantErr)
		}
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("key file mode = %o, want 600", mode)
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(k1) != string(k2) {
		t.Fatal("second load returned a different key")
	}
}
