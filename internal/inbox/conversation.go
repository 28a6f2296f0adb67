package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/flowengine"
)

// activeConversation returns the contact's ACTIVE conversation, or nil.
func activeConversation(ctx context.Context, tx *ent.Tx, contactID int) (*ent.Conversation, error) {
	c, err := tx.Conversation.Query().
		Where(conversation.ContactID(contactID), conversation.StatusEQ(conversation.StatusACTIVE)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inbox: reading the active conversation: %w", err)
	}
	return c, nil
}

// idleTooLong reports whether conv had no activity for longer than the
// integration's expiry before at; a nil expiry never expires.
func idleTooLong(conv *ent.Conversation, expiry *time.Duration, at time.Time) bool {
	return expiry != nil && *expiry > 0 && at.Sub(conv.LastActivityAt) > *expiry
}

// messageTime is when the contact wrote m: WhatsApp's timestamp, else
// when it was stored.
func messageTime(m *ent.Message) time.Time {
	if m.WaTimestamp != nil {
		return m.WaTimestamp.UTC()
	}
	return m.CreatedAt.UTC()
}

// publishedVersion returns the bot's highest-numbered version, or nil when
// there is no bot or it was never published.
func publishedVersion(ctx context.Context, tx *ent.Tx, botID *int) (*ent.BotVersion, error) {
	if botID == nil {
		return nil, nil
	}
	v, err := tx.BotVersion.Query().
		Where(botversion.BotID(*botID)).
		Order(botversion.ByNumber(sql.OrderDesc())).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inbox: reading the published bot version: %w", err)
	}
	return v, nil
}

// saveConversation stores the step's state: into conv, or into a new
// conversation pinned to versionID when conv is nil. A flow that ended
// completes the conversation.
func saveConversation(ctx context.Context, tx *ent.Tx, integ *ent.Integration, c *ent.Contact, conv *ent.Conversation, versionID int, res flowengine.Result, at time.Time) (*ent.Conversation, error) {
	state, err := json.Marshal(res.State)
	if err != nil {
		return nil, fmt.Errorf("inbox: encoding conversation state: %w", err)
	}
	status := conversation.StatusACTIVE
	if res.Ended {
		status = conversation.StatusCOMPLETED
	}
	if conv == nil {
		create := tx.Conversation.Create().
			SetAccountID(integ.AccountID).
			SetIntegrationID(integ.ID).
			SetContactID(c.ID).
			SetBotVersionID(versionID).
			SetStatus(status).
			SetState(state).
			SetLastActivityAt(at).
			SetCreatedAt(at)
		if res.Ended {
			create.SetEndedAt(at)
		}
		conv, err = create.Save(ctx)
		if err != nil {
			return nil, fmt.Errorf("inbox: starting conversation: %w", err)
		}
		return conv, nil
	}
	// conv is ACTIVE: its status changes only when the flow ends, and only
	// a change is set, so dashboards hear of it once rather than per message.
	upd := tx.Conversation.UpdateOneID(conv.ID).SetState(state)
	if at.After(conv.LastActivityAt) {
		upd.SetLastActivityAt(at)
	}
	if res.Ended {
		upd.SetStatus(status).SetEndedAt(at)
	}
	conv, err = upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox: saving conversation: %w", err)
	}
	return conv, nil
}
