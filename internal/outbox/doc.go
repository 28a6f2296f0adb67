// Package outbox sends the replies the conversation workers queued (QUEUED
// outbound messages) through the WhatsApp Cloud API, and marks processed
// inbound messages as read.
//
// # Order and claims
//
// A conversation's messages go out one at a time in id order: only the
// oldest QUEUED message of a conversation is eligible, and it stays QUEUED
// until it is SENT or FAILED. A sender claims a message with a conditional
// UPDATE guarded by its attempts counter (every claim increments it), so two
// senders, in one process or several, never both win; no row lock is held
// while Meta is called. The claim sets attempt_started_at (when it was not
// set) and next_attempt_at = now + Options.Lease.
//
// # Never twice: attempts in doubt
//
// attempt_started_at is committed before the call and cleared with its
// outcome. A message whose attempt_started_at is set when its lease runs out
// is in doubt: the process died between the call and the commit, or the
// connection broke with no answer (a transport error or our own timeout
// leaves the row as it is for the same reason). The next sender to claim it
// looks for proof that Meta accepted it: every send carries our message id
// as biz_opaque_callback_data, which Meta echoes in each status webhook of
// the message, and the webhook keeps those statuses. A kept status with our
// id and a wamid no message has yet means Meta accepted the attempt: the
// wamid is recorded, the message is SENT and the kept statuses are applied.
// With no such status after the lease, Meta never accepted it and the
// message is sent again.
//
// The trade-off: the lease is also the grace period for the status webhook.
// If Meta accepted the message but its status webhook arrives later than the
// lease (a webhook outage), the contact gets the message twice; a lease long
// enough for Meta's usual delay (default one minute, INTALOS_SEND_LEASE)
// makes that rare, at the price of delaying a conversation by that much
// after a crash. Marking the message FAILED instead would never duplicate
// but could silently drop a reply Meta never received.
//
// # Errors
//
//   - Retryable (throttling, 5xx, Meta's temporary codes): attempts is
//     incremented per claim and next_attempt_at = now + whatsapp Backoff;
//     after Options.MaxAttempts the message is FAILED (SEND_FAILED).
//   - Permanent: FAILED with Meta's code and message, plus an
//     IntegrationError SEND_FAILED.
//   - Auth (190 and friends): the integration's current token is exchanged
//     once (ExchangeToken with the sealed app id and secret), stored sealed
//     with its expiry (compare-and-set, so concurrent refreshes do not fight)
//     and the send retried. If the exchange or the retry fails: FAILED and an
//     IntegrationError TOKEN_EXPIRED.
//   - Outside the 24-hour window (from contact.last_inbound_at, or learned
//     from a synchronous 131047): when the integration has a template, the
//     message is FAILED with the reason and the template is queued in its
//     place, once per conversation and window; without one, FAILED and an
//     IntegrationError OUTSIDE_WINDOW. A 131047 that arrives later as a
//     failed status is applied by the webhook like any status.
//
// # Rate limit
//
// Each integration's messages_per_second is applied to the shared
// whatsapp.Client limiter for its phone number before a send. The limiter
// is per process: N instances may together send N times the rate.
//
// # Read receipts
//
// The inbox leaves next_attempt_at set on PROCESSED inbound messages. One
// worker per process claims a batch of them with a single update that
// clears it and sets read_at (one commit per batch, not per message), then
// calls Meta's mark-as-read for the newest message of each contact (Meta
// marks the earlier ones too). Replies go first: a worker sends before it
// reads. At most once per process: a crash between the update and the call
// leaves a message unread at Meta until the contact's next one; two
// processes claiming the same batch both send a receipt, which Meta takes
// as a no-op.
package outbox
