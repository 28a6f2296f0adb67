package whatsapptest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// graphError is Meta's error object, written as {"error": {...}}.
type graphError struct {
	status      int
	retryAfter  time.Duration
	Message     string     `json:"message"`
	Type        string     `json:"type"`
	Code        int        `json:"code"`
	ErrorData   *errorData `json:"error_data,omitempty"`
	Subcode     int        `json:"error_subcode,omitempty"`
	IsTransient bool       `json:"is_transient,omitempty"`
	FBTraceID   string     `json:"fbtrace_id"`
}

type errorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

func whatsappDetails(details string) *errorData {
	return &errorData{MessagingProduct: "whatsapp", Details: details}
}

func (e *graphError) write(w http.ResponseWriter) {
	e.FBTraceID = fbTraceID()
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, e.status, map[string]*graphError{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func fbTraceID() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:23]
}

// errParamRequired: "(#100) The parameter text['body'] is required." is a
// real Meta answer (HTTP 400) to an empty text body.
func errParamRequired(param string) *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 100,
		Message: fmt.Sprintf("(#100) The parameter %s is required.", param)}
}

// errParamOneOf follows Graph's enum check, e.g. "(#100) Param type must be
// one of {AUDIO, …} - got \"x\".".
func errParamOneOf(param, allowed, got string) *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 100,
		Message: fmt.Sprintf("(#100) Param %s must be one of {%s} - got %q.", param, allowed, got)}
}

func errParamTooLong(param string, max int) *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 100,
		Message: fmt.Sprintf("(#100) Param %s must be at most %d characters long.", param, max)}
}

func errInvalidParameter(details string) *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 100,
		Message: "(#100) Invalid parameter", ErrorData: whatsappDetails(details)}
}

// errMissing is 131008 "Required parameter is missing".
func errMissing(details string) *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 131008,
		Message: "(#131008) Required parameter is missing", ErrorData: whatsappDetails(details)}
}

// errInvalidValue is 131009 "Parameter value is not valid"; real details
// include "Invalid buttons count. Min allowed buttons: 1, Max allowed
// buttons: 3", "Button title length invalid. Min length: 1, Max length: 20"
// and "Total row count exceed max allowed count: 10".
func errInvalidValue(details string) *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 131009,
		Message: "(#131009) Parameter value is not valid", ErrorData: whatsappDetails(details)}
}

// errObjectNotFound is Graph's answer for an unknown (or inaccessible) id.
func errObjectNotFound(method, id string) *graphError {
	return &graphError{status: 400, Type: "GraphMethodException", Code: 100, Subcode: 33,
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", method, id)}
}

func errUnknownPath(path string) *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 2500,
		Message: "Unknown path components: " + path}
}

func errNoToken() *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 104,
		Message: "An access token is required to request this resource."}
}

// errInvalidToken is the real answer to an unparseable token (HTTP 401).
func errInvalidToken() *graphError {
	return &graphError{status: 401, Type: "OAuthException", Code: 190,
		Message: "Invalid OAuth access token - Cannot parse access token"}
}

// errExpiredToken reproduces Meta's 190/463 wording.
func errExpiredToken(expiredAt, now time.Time) *graphError {
	const layout = "Monday, 02-Jan-06 15:04:05 MST"
	return &graphError{status: 400, Type: "OAuthException", Code: 190, Subcode: 463,
		Message: fmt.Sprintf("Error validating access token: Session has expired on %s. The current time is %s.",
			expiredAt.UTC().Format(layout), now.UTC().Format(layout))}
}

// errClientSecret is Graph's answer to a wrong app secret.
func errClientSecret() *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 1,
		Message: "Error validating client secret."}
}

func errApplication() *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 101,
		Message: "Error validating application. Invalid application ID."}
}

// errThrottled is Cloud API's throughput error; subcode as in Meta's example.
func errThrottled(retryAfter time.Duration) *graphError {
	return &graphError{status: 429, retryAfter: retryAfter, Type: "OAuthException", Code: 130429, Subcode: 2494055,
		Message:   "(#130429) Rate limit hit",
		ErrorData: whatsappDetails("Cloud API message throughput has been reached.")}
}

// errServer is Meta's transient error body (OpenAPI spec example).
func errServer() *graphError {
	return &graphError{status: 500, Type: "GraphMethodException", Code: 2, IsTransient: true,
		Message: "An unexpected error occurred. Please retry your request"}
}

// errReengagement: details as sent by Meta for 131047.
func errReengagement() *graphError {
	return &graphError{status: 400, Type: "OAuthException", Code: 131047,
		Message:   "(#131047) Re-engagement message",
		ErrorData: whatsappDetails("Message failed to send because more than 24 hours have passed since the customer last replied to this number.")}
}
