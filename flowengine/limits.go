package flowengine

// WhatsApp's limits on what a flow sends, in characters. Sources: reply
// buttons https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages,
// lists https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-list-messages,
// text https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/text-messages.
const (
	maxTextBody         = 4096
	maxButtonBody       = 1024 // body of a reply-button message
	maxListBody         = 4096 // body of a list message, per Meta's list page
	maxHeader           = 60
	maxFooter           = 60
	maxButtons          = 3
	maxButtonTitle      = 20
	maxButtonID         = 256
	maxListButtonText   = 20
	maxListSections     = 10
	maxListRows         = 10 // across all sections
	maxSectionTitle     = 24
	maxRowTitle         = 24
	maxRowDescription   = 72
	maxRowID            = 200
	maxCaption          = 1024
	maxTemplateNameLen  = 512
	maxTemplateLanguage = 15 // e.g. "en_US", "zh_HK"
)

// Limits of the engine itself.
const (
	maxRetriesAllowed = 10   // per question
	maxVarLen         = 4096 // characters kept in one variable
	maxTimeoutSeconds = 30   // HttpRequest timeoutSeconds
)
