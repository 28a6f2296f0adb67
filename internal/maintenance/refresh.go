package maintenance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/internal/maintenance/dblock"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/tenant"
	"github.com/intalos/integrations/internal/whatsapp"
)

// Exchanger trades an access token for a new long-lived one.
type Exchanger interface {
	ExchangeToken(ctx context.Context, version, appID, appSecret, token string) (whatsapp.Token, error)
}

var _ Exchanger = (*whatsapp.Client)(nil)

// RefreshOptions configure a TokenRefresher. Zero values select the defaults.
type RefreshOptions struct {
	// Within renews tokens expiring sooner than this; default 7 days.
	Within time.Duration
	// RetryAfter waits this long after a recorded failure before trying
	// the same integration again; default 6 h.
	RetryAfter time.Duration
	// Interval is how often Run looks for due tokens; default 1 h.
	Interval time.Duration
	// Timeout bounds one exchange with Meta; default 30 s.
	Timeout time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

func (o *RefreshOptions) defaults() {
	setDefault(&o.Within, 7*24*time.Hour)
	setDefault(&o.RetryAfter, 6*time.Hour)
	setDefault(&o.Interval, time.Hour)
	setDefault(&o.Timeout, 30*time.Second)
	defaultLoggerAndClock(&o.Logger, &o.Now)
}

// TokenRefresher renews long-lived access tokens before they expire.
type TokenRefresher struct {
	db   *store.DB
	meta Exchanger
	box  *secrets.Box
	opts RefreshOptions
}

// NewTokenRefresher returns a TokenRefresher exchanging through meta
// (a *whatsapp.Client) and opening credentials with box.
func NewTokenRefresher(db *store.DB, meta Exchanger, box *secrets.Box, opts RefreshOptions) *TokenRefresher {
	opts.defaults()
	return &TokenRefresher{db: db, meta: meta, box: box, opts: opts}
}

// RefreshResult counts what one pass did.
type RefreshResult struct {
	Refreshed int
	Failed    int // failures recorded as TOKEN_REFRESH_FAILED
}

// Run renews due tokens every Interval until ctx ends, then returns nil.
func (r *TokenRefresher) Run(ctx context.Context) error {
	every(ctx, r.opts.Interval, func(ctx context.Context) {
		if _, err := r.RefreshDue(ctx); err != nil && ctx.Err() == nil {
			r.opts.Logger.ErrorContext(ctx, "token refresh", "err", err)
		}
	})
	return nil
}

// RefreshDue renews every token expiring within the window whose
// integration no other instance is renewing right now. Tokens without an
// expiry are never touched.
func (r *TokenRefresher) RefreshDue(ctx context.Context) (RefreshResult, error) {
	var res RefreshResult
	ctx = tenant.AsSystem(ctx)
	ids, err := r.db.Client.Integration.Query().
		Where(integration.AccessTokenExpiresAtNotNil(), integration.AccessTokenExpiresAtLT(r.opts.Now().Add(r.opts.Within))).
		IDs(ctx)
	if err != nil {
		return res, fmt.Errorf("maintenance: finding tokens to renew: %w", err)
	}
	var errs []error
	for _, id := range ids {
		_, err := dblock.TryIntegration(ctx, r.db, dblock.TokenRefresh, id, func(ctx context.Context, c *ent.Client) error {
			return r.refreshOne(ctx, c, id, &res)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("integration %d: %w", id, err))
		}
	}
	return res, errors.Join(errs...)
}

// refreshOne renews one integration's token, reading it after the lock is
// held so that a token another instance just renewed is left alone. The
// ent hooks (package events) announce the renewal (integration.changed,
// which reloads cached credentials) and a recorded failure
// (integration.error, which the alerts follow) once c's changes commit.
func (r *TokenRefresher) refreshOne(ctx context.Context, c *ent.Client, id int, res *RefreshResult) error {
	in, err := c.Integration.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	now := r.opts.Now()
	if in.AccessTokenExpiresAt == nil || !in.AccessTokenExpiresAt.Before(now.Add(r.opts.Within)) {
		return nil
	}
	if wait, err := r.recentlyFailed(ctx, c, in, now); err != nil || wait {
		return err
	}
	token, err := r.box.Open(in.AccessTokenSealed, secrets.AccessToken)
	if err != nil {
		return err
	}
	secret, err := r.box.Open(in.AppSecretSealed, secrets.AppSecret)
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	tok, err := r.meta.ExchangeToken(callCtx, in.APIVersion, in.AppID, secret, token)
	cancel()
	if err != nil {
		recorded, err := r.recordFailure(ctx, c, in, now, err)
		if recorded {
			res.Failed++
		}
		return err
	}
	sealed, err := r.box.Seal(tok.AccessToken, secrets.AccessToken)
	if err != nil {
		return err
	}
	upd := c.Integration.UpdateOneID(id).SetAccessTokenSealed(sealed)
	if tok.ExpiresAt.IsZero() {
		upd.ClearAccessTokenExpiresAt()
	} else {
		upd.SetAccessTokenExpiresAt(tok.ExpiresAt)
	}
	if err := upd.Exec(ctx); err != nil {
		return fmt.Errorf("storing the renewed token: %w", err)
	}
	res.Refreshed++
	return nil
}

// recentlyFailed reports whether a failure recorded within RetryAfter, or
// since the token expired, says to leave the integration alone for now: a
// token that has expired cannot be exchanged any more, so it is reported
// once and then waits for its owner to enter a new one.
func (r *TokenRefresher) recentlyFailed(ctx context.Context, c *ent.Client, in *ent.Integration, now time.Time) (bool, error) {
	last, err := c.IntegrationError.Query().
		Where(integrationerror.IntegrationID(in.ID), integrationerror.KindEQ(integrationerror.KindTOKEN_REFRESH_FAILED)).
		Order(ent.Desc(integrationerror.FieldCreatedAt)).
		First(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	expired := !now.Before(*in.AccessTokenExpiresAt)
	return now.Sub(last.CreatedAt) < r.opts.RetryAfter || (expired && !last.CreatedAt.Before(*in.AccessTokenExpiresAt)), nil
}

// recordFailure stores a TOKEN_REFRESH_FAILED error. A transient failure
// (Meta unreachable or overloaded) is only logged and retried at the next
// pass, unless the token expires within a day. It reports whether it
// stored the error.
func (r *TokenRefresher) recordFailure(ctx context.Context, c *ent.Client, in *ent.Integration, now time.Time, cause error) (bool, error) {
	expires := *in.AccessTokenExpiresAt
	if whatsapp.Classify(cause) == whatsapp.Retryable && expires.Sub(now) > 24*time.Hour {
		r.opts.Logger.WarnContext(ctx, "token refresh: Meta unavailable; retrying later", "integration_id", in.ID, "err", cause)
		return false, nil
	}
	detail := map[string]any{"expires_at": expires.UTC().Format(time.RFC3339)}
	msg := "Meta could not be reached to renew the access token"
	var apiErr *whatsapp.APIError
	if errors.As(cause, &apiErr) {
		detail["code"] = apiErr.Code
		if apiErr.Subcode != 0 {
			detail["subcode"] = apiErr.Subcode
		}
		msg = "Meta refused to renew the access token: " + apiErr.Message
	}
	if expires.After(now) {
		msg += fmt.Sprintf(" (it expires at %s)", expires.UTC().Format("2006-01-02 15:04 UTC"))
	} else {
		msg += fmt.Sprintf(" (it expired at %s)", expires.UTC().Format("2006-01-02 15:04 UTC"))
	}
	err := c.IntegrationError.Create().
		SetAccountID(in.AccountID).
		SetIntegrationID(in.ID).
		SetKind(integrationerror.KindTOKEN_REFRESH_FAILED).
		SetMessage(msg).
		SetDetail(detail).
		SetCreatedAt(now).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("recording the refresh failure: %w", err)
	}
	r.opts.Logger.WarnContext(ctx, "token refresh failed", "integration_id", in.ID, "err", cause)
	return true, nil
}

func setDefault(v *time.Duration, def time.Duration) {
	if *v <= 0 {
		*v = def
	}
}

func defaultLoggerAndClock(l **slog.Logger, now *func() time.Time) {
	if *l == nil {
		*l = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if *now == nil {
		*now = time.Now
	}
}
