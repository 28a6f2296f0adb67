package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/intalos/integrations/internal/whatsapp"
)

// Integration connects one WhatsApp Business phone number to a bot.
//
// The app secret, access token and verify token are stored sealed
// (AES-256-GCM, see internal/secrets): the *_sealed fields hold ciphertext
// and no GraphQL type names them.
type Integration struct{ ent.Schema }

// Mixin of the Integration.
func (Integration) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the Integration.
func (Integration) Fields() []ent.Field {
	return []ent.Field{
		field.Int("account_id").Immutable(),
		field.String("name").Default("").MaxLen(200),
		field.Enum("kind").Values("WHATSAPP").Default("WHATSAPP").Immutable(),
		field.Bool("active").Default(false),
		field.Int("bot_id").Optional().Nillable(),

		field.String("business_account_id").NotEmpty().MaxLen(64),
		field.String("phone_number_id").NotEmpty().MaxLen(64).Unique(),
		field.String("app_id").NotEmpty().MaxLen(64),
		field.String("app_secret_sealed").Sensitive().NotEmpty(),
		field.String("access_token_sealed").Sensitive().NotEmpty(),
		field.Time("access_token_expires_at").Optional().Nillable().Comment("unset for tokens that do not expire"),
		field.String("verify_token_sealed").Sensitive().NotEmpty(),
		field.String("verify_token_fingerprint").Sensitive().NotEmpty().
			Comment("keyed hash of the verify token, to refuse reuse within an account without decrypting"),
		field.String("api_version").Default(whatsapp.DefaultAPIVersion).Match(whatsapp.APIVersionPattern),

		field.Bool("alerts_enabled").Default(false),
		field.String("alert_email").Default("").MaxLen(254),
		field.Int64("conversation_expiry").GoType(time.Duration(0)).Optional().Nillable().
			Comment("idle time after which a conversation expires; unset means never"),
		field.String("template_name").Default("").MaxLen(512),
		field.String("template_language").Default("").MaxLen(16),
		field.Strings("trigger_recipients").Optional().Comment("phone numbers, digits with country code; empty means everyone"),
		field.Float("messages_per_second").Default(80).Positive().Comment("send rate limit for this phone number"),

		field.String("webhook_key").NotEmpty().Unique().Immutable().Sensitive(),
		field.Time("last_activity_at").Optional().Nillable(),
		field.Time("webhook_verified_at").Optional().Nillable().
			Comment("last time Meta's GET verification succeeded; failures are IntegrationErrors"),
	}
}

// Edges of the Integration.
func (Integration) Edges() []ent.Edge {
	cascade := entsql.OnDelete(entsql.Cascade)
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("integrations").Field("account_id").Unique().Required().Immutable(),
		edge.From("bot", Bot.Type).Ref("integrations").Field("bot_id").Unique(),
		edge.To("contacts", Contact.Type).Annotations(cascade),
		edge.To("conversations", Conversation.Type).Annotations(cascade),
		edge.To("messages", Message.Type).Annotations(cascade),
		edge.To("errors", IntegrationError.Type).Annotations(cascade),
		edge.To("status_receipts", StatusReceipt.Type).Annotations(cascade),
		edge.To("webhook_events", WebhookEvent.Type).Annotations(cascade),
	}
}

// Indexes of the Integration.
func (Integration) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("account_id", "created_at"),
		index.Fields("account_id", "verify_token_fingerprint").Unique(),
		index.Fields("bot_id"),
	}
}
