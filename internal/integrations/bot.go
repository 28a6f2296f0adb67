package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/botversion"
	"github.com/intalos/integrations/flowengine"
)

// BotFields are a bot's editable values; nil leaves one as it is.
type BotFields struct {
	Name        *string
	Description *string
	// Definition is the draft flow. A draft may be unfinished; it is
	// validated when published or tested.
	Definition json.RawMessage
}

const (
	maxDescriptionLen = 2000
	maxDefinitionLen  = 1 << 20
)

func (f *BotFields) check(create bool) error {
	var c checker
	if f.Name != nil {
		n := strings.TrimSpace(*f.Name)
		f.Name = &n
	}
	switch {
	case f.Name == nil && create, f.Name != nil && *f.Name == "":
		c.add("name", "is required")
	case f.Name != nil && utf8.RuneCountInString(*f.Name) > maxNameLen:
		c.add("name", "must be at most %d characters", maxNameLen)
	}
	if f.Description != nil && utf8.RuneCountInString(*f.Description) > maxDescriptionLen {
		c.add("description", "must be at most %d characters", maxDescriptionLen)
	}
	if d := bytes.TrimSpace(f.Definition); len(d) > 0 {
		switch {
		case len(d) > maxDefinitionLen:
			c.add("definition", "must be at most %d bytes", maxDefinitionLen)
		case d[0] != '{':
			c.add("definition", "must be a JSON object")
		}
	}
	return c.errs.err()
}

// CreateBot stores a new bot with its draft.
func (s *Service) CreateBot(ctx context.Context, db DB, in BotFields) (*ent.Bot, error) {
	if err := in.check(true); err != nil {
		return nil, err
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	c := w.Bot.Create().SetName(*in.Name).SetNillableDescription(in.Description)
	if len(in.Definition) > 0 {
		c.SetDefinition(in.Definition)
	}
	return c.Save(ctx)
}

// UpdateBot changes a bot's name, description or draft; its published
// versions never change.
func (s *Service) UpdateBot(ctx context.Context, db DB, id int, in BotFields) (*ent.Bot, error) {
	if err := in.check(false); err != nil {
		return nil, err
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	u := w.Bot.UpdateOneID(id).SetNillableName(in.Name).SetNillableDescription(in.Description)
	if len(in.Definition) > 0 {
		u.SetDefinition(in.Definition)
	}
	return u.Save(ctx)
}

// PublishBot validates the draft and stores it as the bot's next version.
// An invalid draft gives a *ProblemsError with every problem, and nothing
// is published.
func (s *Service) PublishBot(ctx context.Context, db DB, id int) (*ent.BotVersion, error) {
	b, err := db.Read(ctx).Bot.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := parseFlow(b.Definition); err != nil {
		return nil, err
	}
	w, err := db.Write(ctx)
	if err != nil {
		return nil, err
	}
	// Read the last number inside the transaction; a concurrent publish of
	// the same bot then fails on the unique (bot, number) index.
	last, err := w.BotVersion.Query().Where(botversion.BotID(id)).
		Order(ent.Desc(botversion.FieldNumber)).First(ctx)
	next := 1
	switch {
	case err == nil:
		next = last.Number + 1
	case !ent.IsNotFound(err):
		return nil, err
	}
	return w.BotVersion.Create().SetBotID(id).SetNumber(next).SetDefinition(b.Definition).Save(ctx)
}

// parseFlow turns a stored definition into a runnable one, or a
// *ProblemsError.
func parseFlow(raw json.RawMessage) (*flowengine.Definition, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, &ProblemsError{Problems: []Problem{{Field: "definition", Message: "the bot has no flow yet"}}}
	}
	def, err := flowengine.Parse(raw)
	var verr *flowengine.ValidationError
	switch {
	case errors.As(err, &verr):
		pe := &ProblemsError{Problems: make([]Problem, len(verr.Problems))}
		for i, p := range verr.Problems {
			pe.Problems[i] = Problem{NodeID: p.NodeID, Field: p.Field, Message: p.String()}
		}
		return nil, pe
	case err != nil:
		return nil, &ProblemsError{Problems: []Problem{{Field: "definition", Message: "the flow is not a valid definition document"}}}
	}
	return def, nil
}

// TestInput is one step of test mode.
type TestInput struct {
	BotID int
	// VersionID selects a published version of the bot; nil runs the draft.
	VersionID *int
	// State is what the previous step returned; empty starts over.
	State   json.RawMessage
	Message flowengine.Input
}

// TestResult is what the bot would send, and the state to pass on.
type TestResult struct {
	Outputs []json.RawMessage
	State   json.RawMessage
	Ended   bool
	Trace   []string
}

// TestBot runs one step of a bot's draft or version through the runtime
// that serves live conversations. Nothing is sent or stored, so it only
// reads and never opens a transaction.
func (s *Service) TestBot(ctx context.Context, db DB, in TestInput) (*TestResult, error) {
	r := db.Read(ctx)
	b, err := r.Bot.Get(ctx, in.BotID)
	if err != nil {
		return nil, err
	}
	raw := b.Definition
	if in.VersionID != nil {
		v, err := r.BotVersion.Query().Where(botversion.ID(*in.VersionID), botversion.BotID(in.BotID)).Only(ctx)
		if err != nil {
			return nil, err
		}
		raw = v.Definition
	}
	def, err := parseFlow(raw)
	if err != nil {
		return nil, err
	}
	var state flowengine.State
	if st := bytes.TrimSpace(in.State); len(st) > 0 && !bytes.Equal(st, []byte("null")) {
		if err := json.Unmarshal(st, &state); err != nil {
			return nil, invalid("state", "is not a state returned by testBot: pass null to start over")
		}
	}
	res, err := s.flow.TestRun(ctx, def, state, in.Message)
	switch {
	case errors.Is(err, flowengine.ErrStepLimit):
		return nil, invalid("message", "the flow ran too many steps without waiting for an answer: look for a loop")
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, invalid("state", "does not fit this flow: pass null to start over")
	}
	out := &TestResult{Ended: res.Ended, Trace: res.Trace, Outputs: make([]json.RawMessage, len(res.Outputs))}
	if out.Trace == nil {
		out.Trace = []string{}
	}
	for i, m := range res.Outputs {
		if out.Outputs[i], err = json.Marshal(m); err != nil {
			return nil, err
		}
	}
	if out.State, err = json.Marshal(res.State); err != nil {
		return nil, err
	}
	return out, nil
}
