// Package flowengine understands bot flows: it parses and validates a flow
// definition (a versioned JSON document built in the bot builder) and runs
// one conversation step at a time.
//
// A step takes the definition, the conversation's State and one inbound
// message (an Input) and returns the messages to send, ready for the WhatsApp
// send endpoint, with the next State. The runtime is pure except for the
// HttpRequest component, which goes through the HTTP client given to New.
// Loading and saving state, and sending, belong to the caller.
//
// See README.md for the definition format.
package flowengine
