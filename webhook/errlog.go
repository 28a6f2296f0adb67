package webhook

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/internal/tenant"
)

// errorLog records request-level failures (forged signatures, failed
// verifications) in the integration's error log, at most one row per
// integration and kind per interval: a flood of forged requests must not
// flood the log, the alerts or the database. Suppressed occurrences are
// counted into the next row.
type errorLog struct {
	client *ent.Client
	logger *slog.Logger
	now    func() time.Time
	every  time.Duration

	mu   sync.Mutex
	last map[errorKey]*errorWindow
}

type errorKey struct {
	integrationID int
	kind          integrationerror.Kind
}

type errorWindow struct {
	at         time.Time
	suppressed int
}

// maxErrorWindows bounds the limiter's memory; past it, expired windows
// are dropped.
const maxErrorWindows = 4096

func newErrorLog(client *ent.Client, logger *slog.Logger, now func() time.Time, every time.Duration) *errorLog {
	return &errorLog{client: client, logger: logger, now: now, every: every, last: make(map[errorKey]*errorWindow)}
}

// record writes one IntegrationError unless one of the same kind was
// written for the integration within the interval.
func (l *errorLog) record(ctx context.Context, info *integrationInfo, kind integrationerror.Kind, message string, detail map[string]any) {
	suppressed, ok := l.admit(errorKey{info.ID, kind})
	if !ok {
		return
	}
	if detail == nil {
		detail = map[string]any{}
	}
	if suppressed > 0 {
		detail["suppressed_since_last"] = suppressed
	}
	// Written even if the caller has gone: the record is about the caller.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tenant.AsSystem(ctx)), 5*time.Second)
	defer cancel()
	err := l.client.IntegrationError.Create().
		SetAccountID(info.AccountID).
		SetIntegrationID(info.ID).
		SetKind(kind).
		SetMessage(message).
		SetDetail(detail).
		SetCreatedAt(l.now()).
		Exec(ctx)
	if err != nil {
		l.logger.ErrorContext(ctx, "recording webhook error", "integration_id", info.ID, "kind", kind, "err", err)
	}
}

// admit reports whether a row may be written now, and how many were
// suppressed since the last one.
func (l *errorLog) admit(k errorKey) (suppressed int, ok bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, found := l.last[k]
	if found && now.Sub(w.at) < l.every {
		w.suppressed++
		return 0, false
	}
	if !found {
		l.prune(now)
		w = &errorWindow{}
		l.last[k] = w
	}
	suppressed, w.at, w.suppressed = w.suppressed, now, 0
	return suppressed, true
}

func (l *errorLog) prune(now time.Time) {
	if len(l.last) < maxErrorWindows {
		return
	}
	for k, w := range l.last {
		if now.Sub(w.at) >= l.every {
			delete(l.last, k)
		}
	}
}
