// Package whatsapptest is a local simulator of the parts of Meta's Graph API
// that the product uses (WhatsApp Cloud API sends, read receipts, media,
// token exchange and inspection), plus Meta's side of the webhook.
//
// Tests start one with NewServer; the metasim subcommand serves one for
// local development with New. State is registered explicitly:
//
//	sim := whatsapptest.NewServer(t, whatsapptest.Config{})
//	sim.AddPhoneNumber("106540352242922", "15550783881")
//	sim.AddToken("EAAtest", whatsapptest.TokenSpec{})                    // never expires
//	sim.AddApp("1234", "app-secret")                                      // for token exchange
//	sim.AddToken("EAAshort", whatsapptest.TokenSpec{AppID: "1234", ExpiresAt: time.Now().Add(time.Hour)})
//
// With Config.Permissive (what metasim uses) any non-empty token, phone
// number id and app id with a non-empty secret are accepted, except that
// registered apps still check their secret and registered tokens still
// expire.
//
// Faults are injected per phone number with SetFaults. Every accepted
// request is recorded (Requests). Webhooks are posted with PostInbound,
// PostStatus, PostStatuses, PostFailed, PostPayload and Redeliver; with
// Config.AutoStatus every accepted send is followed by sent, delivered and
// read statuses.
//
// Error bodies follow Meta's envelope. Where a real Meta answer was found,
// its message and details are reproduced verbatim (noted next to each);
// other details follow the same wording pattern.
package whatsapptest
