// Package webhook is the front door for Meta's WhatsApp webhooks: the GET
// verification handshake and the signed POSTs that carry inbound messages,
// delivery statuses and account notifications.
//
// A POST is answered 200 only after everything it carries is committed (the
// inbox rows the conversation workers claim later); nothing here runs a bot.
// Concurrent POSTs share transactions (group commit), so that the commit
// rate of the database, not the request rate, bounds ingestion.
package webhook
