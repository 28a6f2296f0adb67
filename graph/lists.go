package graph

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/apikey"
	"github.com/intalos/integrations/ent/bot"
	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/ent/conversation"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/predicate"
	"github.com/intalos/integrations/graph/model"
)

// Each connection below is one filtered ent query handed to paginate, with
// the edges its selection needs loaded in one query each (STYLE §7): the
// number of queries does not grow with the page.

func edgesOf[T, E any](p *page[T], edge func(T, string) E) []E {
	out := make([]E, len(p.nodes))
	for i, n := range p.nodes {
		out[i] = edge(n, p.cursors[i])
	}
	return out
}

func integrationKey(o *model.IntegrationOrder) (sortKey[*ent.Integration], bool) {
	if o == nil {
		return columnKey("CREATED_AT", integration.FieldCreatedAt, func(i *ent.Integration) time.Time { return i.CreatedAt }), false
	}
	desc := o.Direction == model.OrderDirectionDesc
	switch o.Field {
	case model.IntegrationOrderFieldName:
		return columnKey("NAME", integration.FieldName, func(i *ent.Integration) string { return i.Name }), desc
	case model.IntegrationOrderFieldLastActivityAt:
		return coalesceKey("LAST_ACTIVITY_AT", integration.FieldLastActivityAt, integration.FieldCreatedAt, func(i *ent.Integration) time.Time {
			if i.LastActivityAt != nil {
				return *i.LastActivityAt
			}
			return i.CreatedAt
		}), desc
	}
	return columnKey("CREATED_AT", integration.FieldCreatedAt, func(i *ent.Integration) time.Time { return i.CreatedAt }), desc
}

func (r *Resolver) integrations(ctx context.Context, args pageArgs, filter *model.IntegrationFilter, orderBy *model.IntegrationOrder) (*model.IntegrationConnection, error) {
	q := r.read(ctx).Integration.Query()
	if f := filter; f != nil {
		if f.Active != nil {
			q.Where(integration.Active(*f.Active))
		}
		if f.BotID != nil {
			// An id that names no bot of the account matches nothing.
			if t, id, ok := parseGlobalID(*f.BotID); ok && t == typeBot {
				q.Where(integration.BotID(id))
			} else {
				q.Where(integration.IDIn())
			}
		}
		if f.Search != nil && *f.Search != "" {
			q.Where(integration.Or(integration.NameContainsFold(*f.Search), integration.PhoneNumberIDContains(*f.Search)))
		}
	}
	if graphql.FieldRequested(ctx, "edges.node.bot") {
		versions := graphql.AnyFieldRequested(ctx, "edges.node.bot.published", "edges.node.bot.latestVersion")
		q.WithBot(func(bq *ent.BotQuery) {
			if versions {
				bq.WithVersions(latestVersionOnly)
			}
		})
	}
	key, desc := integrationKey(orderBy)
	p, err := paginate(ctx, r.cursors, pageQuery[*ent.Integration]{
		table: integration.Table,
		count: func(ctx context.Context) (int, error) { return q.Clone().Count(ctx) },
		fetch: func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]*ent.Integration, error) {
			return q.Clone().Where(predicate.Integration(where)).Order(integration.OrderOption(order)).Limit(limit).All(ctx)
		},
		id: func(i *ent.Integration) int { return i.ID },
	}, key, desc, args)
	if err != nil {
		return nil, err
	}
	return &model.IntegrationConnection{PageInfo: p.info, TotalCount: p.total,
		Edges: edgesOf(p, func(n *ent.Integration, c string) *model.IntegrationEdge {
			return &model.IntegrationEdge{Node: n, Cursor: c}
		})}, nil
}

// latestVersionOnly keeps the versions that no newer version of the same
// bot follows: with WithVersions, one query loads each bot's latest.
func latestVersionOnly(q *ent.BotVersionQuery) {
	q.Where(func(s *sql.Selector) {
		newer := sql.Table(botversion.Table).As("newer")
		s.Where(sql.NotExists(sql.Select(newer.C(botversion.FieldID)).From(newer).Where(sql.And(
			sql.ColumnsEQ(newer.C(botversion.FieldBotID), s.C(botversion.FieldBotID)),
			sql.ColumnsGT(newer.C(botversion.FieldNumber), s.C(botversion.FieldNumber)),
		))))
	})
}

