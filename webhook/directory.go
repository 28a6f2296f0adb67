package webhook

import (
	"context"
	"crypto/subtle"
	"fmt"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/intalos/integrations/ent"
	"github.com/intalos/integrations/ent/integration"
	"github.com/intalos/integrations/ent/predicate"
	"github.com/intalos/integrations/internal/secrets"
	"github.com/intalos/integrations/internal/tenant"
)

// integrationInfo is what the webhook path needs of an integration, with
// its secrets opened. It lives only in memory and is never logged.
type integrationInfo struct {
	ID            int
	AccountID     int
	AppID         string
	PhoneNumberID string
	Active        bool
	appSecret     []byte
	verifyToken   []byte
	expires       time.Time
}

// String keeps the secrets out of anything that prints an integration.
func (i *integrationInfo) String() string {
	return fmt.Sprintf("integration %d", i.ID)
}

// sameApp reports whether other belongs to the app whose secret signed a
// request to i: Meta posts every number of an app to one callback URL, and
// a valid signature proves knowledge of that app's secret only.
func (i *integrationInfo) sameApp(other *integrationInfo) bool {
	return i.AppID == other.AppID && subtle.ConstantTimeCompare(i.appSecret, other.appSecret) == 1
}

// directory finds integrations by webhook key and by phone number id
// through two LRU caches, so that a webhook costs no query they can answer.
// Entries expire after ttl and are dropped on invalidation. (The plain LRU
// with an expiry per entry, rather than golang-lru's expirable cache, whose
// cleanup goroutine cannot be stopped.)
type directory struct {
	client *ent.Client
	box    *secrets.Box
	ttl    time.Duration
	now    func() time.Time

	byKey   *lru.Cache[string, *integrationInfo]
	byPhone *lru.Cache[string, *integrationInfo]

	// generation counts invalidations: a lookup that started before one
	// must not put what it read into the cache afterwards.
	mu         sync.Mutex
	generation uint64
}

func newDirectory(client *ent.Client, box *secrets.Box, size int, ttl time.Duration, now func() time.Time) *directory {
	byKey, _ := lru.New[string, *integrationInfo](size) // errors only for size <= 0
	byPhone, _ := lru.New[string, *integrationInfo](size)
	return &directory{client: client, box: box, ttl: ttl, now: now, byKey: byKey, byPhone: byPhone}
}

// byWebhookKey returns the integration whose callback URL carries key, or
// nil when there is none.
func (d *directory) byWebhookKey(ctx context.Context, key string) (*integrationInfo, error) {
	return d.lookup(ctx, d.byKey, key, integration.WebhookKey(key))
}

// byPhoneNumberID returns the integration of a phone number id, or nil.
func (d *directory) byPhoneNumberID(ctx context.Context, id string) (*integrationInfo, error) {
	return d.lookup(ctx, d.byPhone, id, integration.PhoneNumberID(id))
}

func (d *directory) lookup(ctx context.Context, cache *lru.Cache[string, *integrationInfo], key string, where predicate.Integration) (*integrationInfo, error) {
	if info, ok := cache.Get(key); ok && d.now().Before(info.expires) {
		return info, nil
	}
	gen := d.currentGeneration()
	row, err := d.client.Integration.Query().Where(where).Only(tenant.AsSystem(ctx))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking up integration: %w", err)
	}
	info, err := d.open(row)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if gen == d.generation {
		cache.Add(key, info)
	}
	return info, nil
}

func (d *directory) open(row *ent.Integration) (*integrationInfo, error) {
	appSecret, err := d.box.Open(row.AppSecretSealed, secrets.AppSecret)
	if err != nil {
		return nil, fmt.Errorf("integration %d: %w", row.ID, err)
	}
	verifyToken, err := d.box.Open(row.VerifyTokenSealed, secrets.VerifyToken)
	if err != nil {
		return nil, fmt.Errorf("integration %d: %w", row.ID, err)
	}
	return &integrationInfo{
		ID:            row.ID,
		AccountID:     row.AccountID,
		AppID:         row.AppID,
		PhoneNumberID: row.PhoneNumberID,
		Active:        row.Active,
		appSecret:     []byte(appSecret),
		verifyToken:   []byte(verifyToken),
		expires:       d.now().Add(d.ttl),
	}, nil
}

func (d *directory) currentGeneration() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.generation
}

// invalidate drops every entry of one integration.
func (d *directory) invalidate(id int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.generation++
	for _, cache := range []*lru.Cache[string, *integrationInfo]{d.byKey, d.byPhone} {
		for _, k := range cache.Keys() {
			if info, ok := cache.Peek(k); ok && info.ID == id {
				cache.Remove(k)
			}
		}
	}
}

// invalidateAll empties both caches.
func (d *directory) invalidateAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.generation++
	d.byKey.Purge()
	d.byPhone.Purge()
}
