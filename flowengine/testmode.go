package flowengine

import "context"

// TestRun is the bot builder's test mode: it validates the definition (a
// draft may be unfinished) and runs one step through the same runtime as
// live conversations. Nothing is sent; the result's Outputs are what the bot
// would send and its State is what to pass to the next TestRun.
func (e *Engine) TestRun(ctx context.Context, def *Definition, state State, in Input) (Result, error) {
	if err := Validate(def); err != nil {
		return Result{}, err
	}
	return e.Step(ctx, def, state, in)
}
