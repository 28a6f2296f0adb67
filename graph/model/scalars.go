package model

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// Node is any object with a global id: the ent entities bound to the
// GraphQL types that implement Node.
type Node any

// MarshalRawJSON writes stored JSON (a draft, a version, a message body)
// unchanged.
func MarshalRawJSON(v json.RawMessage) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if len(v) == 0 {
			w.Write([]byte("null"))
			return
		}
		w.Write(v)
	})
}

// UnmarshalRawJSON takes any JSON value of a request.
func UnmarshalRawJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errors.New("not a JSON value")
	}
	return b, nil
}
