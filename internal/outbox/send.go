package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/whatsapp"
)

// run settles one claimed message: resolves an attempt in doubt, then
// sends. Failures to write are logged: the claim's lease brings the
// message back.
func (s *Sender) run(ctx context.Context, m *ent.Message, inDoubt bool) {
	j, err := s.load(ctx, m)
	if err != nil {
		s.log.Error("outbox: loading message", "message_id", m.ID, "err", err)
		return
	}
	if inDoubt {
		done, err := s.resolveInDoubt(ctx, j)
		if err != nil {
			s.log.Error("outbox: resolving attempt in doubt", "message_id", m.ID, "err", err)
			return
		}
		if done {
			return
		}
	}
	if err := json.Unmarshal(m.Content, &j.msg); err != nil {
		s.fail(ctx, j, integrationerror.KindSEND_FAILED, nil, "stored message does not decode: "+err.Error())
		return
	}
	s.attempt(ctx, j)
}

// attempt makes the call to Meta and records its outcome.
func (s *Sender) attempt(ctx context.Context, j *job) {
	if s.outsideWindow(j) {
		s.queueTemplate(ctx, j, nil)
		return
	}
	token, err := s.box.Open(j.integ.AccessTokenSealed, secrets.AccessToken)
	if err != nil {
		s.fail(ctx, j, integrationerror.KindTOKEN_EXPIRED, nil, "access token unreadable: "+err.Error())
		return
	}
	creds := whatsapp.Credentials{PhoneNumberID: j.integ.PhoneNumberID, AccessToken: token, APIVersion: j.integ.APIVersion}
	s.applyRate(j.integ)
	out := j.msg
	// Meta echoes it in status webhooks: our id, for support and tracing.
	out.BizOpaqueCallbackData = strconv.Itoa(j.m.ID)

	refreshed := false
	for {
		if s.beforeCall != nil && s.beforeCall(j.m.ID) != nil {
			return
		}
		res, err := s.send(ctx, creds, out)
		if s.afterCall != nil && s.afterCall(j.m.ID) != nil {
			return
		}
		if err == nil {
			// Meta's acceptance is recorded even if we are stopping meanwhile.
			wctx, cancel := detached(ctx)
			s.recordSent(wctx, j, res.WAMID, s.now())
			cancel()
			return
		}
		if noAnswer(ctx, err) {
			// Meta may have accepted it: leave the attempt in doubt.
			s.log.Warn("outbox: send without answer, in doubt until the lease ends", "message_id", j.m.ID, "err", err)
			return
		}
		var apiErr *whatsapp.APIError
		errors.As(err, &apiErr)
		switch whatsapp.Classify(err) {
		case whatsapp.Auth:
			if refreshed {
				s.fail(ctx, j, integrationerror.KindTOKEN_EXPIRED, apiErr, "access token rejected after renewal: "+err.Error())
				return
			}
			refreshed = true
			token, rerr := s.refreshToken(ctx, j.integ)
			if rerr != nil {
				s.fail(ctx, j, integrationerror.KindTOKEN_EXPIRED, apiErr, "access token expired and could not be renewed: "+rerr.Error())
				return
			}
			creds.AccessToken = token
			continue
		case whatsapp.OutsideWindow:
			s.queueTemplate(ctx, j, apiErr)
		case whatsapp.Retryable:
			s.retry(ctx, j, err, apiErr)
		default:
			s.fail(ctx, j, integrationerror.KindSEND_FAILED, apiErr, err.Error())
		}
		return
	}
}

func (s *Sender) send(ctx context.Context, creds whatsapp.Credentials, m whatsapp.Message) (whatsapp.SendResult, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	defer cancel()
	return s.wa.Send(ctx, creds, m)
}

// detached is ctx without its cancellation, bounded: for recording an
// outcome that already happened at Meta.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// noAnswer reports whether err leaves open whether Meta accepted the
// message: the connection broke, or we stopped waiting.
func noAnswer(ctx context.Context, err error) bool {
	var te *whatsapp.TransportError
	return errors.As(err, &te) || ctx.Err() != nil ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
