// Package wake is how one stage of the event pipeline tells the next that
// work waits, so that the next stage takes its turn now rather than at its
// next tick: the orders service wakes the outbox relay after a commit, the
// webhooks service wakes the deliverer after a fan-out. A Signal is made
// first and handed to both stages, so neither needs the other to exist.
package wake

import (
	"context"
	"time"
)

// Signal wakes one waiting worker. Notifications sent while nobody waits
// collapse into one, and Notify never blocks: a committed transaction must
// not wait on a worker. A nil Signal never wakes anyone; New makes one
// that does.
type Signal chan struct{}

// New returns a Signal.
func New() Signal { return make(Signal, 1) }

// Notify asks for a turn now.
func (s Signal) Notify() {
	select {
	case s <- struct{}{}:
	default:
	}
}

// Loop calls turn until ctx ends: at once again while turn reports that
// more work waits, and otherwise when s is notified or interval has passed,
// whichever comes first. It is the run loop of every pipeline worker.
func (s Signal) Loop(ctx context.Context, interval time.Duration, turn func(context.Context) (more bool)) {
	for ctx.Err() == nil {
		if turn(ctx) {
			continue
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
		case <-s:
		case <-t.C:
		}
		t.Stop()
	}
}
