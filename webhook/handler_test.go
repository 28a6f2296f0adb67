package webhook

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/integrationerror"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/store"
)

func get(t testing.TB, rawURL string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestVerification is Meta's GET handshake: the bare challenge for the
// right mode and token, 403 without an echo otherwise, 404 for a key of
// no integration.
func TestVerification(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		query := func(mode, token, challenge string) string {
			return e.url(in) + "?" + url.Values{"hub.mode": {mode}, "hub.verify_token": {token}, "hub.challenge": {challenge}}.Encode()
		}
		code, ctype, body := get(t, query("subscribe", in.verifyToken, "1158201444"))
		if code != http.StatusOK || body != "1158201444" || !strings.HasPrefix(ctype, "text/plain") {
			t.Errorf("right token: %d %q %q, want 200 with the bare challenge as text/plain", code, ctype, body)
		}
		verified := e.client.Integration.GetX(sysCtx(), in.ID).WebhookVerifiedAt
		if verified == nil || !verified.Equal(e.clock.Now()) {
			t.Errorf("webhook_verified_at = %v, want the time of the handshake %v", verified, e.clock.Now())
		}
		refused := []struct{ name, url string }{
			{"wrong token", query("subscribe", "nope", "1158201444")},
			{"token prefix", query("subscribe", in.verifyToken[:4], "1158201444")},
			{"wrong mode", query("unsubscribe", in.verifyToken, "1158201444")},
			{"no mode", e.url(in) + "?hub.verify_token=" + in.verifyToken + "&hub.challenge=1158201444"},
			{"underscored names", e.url(in) + "?hub_mode=subscribe&hub_verify_token=" + in.verifyToken + "&hub_challenge=1158201444"},
		}
		for _, tt := range refused {
			code, _, body := get(t, tt.url)
			if code != http.StatusForbidden || strings.Contains(body, "1158201444") {
				t.Errorf("%s: %d %q, want 403 without the challenge", tt.name, code, body)
			}
		}
		if code, _, _ := get(t, e.server.URL+"/webhooks/whatsapp/no-such-key?hub.mode=subscribe"); code != http.StatusNotFound {
			t.Errorf("unknown key: %d, want 404", code)
		}
		errs, err := e.client.IntegrationError.Query().All(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) != 1 || errs[0].Kind != integrationerror.KindVERIFICATION_FAILED || errs[0].IntegrationID != in.ID {
			t.Errorf("errors %+v, want one VERIFICATION_FAILED for five refusals within a minute", errs)
		}
		if strings.Contains(errs[0].Message, in.verifyToken) {
			t.Error("the error names the verify token")
		}
	})
}

// TestSignatureRefused: missing or wrong signatures get 401, store
// nothing, and many of them log one error per minute.
func TestSignatureRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("106540352242922", "app-1", "secret-1")
		body := readFixture(t, "text.json")
		good := sign(body, in.appSecret)
		compact := bytes.Join(bytes.Fields(body), nil) // same JSON, other bytes
		tests := []struct{ name, signature string }{
			{"missing", ""},
			{"other secret", sign(body, "secret-2")},
			{"no prefix", strings.TrimPrefix(good, "sha256=")},
			{"sha1 prefix", "sha1=" + strings.TrimPrefix(good, "sha256=")},
			{"truncated", good[:len(good)-2]},
			{"not hex", "sha256=" + strings.Repeat("zz", 32)},
			{"over re-encoded JSON", sign(compact, in.appSecret)},
		}
		for _, tt := range tests {
			if code := e.postSigned(e.url(in), body, tt.signature); code != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", tt.name, code)
			}
		}
		for range 20 {
			e.postSigned(e.url(in), body, sign(body, "forged"))
		}
		e.wantCounts(map[string]int{"messages": 0, "contacts": 0, "errors": 1})
		kind, err := e.client.IntegrationError.Query().Only(sysCtx())
		if err != nil || kind.Kind != integrationerror.KindSIGNATURE_INVALID {
			t.Fatalf("error %+v (%v), want SIGNATURE_INVALID", kind, err)
		}
		if got := e.metric("intalos_webhook_signature_failures_total"); got != 27 {
			t.Errorf("signature failures counted %v, want 27", got)
		}

		// A minute later the next forgery is logged again, with the count
		// of those suppressed in between.
		e.clock.Advance(time.Minute)
		e.postSigned(e.url(in), body, "")
		errs, _ := e.client.IntegrationError.Query().All(sysCtx())
		if len(errs) != 2 || errs[1].Detail["suppressed_since_last"] != float64(26) {
			t.Errorf("errors %+v, want a second one counting 26 suppressed", errs)
		}
		if code := e.postSigned(e.url(in), body, good); code != http.StatusOK {
			t.Errorf("the genuine delivery answered %d", code)
		}
	})
}

