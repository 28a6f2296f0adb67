package outbox

// SetCallHooks makes s run before after each claim commits and after once
// Meta answered; an error from either abandons the attempt there, as a
// crash would. Call it before Run.
func SetCallHooks(s *Sender, before, after func(msgID int) error) {
	s.beforeCall, s.afterCall = before, after
}