func (r *Resolver) bots(ctx context.Context, args pageArgs, orderBy *model.BotOrder) (*model.BotConnection, error) {
	q := r.read(ctx).Bot.Query()
	if graphql.AnyFieldRequested(ctx, "edges.node.published", "edges.node.latestVersion") {
		q.WithVersions(latestVersionOnly)
	}
	key := columnKey("CREATED_AT", bot.FieldCreatedAt, func(b *ent.Bot) time.Time { return b.CreatedAt })
	desc := false
	if o := orderBy; o != nil {
		desc = o.Direction == model.OrderDirectionDesc
		switch o.Field {
		case model.BotOrderFieldName:
			key = columnKey("NAME", bot.FieldName, func(b *ent.Bot) string { return b.Name })
		case model.BotOrderFieldUpdatedAt:
			key = columnKey("UPDATED_AT", bot.FieldUpdatedAt, func(b *ent.Bot) time.Time { return b.UpdatedAt })
		}
	}
	p, err := paginate(ctx, r.cursors, pageQuery[*ent.Bot]{
		table: bot.Table,
		count: func(ctx context.Context) (int, error) { return q.Clone().Count(ctx) },
		fetch: func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]*ent.Bot, error) {
			return q.Clone().Where(predicate.Bot(where)).Order(bot.OrderOption(order)).Limit(limit).All(ctx)
		},
		id: func(b *ent.Bot) int { return b.ID },
	}, key, desc, args)
	if err != nil {
		return nil, err
	}
	return &model.BotConnection{PageInfo: p.info, TotalCount: p.total,
		Edges: edgesOf(p, func(n *ent.Bot, c string) *model.BotEdge { return &model.BotEdge{Node: n, Cursor: c} })}, nil
}

// botVersions lists a bot's versions, newest first.
func (r *Resolver) botVersions(ctx context.Context, b *ent.Bot, args pageArgs) (*model.BotVersionConnection, error) {
	q := r.read(ctx).BotVersion.Query().Where(botversion.BotID(b.ID))
	key := columnKey("NUMBER", botversion.FieldNumber, func(v *ent.BotVersion) int { return v.Number })
	p, err := paginate(ctx, r.cursors, pageQuery[*ent.BotVersion]{
		table: botversion.Table,
		count: func(ctx context.Context) (int, error) { return q.Clone().Count(ctx) },
		fetch: func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]*ent.BotVersion, error) {
			return q.Clone().Where(predicate.BotVersion(where)).Order(botversion.OrderOption(order)).Limit(limit).All(ctx)
		},
		id: func(v *ent.BotVersion) int { return v.ID },
	}, key, true, args)
	if err != nil {
		return nil, err
	}
	return &model.BotVersionConnection{PageInfo: p.info, TotalCount: p.total,
		Edges: edgesOf(p, func(n *ent.BotVersion, c string) *model.BotVersionEdge {
			return &model.BotVersionEdge{Node: n, Cursor: c}
		})}, nil
}

// latestVersion is a bot's newest version, nil before its first publish.
func (r *Resolver) latestVersion(ctx context.Context, b *ent.Bot) (*ent.BotVersion, error) {
	if vs, err := b.Edges.VersionsOrErr(); err == nil {
		var latest *ent.BotVersion
		for _, v := range vs {
			if latest == nil || v.Number > latest.Number {
				latest = v
			}
		}
		return latest, nil
	}
	v, err := r.read(ctx).BotVersion.Query().Where(botversion.BotID(b.ID)).
		Order(ent.Desc(botversion.FieldNumber)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return v, err
}

func (r *Resolver) conversations(ctx context.Context, integrationID string, status *conversation.Status, args pageArgs, orderBy *model.ConversationOrder) (*model.ConversationConnection, error) {
	id, err := r.existingIntegration(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	q := r.read(ctx).Conversation.Query().Where(conversation.IntegrationID(id))
	if status != nil {
		q.Where(conversation.StatusEQ(*status))
	}
	if graphql.FieldRequested(ctx, "edges.node.contact") {
		q.WithContact()
	}
	if graphql.FieldRequested(ctx, "edges.node.botVersion") {
		q.WithBotVersion()
	}
	key := columnKey("LAST_ACTIVITY_AT", conversation.FieldLastActivityAt, func(c *ent.Conversation) time.Time { return c.LastActivityAt })
	desc := true
	if o := orderBy; o != nil {
		desc = o.Direction == model.OrderDirectionDesc
		if o.Field == model.ConversationOrderFieldCreatedAt {
			key = columnKey("CREATED_AT", conversation.FieldCreatedAt, func(c *ent.Conversation) time.Time { return c.CreatedAt })
		}
	}
	p, err := paginate(ctx, r.cursors, pageQuery[*ent.Conversation]{
		table: conversation.Table,
		count: func(ctx context.Context) (int, error) { return q.Clone().Count(ctx) },
		fetch: func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]*ent.Conversation, error) {
			return q.Clone().Where(predicate.Conversation(where)).Order(conversation.OrderOption(order)).Limit(limit).All(ctx)
		},
		id: func(c *ent.Conversation) int { return c.ID },
	}, key, desc, args)
	if err != nil {
		return nil, err
	}
	return &model.ConversationConnection{PageInfo: p.info, TotalCount: p.total,
		Edges: edgesOf(p, func(n *ent.Conversation, c string) *model.ConversationEdge {
			return &model.ConversationEdge{Node: n, Cursor: c}
		})}, nil
}

