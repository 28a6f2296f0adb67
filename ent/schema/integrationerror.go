package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// IntegrationError is one entry of an integration's error log, which the
// dashboards, the diagnostics and the email alerts read.
type IntegrationError struct{ ent.Schema }

// Mixin of the IntegrationError.
func (IntegrationError) Mixin() []ent.Mixin { return []ent.Mixin{AccountMixin{}} }

// Fields of the IntegrationError.
func (IntegrationError) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id").Immutable(),
		field.Enum("kind").Values(
			"SIGNATURE_INVALID",    // a webhook POST failed the signature check
			"VERIFICATION_FAILED",  // Meta's GET verification had a wrong token or mode
			"WEBHOOK_ERROR",        // Meta reported an error inside a webhook payload
			"NO_BOT",               // a message arrived with no published bot connected
			"FLOW_ERROR",           // the bot's flow failed while running
			"SEND_FAILED",          // Meta refused or could not deliver a reply
			"OUTSIDE_WINDOW",       // a reply fell outside the 24-hour window
			"TOKEN_EXPIRED",        // Meta rejected the access token
			"TOKEN_REFRESH_FAILED", // the long-lived token could not be renewed
		).Immutable(),
		field.String("message").Immutable(),
		field.JSON("detail", map[string]any{}).Optional().Immutable(),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Time("alerted_at").Optional().Nillable(),
	}
}

// Edges of the IntegrationError.
func (IntegrationError) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("integration", Integration.Type).Ref("errors").Field("integration_id").Unique().Required().Immutable(),
	}
}

// Indexes of the IntegrationError.
func (IntegrationError) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("integration_id", "created_at"),
		index.Fields("alerted_at"),
	}
}
