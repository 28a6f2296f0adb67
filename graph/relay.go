package graph

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Global ids are opaque to clients: base64url of "Type:id". The type makes
// an id of one kind useless as another, and node(id) can dispatch on it.

// globalID encodes an ent id of the given GraphQL type.
func globalID(typ string, id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.Itoa(id)))
}

// parseGlobalID decodes a global id; ok is false for anything malformed.
func parseGlobalID(gid string) (typ string, id int, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", 0, false
	}
	typ, num, found := strings.Cut(string(raw), ":")
	if !found || typ == "" {
		return "", 0, false
	}
	id, err = strconv.Atoi(num)
	if err != nil || id <= 0 {
		return "", 0, false
	}
	return typ, id, true
}
