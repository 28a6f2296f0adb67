package integrations

import (
	"errors"
	"strings"

	"github.com/intalos/integrations/internal/whatsapp"
)

// InputError is a value the caller has to change. Field is the input
// field's name as the API spells it.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, msg string) error { return &InputError{Field: field, Message: msg} }

// ConflictError is a value already taken by another record.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Message }

// Requirement is one precondition of activating an integration.
type Requirement string

// What activation requires.
const (
	RequireBot            Requirement = "CONNECTED_BOT"
	RequirePublishedBot   Requirement = "PUBLISHED_BOT"
	RequireCredentials    Requirement = "WORKING_CREDENTIALS"
	RequireInactiveForBot Requirement = "INACTIVE"
)

// PreconditionError says which requirements of an operation are missing.
type PreconditionError struct {
	Missing []Requirement
	Message string
	// Meta is Meta's answer when it refused the credentials.
	Meta *whatsapp.APIError
}

func (e *PreconditionError) Error() string { return e.Message }

// UpstreamError is Meta refusing a request, or not answering. Field is the
// input the refusal is most likely about, when there is one.
type UpstreamError struct {
	Op    string
	Field string
	Err   error
}

func (e *UpstreamError) Error() string { return "meta: " + e.Op + ": " + e.Err.Error() }
func (e *UpstreamError) Unwrap() error { return e.Err }

// API returns Meta's error answer, or nil when Meta could not be reached.
func (e *UpstreamError) API() *whatsapp.APIError {
	var api *whatsapp.APIError
	if errors.As(e.Err, &api) {
		return api
	}
	return nil
}

// ProblemsError lists every problem of a bot's flow definition.
type ProblemsError struct {
	Problems []Problem
}

// Problem is one problem of a flow definition. Field is the setting's JSON
// path in the node (or in the definition when NodeID is empty).
type Problem struct {
	NodeID  string
	Field   string
	Message string
}

func (e *ProblemsError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return "invalid flow definition: " + strings.Join(msgs, "; ")
}
