package inbox

// SetBeforeCommit makes p run f just before each processing transaction
// commits; an error rolls it back. Call it before Run.
func SetBeforeCommit(p *Processor, f func(msgID int) error) { p.beforeCommit = f }
