package diagnostics

import (
	"context"
	"fmt"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/botversion"
)

func (r *run) active() Check {
	c := Check{Name: CheckActive, Title: "Integration active"}
	if r.in.Active {
		c.Status, c.Reason = OK, "The integration is active."
		return c
	}
	c.Status = Failing
	c.Reason = "The integration is switched off, so it neither receives nor sends messages."
	c.Action = "Turn the Active toggle ON in the integration's settings."
	return c
}

func (r *run) bot(ctx context.Context) (Check, error) {
	c := Check{Name: CheckBot, Title: "Bot connected and published"}
	noBot := func() (Check, error) {
		c.Status = Failing
		c.Reason = "No bot is connected, so incoming messages get no answer."
		c.Action = "Select a published bot as the integration's connected bot."
		return c, nil
	}
	if r.in.BotID == nil {
		return noBot()
	}
	b, err := r.d.Client.Bot.Get(ctx, *r.in.BotID)
	if ent.IsNotFound(err) {
		return noBot()
	}
	if err != nil {
		return c, err
	}
	v, err := r.d.Client.BotVersion.Query().Where(botversion.BotID(b.ID)).
		Order(ent.Desc(botversion.FieldNumber)).First(ctx)
	if ent.IsNotFound(err) {
		c.Status = Failing
		c.Reason = fmt.Sprintf("The connected bot %q has never been published.", b.Name)
		c.Action = "Publish the bot in the Bot Builder; new conversations then use the published version."
		return c, nil
	}
	if err != nil {
		return c, err
	}
	c.Status, c.At = OK, ptr(v.PublishedAt)
	c.Reason = fmt.Sprintf("Bot %q is connected; version %d was published at %s.", b.Name, v.Number, stamp(v.PublishedAt))
	return c, nil
}
