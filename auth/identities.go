package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/b2b-orders/platform/services"
)

// Resolver answers which principal a member's id, an identity provider's
// subject or an API key stands for: the accounts service. Each answers a
// NotFound *services.Error for a credential that stands for nobody (a
// removed member, an unknown subject, a revoked key).
type Resolver interface {
	MemberPrincipal(ctx context.Context, id int) (services.Principal, error)
	SubjectPrincipal(ctx context.Context, subject, email string, emailVerified bool) (services.Principal, error)
	KeyPrincipal(ctx context.Context, key string) (services.Principal, error)
	// KeyIDPrincipal answers for a key verified before, by its id: what
	// outlives the request that presented it asks again with it.
	KeyIDPrincipal(ctx context.Context, id int) (services.Principal, error)
}

// Identities remembers Resolve's answers for TTL, so that a member's or a
// key's request costs no lookup, while a removal or revocation made in
// another process holds within TTL (in this one at once: see Forget).
// Concurrent lookups of one credential share one call. It is safe for
// concurrent use.
type Identities struct {
	Resolve Resolver
	// TTL bounds how long a removed member's or revoked key's credential
	// still works in a process that did not remove it; zero means
	// DefaultLiveTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	seen   map[string]remembered
	gen    uint64
	flight singleflight.Group
}

type remembered struct {
	p     services.Principal
	found bool
	at    time.Time
}

// Member returns the principal of member id.
// Errors: invalid (401) when no current member has it; Unavailable when
// it cannot be known now.
func (i *Identities) Member(ctx context.Context, id int) (services.Principal, error) {
	return i.lookup(ctx, "m:"+strconv.Itoa(id), func(ctx context.Context) (services.Principal, error) {
		return i.Resolve.MemberPrincipal(ctx, id)
	})
}

// Subject returns the principal of the member with the identity
// provider's subject (linking it by verified email, if the resolver
// allows).
// Errors: as Member's.
func (i *Identities) Subject(ctx context.Context, subject, email string, verified bool) (services.Principal, error) {
	return i.lookup(ctx, "s:"+subject+"\x00"+email+"\x00"+strconv.FormatBool(verified), func(ctx context.Context) (services.Principal, error) {
		return i.Resolve.SubjectPrincipal(ctx, subject, email, verified)
	})
}

// Key returns the principal of an API key. Keys are remembered by hash,
// never as they are.
// Errors: as Member's.
func (i *Identities) Key(ctx context.Context, key string) (services.Principal, error) {
	h := sha256.Sum256([]byte(key))
	return i.lookup(ctx, "k:"+hex.EncodeToString(h[:]), func(ctx context.Context) (services.Principal, error) {
		return i.Resolve.KeyPrincipal(ctx, key)
	})
}

// KeyID returns the principal of the API key id, verified before.
// Errors: as Member's.
func (i *Identities) KeyID(ctx context.Context, id int) (services.Principal, error) {
	return i.lookup(ctx, "i:"+strconv.Itoa(id), func(ctx context.Context) (services.Principal, error) {
		return i.Resolve.KeyIDPrincipal(ctx, id)
	})
}

// Forget drops every remembered answer, for a process that removed a
// member or revoked a key itself: its credentials stop at once.
func (i *Identities) Forget() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.seen = nil
	i.gen++
}

func (i *Identities) lookup(ctx context.Context, key string, resolve func(context.Context) (services.Principal, error)) (services.Principal, error) {
	now := i.now()
	i.mu.Lock()
	r, ok := i.seen[key]
	gen := i.gen
	i.mu.Unlock()
	if !ok || now.Sub(r.at) >= i.ttl() {
		v, err, _ := i.flight.Do(key, func() (any, error) {
			// A lookup shared by several callers must not end when the
			// first of them gives up.
			p, err := resolve(context.WithoutCancel(ctx))
			found := err == nil
			if err != nil && services.KindOf(err) != services.NotFound {
				return nil, err
			}
			r := remembered{p: p, found: found, at: now}
			i.mu.Lock()
			defer i.mu.Unlock()
			if i.gen == gen { // a Forget while resolving has the last word
				if i.seen == nil || len(i.seen) >= maxRemembered {
					i.seen = map[string]remembered{}
				}
				i.seen[key] = r
			}
			return r, nil
		})
		if err != nil {
			if _, ok := errors.AsType[*services.Error](err); !ok {
				err = services.Outage(err)
			}
			return services.Principal{}, err
		}
		r = v.(remembered)
	}
	if !r.found {
		return services.Principal{}, invalid(errCredentialGone)
	}
	return r.p, nil
}

func (i *Identities) ttl() time.Duration {
	if i.TTL > 0 {
		return i.TTL
	}
	return DefaultLiveTTL
}

func (i *Identities) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}
