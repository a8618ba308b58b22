package auth

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// LiveCustomers remembers which customers exist, so that a customer token
// stops working once an admin deletes its customer without a lookup per
// request: a customer found live is believed for TTL, one found gone for
// good (deletion is final). Concurrent lookups of one customer share one
// call of Exists. It is safe for concurrent use.
type LiveCustomers struct {
	// Exists asks the store (or the customers role) whether a live
	// customer has the id.
	Exists func(ctx context.Context, id int) (bool, error)
	// TTL bounds how long a deleted customer's token still works; zero
	// means DefaultLiveTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu     sync.RWMutex
	seen   map[int]time.Time // live, as of then
	gone   map[int]bool
	flight singleflight.Group
}

// DefaultLiveTTL is LiveCustomers' default TTL.
const DefaultLiveTTL = time.Second

// maxRemembered bounds each of LiveCustomers' maps; past it a map starts
// over, which costs one lookup per customer.
const maxRemembered = 100_000

// Live reports whether the customer exists.
// Errors: Exists's, when it had to be asked and failed.
func (l *LiveCustomers) Live(ctx context.Context, id int) (bool, error) {
	now := l.now()
	l.mu.RLock()
	gone := l.gone[id]
	at, known := l.seen[id]
	l.mu.RUnlock()
	if gone {
		return false, nil
	}
	if known && now.Sub(at) < l.ttl() {
		return true, nil
	}
	v, err, _ := l.flight.Do(strconv.Itoa(id), func() (any, error) {
		// A lookup shared by several callers must not end when the first
		// of them gives up.
		live, err := l.Exists(context.WithoutCancel(ctx), id)
		if err != nil {
			return false, err
		}
		if !live {
			l.Gone(id)
			return false, nil
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.gone[id] { // a Gone while Exists ran has the last word
			if l.seen == nil || len(l.seen) >= maxRemembered {
				l.seen = map[int]time.Time{}
			}
			l.seen[id] = now
		}
		return true, nil
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// Gone records that the customer was deleted, for a process that
// deletes customers itself: its own tokens stop at once, without waiting
// for TTL.
func (l *LiveCustomers) Gone(id int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone == nil || len(l.gone) >= maxRemembered {
		l.gone = map[int]bool{}
	}
	l.gone[id] = true
	delete(l.seen, id)
}

func (l *LiveCustomers) ttl() time.Duration {
	if l.TTL > 0 {
		return l.TTL
	}
	return DefaultLiveTTL
}

func (l *LiveCustomers) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}
