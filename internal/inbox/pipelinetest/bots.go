package pipelinetest

import (
	"encoding/json"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/botversion"
)

// Bot creates a bot with def as its first published version.
func (e *Env) Bot(name, def string) (*ent.Bot, *ent.BotVersion) {
	e.t.Helper()
	b, err := e.DB.Client.Bot.Create().
		SetAccountID(e.Account).
		SetName(name).
		SetDefinition(json.RawMessage(def)).
		Save(Ctx())
	if err != nil {
		e.t.Fatal(err)
	}
	return b, e.Publish(b.ID, def)
}

// Publish adds the next version of a bot.
func (e *Env) Publish(botID int, def string) *ent.BotVersion {
	e.t.Helper()
	number := 1
	last, err := e.DB.Client.BotVersion.Query().
		Where(botversion.BotID(botID)).
		Order(botversion.ByNumber(sql.OrderDesc())).
		First(Ctx())
	switch {
	case err == nil:
		number = last.Number + 1
	case !ent.IsNotFound(err):
		e.t.Fatal(err)
	}
	v, err := e.DB.Client.BotVersion.Create().
		SetAccountID(e.Account).
		SetBotID(botID).
		SetNumber(number).
		SetDefinition(json.RawMessage(def)).
		SetPublishedAt(time.Now()).
		Save(Ctx())
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// Bind connects the integration to a bot.
func (e *Env) Bind(botID int) {
	e.t.Helper()
	e.UpdateIntegration(func(u *ent.IntegrationUpdateOne) { u.SetBotID(botID) })
}

// UpdateIntegration changes the integration and reloads Integ.
func (e *Env) UpdateIntegration(set func(*ent.IntegrationUpdateOne)) {
	e.t.Helper()
	u := e.DB.Client.Integration.UpdateOneID(e.Integ.ID)
	set(u)
	in, err := u.Save(Ctx())
	if err != nil {
		e.t.Fatal(err)
	}
	e.Integ = in
}
