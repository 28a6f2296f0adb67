// Package maintenance runs the periodic jobs the integration settings
// promise: renewing long-lived access tokens before they expire
// ([TokenRefresher]) and expiring idle conversations ([ExpirySweeper]).
//
// Every server instance may run both. Token refresh takes a per-integration
// lock (package dblock) so that one instance at a time exchanges a token;
// the expiry sweep locks the conversation rows it changes.
package maintenance

import (
	"context"
	"time"
)

// every calls fn now and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
