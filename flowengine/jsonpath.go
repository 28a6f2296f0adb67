package flowengine

import (
	"encoding/json"
	"strconv"
	"strings"
)

// splitPath splits "items[0].status" or "items.0.status" into segments.
func splitPath(path string) ([]string, bool) {
	path = strings.NewReplacer("[", ".", "]", "").Replace(path)
	if path == "" {
		return nil, false
	}
	segs := strings.Split(path, ".")
	for _, s := range segs {
		if s == "" {
			return nil, false
		}
	}
	return segs, true
}

// lookupPath finds a value in a decoded JSON document and returns it as a
// variable value: strings as they are, numbers and booleans as written,
// objects and arrays as compact JSON. null counts as missing.
func lookupPath(doc any, segs []string) (string, bool) {
	for _, s := range segs {
		switch d := doc.(type) {
		case map[string]any:
			doc = d[s]
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(d) {
				return "", false
			}
			doc = d[i]
		default:
			return "", false
		}
	}
	switch v := doc.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	b, err := json.Marshal(doc)
	return string(b), err == nil
}
