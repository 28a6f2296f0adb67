// Package inbox runs the conversation workers: they claim the inbound
// messages the webhook stored (status RECEIVED), run each through its
// conversation's bot and queue the replies for the outbox.
//
// # Claims and ordering
//
// One contact's messages are processed one at a time, in WhatsApp's order
// (wa_timestamp, then id); different contacts run in parallel. A worker
// picks the contacts with due messages, oldest first, and opens a
// transaction per message:
//
//   - PostgreSQL: the contact row is locked with FOR UPDATE SKIP LOCKED, so
//     workers of every server instance skip a contact another one holds.
//     The lock is the claim: it lasts exactly as long as the transaction, so
//     a crashed worker's claim ends with its connection and the message,
//     still RECEIVED, is claimed again at once. No lease to tune.
//   - SQLite (one instance): write transactions are serialised by the
//     database (BEGIN IMMEDIATE), and an in-process set keeps two local
//     workers off the same contact.
//
// Inside the transaction the worker takes the contact's oldest RECEIVED
// message, chooses the conversation, runs one flow step, saves the state,
// marks the message and inserts the replies as QUEUED outbound rows, and
// commits: all or nothing. The flow step runs inside the transaction, so an
// HttpRequest component holds the claim (and on SQLite the write lock) for
// up to its timeout; the whole transaction is bounded by
// Options.ProcessTimeout.
//
// An error that is not the bot's (the database, a cancelled context) rolls
// the transaction back and defers the message with a backoff; after
// Options.MaxAttempts it is marked FAILED, so a poisonous message cannot
// block its contact forever.
//
// # Decisions per message
//
//   - Integration inactive, or the sender not among the trigger recipients
//     (digits-only comparison): IGNORED, no conversation, no reply.
//   - Reactions, system notices, revokes, edits, unsupported and unknown
//     types: IGNORED with the reason in error_detail; the contact's active
//     conversation is linked for display but its state and activity time are
//     left alone.
//   - No bot, no published version, a definition that does not parse, a
//     stored state that does not decode, or a flow error (including the
//     step limit): FAILED with an IntegrationError (NO_BOT or FLOW_ERROR).
//     Nothing else is written, so the conversation keeps its previous state.
//   - Otherwise PROCESSED. The conversation is the contact's ACTIVE one,
//     unless it has been idle longer than the integration's
//     conversation_expiry (measured to the message's WhatsApp timestamp):
//     it becomes EXPIRED and a new one starts. A new conversation pins the
//     highest-numbered version of the integration's bot at that moment;
//     existing ones keep theirs across rebinds and republishes. A flow that
//     reaches its end marks the conversation COMPLETED, so the next message
//     starts a new one on the then-published version.
//
// Published bot versions are immutable, so their parsed definitions are kept
// in an LRU keyed by version id.
//
// # Read receipts
//
// A PROCESSED inbound message is left with next_attempt_at set: that is the
// outbox's cue to mark it as read at Meta (see package outbox), which then
// clears next_attempt_at and sets read_at. The intent is durable (written in
// the processing transaction); the call is made at most once.
//
// # Events
//
// The Processor publishes nothing itself: the ent hooks of package events
// publish each commit's changes (the inbound message's new status, the
// conversation, every queued reply, any integration error) once, after it.
// Options.OnQueued (the outbox's Wake) is called when replies or read
// receipts were queued.
package inbox