// TestBodyRefused: a body over the limit is 413 (whether or not its
// length is announced) and a signed body that is not a payload is 400;
// neither stores anything.
func TestBodyRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("106540352242922", "app-1", "secret-1")
		big := append([]byte(`{"entry":[],"pad":"`), bytes.Repeat([]byte("x"), 4<<20)...)
		big = append(big, `"}`...)
		if code := e.post(in, big); code != http.StatusRequestEntityTooLarge {
			t.Errorf("5 MiB body: %d, want 413", code)
		}
		req, _ := http.NewRequest(http.MethodPost, e.url(in), io.MultiReader(bytes.NewReader(big))) // no Content-Length
		req.Header.Set(signatureHeader, sign(big, in.appSecret))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked 5 MiB body: %d, want 413", resp.StatusCode)
		}
		for _, body := range []string{`{"entry":[{"changes":`, `not json`, `{"entry":{}}`, ``} {
			if code := e.post(in, []byte(body)); code != http.StatusBadRequest {
				t.Errorf("body %q: %d, want 400", body, code)
			}
		}
		// Just under the limit is fine: Meta sends up to 3 MB.
		text := readFixture(t, "text.json")
		padded := bytes.Replace(text, []byte(`"object"`), []byte(`"pad":"`+strings.Repeat("y", 3<<20)+`","object"`), 1)
		e.mustPost(in, padded)
		e.wantCounts(map[string]int{"messages": 1, "errors": 0})
	})
}

// TestInactiveIntegration: signed deliveries for an inactive integration
// are acknowledged and dropped; unsigned ones are still refused.
func TestInactiveIntegration(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("106540352242922", "app-1", "secret-1")
		if err := e.client.Integration.UpdateOneID(in.ID).SetActive(false).Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		e.mustPost(in, readFixture(t, "text.json"))
		if code := e.postSigned(e.url(in), readFixture(t, "text.json"), ""); code != http.StatusUnauthorized {
			t.Errorf("unsigned: %d, want 401", code)
		}
		e.wantCounts(map[string]int{"messages": 0, "contacts": 0, "statuses": 0, "events": 0})
		if got := e.metric("intalos_webhook_inactive_drops_total"); got != 1 {
			t.Errorf("inactive drops %v, want 1", got)
		}
	})
}

// TestCacheAndInvalidate: lookups come from the cache until it expires or
// is invalidated.
func TestCacheAndInvalidate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		e.mustPost(in, statusBody("pn-1", "wamid.1", "sent"))
		if err := e.client.Integration.UpdateOneID(in.ID).SetActive(false).Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		e.mustPost(in, statusBody("pn-1", "wamid.2", "sent"))
		e.wantCounts(map[string]int{"statuses": 2}) // the cached entry still says active

		e.handler.Invalidate(in.ID)
		e.mustPost(in, statusBody("pn-1", "wamid.3", "sent"))
		e.wantCounts(map[string]int{"statuses": 2})

		if err := e.client.Integration.UpdateOneID(in.ID).SetActive(true).Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(31 * time.Second) // past the TTL
		e.mustPost(in, statusBody("pn-1", "wamid.4", "sent"))
		e.wantCounts(map[string]int{"statuses": 3})

		if err := e.client.Integration.UpdateOneID(in.ID).SetActive(false).Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		e.handler.InvalidateAll()
		e.mustPost(in, statusBody("pn-1", "wamid.5", "sent"))
		e.wantCounts(map[string]int{"statuses": 3})
	})
}

// TestLastActivity is written at most once a second per integration.
func TestLastActivity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.integration("pn-1", "app-1", "secret-1")
		activity := func() time.Time {
			i, err := e.client.Integration.Query().Where(integration.ID(in.ID)).Only(sysCtx())
			if err != nil || i.LastActivityAt == nil {
				t.Fatalf("last activity %v (%v)", i, err)
			}
			return *i.LastActivityAt
		}
		start := e.clock.Now()
		e.mustPost(in, statusBody("pn-1", "wamid.1", "sent"))
		e.clock.Advance(500 * time.Millisecond)
		e.mustPost(in, statusBody("pn-1", "wamid.2", "sent"))
		if got := activity(); !got.Equal(start) {
			t.Errorf("last activity %v, want %v: no second write within a second", got, start)
		}
		e.clock.Advance(600 * time.Millisecond)
		e.mustPost(in, statusBody("pn-1", "wamid.3", "sent"))
		if got, want := activity(), start.Add(1100*time.Millisecond); !got.Equal(want) {
			t.Errorf("last activity %v, want %v", got, want)
		}
	})
}

// TestStorageFailure: when the transaction cannot commit, Meta gets a 500
// and will redeliver.
func TestStorageFailure(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(o *Options) { o.Logger = nil })
		in := e.integration("106540352242922", "app-1", "secret-1")
		e.mustPost(in, statusBody(in.PhoneNumberID, "wamid.1", "sent")) // caches the integration
		db.SQL.Close()
		if code := e.post(in, readFixture(t, "text.json")); code != http.StatusInternalServerError {
			t.Errorf("%d, want 500", code)
		}
	})
}
