package whatsapp

// WhatsApp's limits on outbound messages, in characters (runes). Exported so
// the flow engine can check bot definitions against the same numbers.
//
// Sources:
// text: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages
// captions: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/image-messages
// buttons: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages
// lists: https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-list-messages
const (
	MaxTextBody = 4096
	MaxCaption  = 1024

	MaxReplyButtons   = 3
	MaxButtonID       = 256
	MaxButtonTitle    = 20
	MaxButtonBodyText = 1024

	MaxListSections   = 10
	MaxListRows       = 10 // across all sections
	MaxListButtonText = 20
	MaxSectionTitle   = 24
	MaxRowID          = 200
	MaxRowTitle       = 24
	MaxRowDescription = 72
	MaxListBodyText   = 4096

	MaxHeaderText = 60
	MaxFooterText = 60
)
