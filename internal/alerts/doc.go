// Package alerts emails an integration's owner when its error log grows.
//
// The webhook, the flow engine, the sender and the maintenance jobs only
// insert IntegrationError rows; an [Alerter] running beside them turns the
// rows of integrations with alerts on into emails, so that a slow or failing
// SMTP server never holds up a webhook or a reply.
//
// # Grouping
//
// Errors are grouped per integration and kind. The first error of a kind
// goes out at once; errors of that kind arriving within the digest interval
// (15 minutes by default) of the last email wait and go out together in one
// digest with their count and first and last times. Each covered error gets
// alerted_at set.
//
// # Delivery guarantee
//
// alerted_at is written after the SMTP server accepted the email, in the
// transaction that holds the integration's alert lock. A crash between the
// two sends that email again; nothing is ever marked alerted without having
// been handed to the server. A duplicate costs the user one extra email; a
// lost alert can leave a silent bot unnoticed for days.
//
// While the SMTP server is unreachable the errors stay unmarked and the
// Alerter retries with exponential backoff.
package alerts
