package alerts

import "github.com/intalos/integrations/ent/integrationerror"

// advice is what an email says about one kind of error: a title for the
// subject, what happened in plain words, and what to check.
type advice struct {
	title  string
	what   string
	checks []string
}

// Checks that apply to several kinds.
const (
	checkActive = "The integration is switched on: its Active toggle in Intalos must be ON, otherwise nothing is received or sent."
	checkLog    = "The integration's error log in Intalos lists each occurrence with Meta's error code."
)

func adviceFor(kind integrationerror.Kind) advice {
	switch kind {
	case integrationerror.KindSIGNATURE_INVALID:
		return advice{
			title: "webhook signature check failed",
			what:  "Requests arrived at this integration's webhook address whose signature did not match. They were rejected, so any messages they carried were not processed.",
			checks: []string{
				"The App Secret saved in the integration is the current secret of the Meta app that sends the webhooks. If the secret was reset in the Meta app dashboard, enter the new one in Intalos.",
				"The App ID in the integration belongs to that same Meta app.",
				"If nothing was changed on either side, the requests may not come from Meta at all; they are refused and need no action.",
			},
		}
	case integrationerror.KindVERIFICATION_FAILED:
		return advice{
			title: "webhook verification failed",
			what:  "Meta asked to verify the webhook address and the request was refused, so Meta will not deliver messages to this integration.",
			checks: []string{
				"The Verify Token entered in Meta's webhook settings is exactly the one saved in the integration: same characters, same upper and lower case, no spaces before or after.",
				"Re-enter the Verify Token in the Webhooks section of the Meta app and press Verify again.",
				"The callback URL in Meta is the one Intalos support gave you for this integration.",
				checkActive,
			},
		}
	case integrationerror.KindWEBHOOK_ERROR:
		return advice{
			title: "Meta reported an error",
			what:  "A webhook from Meta carried an error about this phone number or business account.",
			checks: []string{
				"The phone number and the business account are in good standing in WhatsApp Manager.",
				"The webhook is subscribed to the messages field in the Meta app.",
				checkLog,
			},
		}
	case integrationerror.KindNO_BOT:
		return advice{
			title: "no published bot is connected",
			what:  "Messages arrived, but the integration has no published bot to answer them, so the contacts got no reply.",
			checks: []string{
				"A bot is selected as the integration's connected bot.",
				"That bot is published: publish it in the Bot Builder, then select it in the integration.",
				checkActive,
			},
		}
	case integrationerror.KindFLOW_ERROR:
		return advice{
			title: "the bot's flow failed",
			what:  "The connected bot stopped with an error while answering a contact.",
			checks: []string{
				"Run the bot in the Bot Builder's test mode with the same answers and watch where it stops.",
				"Every component is connected to a next step, and variables used in messages are set before they are used.",
				"HTTP requests in the flow reach their servers and get the answers the flow expects.",
			},
		}
	case integrationerror.KindSEND_FAILED:
		return advice{
			title: "replies could not be sent",
			what:  "Meta refused or could not deliver replies of the bot.",
			checks: []string{
				checkActive,
				"The access token is still valid; if it expired, generate a new one in the Meta app and save it in the integration.",
				checkLog,
			},
		}
	case integrationerror.KindOUTSIDE_WINDOW:
		return advice{
			title: "replies fell outside WhatsApp's 24-hour window",
			what:  "WhatsApp allows free-form replies only within 24 hours of the contact's last message, so some replies were not sent.",
			checks: []string{
				"To reach contacts after 24 hours, set an approved message template (name and language) in the integration settings.",
				"The template is approved in WhatsApp Manager.",
			},
		}
	case integrationerror.KindTOKEN_EXPIRED:
		return advice{
			title: "the access token was rejected",
			what:  "Meta rejected the integration's access token as expired or invalid, so the bot cannot send anything.",
			checks: []string{
				"Generate a new access token in the Meta app dashboard and save it in the integration; Intalos exchanges it for a long-lived one.",
				"The token was generated for the same Meta app as the App ID in the integration.",
			},
		}
	case integrationerror.KindTOKEN_REFRESH_FAILED:
		return advice{
			title: "the access token could not be renewed",
			what:  "Intalos tried to renew the long-lived access token before it expires and Meta refused. Once the token expires the bot can no longer send.",
			checks: []string{
				"The App ID and App Secret in the integration are those of the Meta app the token belongs to.",
				"Generate a new access token in the Meta app dashboard and save it in the integration before the current one expires.",
			},
		}
	}
	return advice{title: string(kind), what: "An error was recorded for this integration.", checks: []string{checkLog}}
}
