package wake_test

import (
	"context"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/wake"
)

// Notifications while nobody waits collapse into one, and never block.
func TestNotifyCollapses(t *testing.T) {
	s := wake.New()
	for range 3 {
		s.Notify()
	}
	<-s
	select {
	case <-s:
		t.Fatal("three notifications woke twice")
	default:
	}
}

// Loop takes a turn at once while more work waits, on a notification well
// before its interval, and returns when its context ends.
func TestLoop(t *testing.T) {
	s := wake.New()
	ctx, cancel := context.WithCancel(t.Context())
	turns := make(chan int)
	done := make(chan struct{})
	n := 0
	go func() {
		defer close(done)
		s.Loop(ctx, time.Hour, func(context.Context) bool {
			n++
			turns <- n
			return n < 3 // the first two turns say more waits
		})
	}()
	for want := 1; want <= 3; want++ {
		if got := <-turns; got != want {
			t.Fatalf("turn %d, want %d", got, want)
		}
	}
	s.Notify() // an hour's interval: only the notification can bring turn 4
	if got := <-turns; got != 4 {
		t.Fatalf("turn %d after a notification, want 4", got)
	}
	cancel()
	<-done
}