func (r *Resolver) messages(ctx context.Context, conversationID string, args pageArgs, orderBy *model.MessageOrder) (*model.MessageConnection, error) {
	id, err := idOf(ctx, typeConversation, "conversationId", conversationID)
	if err != nil {
		return nil, err
	}
	if ok, err := r.read(ctx).Conversation.Query().Where(conversation.ID(id)).Exist(ctx); err != nil || !ok {
		return nil, orNotFound(ctx, "conversationId", err)
	}
	q := r.read(ctx).Message.Query().Where(message.ConversationID(id))
	key := columnKey("CREATED_AT", message.FieldCreatedAt, func(m *ent.Message) time.Time { return m.CreatedAt })
	desc := orderBy != nil && orderBy.Direction == model.OrderDirectionDesc
	p, err := paginate(ctx, r.cursors, pageQuery[*ent.Message]{
		table: message.Table,
		count: func(ctx context.Context) (int, error) { return q.Clone().Count(ctx) },
		fetch: func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]*ent.Message, error) {
			return q.Clone().Where(predicate.Message(where)).Order(message.OrderOption(order)).Limit(limit).All(ctx)
		},
		id: func(m *ent.Message) int { return m.ID },
	}, key, desc, args)
	if err != nil {
		return nil, err
	}
	return &model.MessageConnection{PageInfo: p.info, TotalCount: p.total,
		Edges: edgesOf(p, func(n *ent.Message, c string) *model.MessageEdge { return &model.MessageEdge{Node: n, Cursor: c} })}, nil
}

func (r *Resolver) integrationErrors(ctx context.Context, integrationID string, args pageArgs, orderBy *model.IntegrationErrorOrder) (*model.IntegrationErrorConnection, error) {
	id, err := r.existingIntegration(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	q := r.read(ctx).IntegrationError.Query().Where(integrationerror.IntegrationID(id))
	key := columnKey("CREATED_AT", integrationerror.FieldCreatedAt, func(e *ent.IntegrationError) time.Time { return e.CreatedAt })
	desc := orderBy == nil || orderBy.Direction == model.OrderDirectionDesc
	p, err := paginate(ctx, r.cursors, pageQuery[*ent.IntegrationError]{
		table: integrationerror.Table,
		count: func(ctx context.Context) (int, error) { return q.Clone().Count(ctx) },
		fetch: func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]*ent.IntegrationError, error) {
			return q.Clone().Where(predicate.IntegrationError(where)).Order(integrationerror.OrderOption(order)).Limit(limit).All(ctx)
		},
		id: func(e *ent.IntegrationError) int { return e.ID },
	}, key, desc, args)
	if err != nil {
		return nil, err
	}
	return &model.IntegrationErrorConnection{PageInfo: p.info, TotalCount: p.total,
		Edges: edgesOf(p, func(n *ent.IntegrationError, c string) *model.IntegrationErrorEdge {
			return &model.IntegrationErrorEdge{Node: n, Cursor: c}
		})}, nil
}

func (r *Resolver) apiKeys(ctx context.Context, args pageArgs) (*model.APIKeyConnection, error) {
	q := r.read(ctx).APIKey.Query()
	key := columnKey("CREATED_AT", apikey.FieldCreatedAt, func(k *ent.APIKey) time.Time { return k.CreatedAt })
	p, err := paginate(ctx, r.cursors, pageQuery[*ent.APIKey]{
		table: apikey.Table,
		count: func(ctx context.Context) (int, error) { return q.Clone().Count(ctx) },
		fetch: func(ctx context.Context, where, order func(*sql.Selector), limit int) ([]*ent.APIKey, error) {
			return q.Clone().Where(predicate.APIKey(where)).Order(apikey.OrderOption(order)).Limit(limit).All(ctx)
		},
		id: func(k *ent.APIKey) int { return k.ID },
	}, key, false, args)
	if err != nil {
		return nil, err
	}
	return &model.APIKeyConnection{PageInfo: p.info, TotalCount: p.total,
		Edges: edgesOf(p, func(n *ent.APIKey, c string) *model.APIKeyEdge { return &model.APIKeyEdge{Node: n, Cursor: c} })}, nil
}

// existingIntegration decodes an integration id and checks that the
// account has it, so that a list under another account's integration is
// NOT_FOUND rather than empty.
func (r *Resolver) existingIntegration(ctx context.Context, gid string) (int, error) {
	id, err := idOf(ctx, typeIntegration, "integrationId", gid)
	if err != nil {
		return 0, err
	}
	ok, err := r.read(ctx).Integration.Query().Where(integration.ID(id)).Exist(ctx)
	if err != nil || !ok {
		return 0, orNotFound(ctx, "integrationId", err)
	}
	return id, nil
}

func orNotFound(ctx context.Context, field string, err error) error {
	if err != nil {
		return err
	}
	return notFound(ctx, field, "not found")
}
