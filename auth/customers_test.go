package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
)

// A live customer is believed for TTL, a deleted one for good; a failed
// lookup is not remembered.
func TestLiveCustomers(t *testing.T) {
	now := time.Unix(1000, 0)
	var calls atomic.Int32
	live := map[int]bool{1: true, 2: true}
	var fail atomic.Bool
	var mu sync.Mutex
	l := &LiveCustomers{
		TTL: time.Second,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		Exists: func(_ context.Context, id int) (bool, error) {
			calls.Add(1)
			if fail.Load() {
				return false, errors.New("down")
			}
			mu.Lock()
			defer mu.Unlock()
			return live[id], nil
		},
	}
	ctx := t.Context()
	check := func(id int, want bool, wantCalls int32) {
		t.Helper()
		got, err := l.Live(ctx, id)
		if err != nil || got != want || calls.Load() != wantCalls {
			t.Fatalf("Live(%d) = %v, %v after %d lookups; want %v after %d", id, got, err, calls.Load(), want, wantCalls)
		}
	}
	check(1, true, 1)
	check(1, true, 1) // within TTL
	mu.Lock()
	live[1] = false
	now = now.Add(999 * time.Millisecond)
	mu.Unlock()
	check(1, true, 1) // still within TTL: the bound on a deleted customer's token
	mu.Lock()
	now = now.Add(time.Millisecond)
	mu.Unlock()
	check(1, false, 2)
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	check(1, false, 2) // gone for good

	l.Gone(2) // deleted here: no lookup, no wait
	check(2, false, 2)

	fail.Store(true)
	if _, err := l.Live(ctx, 3); err == nil {
		t.Fatal("a failed lookup answered")
	}
	fail.Store(false)
	check(3, false, 4) // not remembered
}

// BenchmarkLiveCustomers is the per-request cost of the check for a
// customer seen within TTL: what every customer request pays.
func BenchmarkLiveCustomers(b *testing.B) {
	l := &LiveCustomers{TTL: time.Hour, Exists: func(context.Context, int) (bool, error) { return true, nil }}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _ := l.Live(ctx, 7); !ok {
				b.Fatal("not live")
			}
		}
	})
}

// BenchmarkAuthenticate is what authenticating a customer token costs per
// request, with the deleted-customer check (its customer seen within TTL)
// and without: the check's share of a request.
func BenchmarkAuthenticate(b *testing.B) {
	tk := &Tokens{Secret: []byte("0123456789abcdef0123456789abcdef")}
	tok, err := tk.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 7, Subject: "c7"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for _, check := range []bool{false, true} {
		a := &Authenticator{Tokens: tk, Required: true}
		if check {
			a.Customers = &LiveCustomers{TTL: time.Hour, Exists: func(context.Context, int) (bool, error) { return true, nil }}
		}
		b.Run(map[bool]string{false: "unchecked", true: "checked"}[check], func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FromContext(a.Authenticate(ctx, "Bearer "+tok)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
