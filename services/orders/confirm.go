package orders

import (
	"context"
	"fmt"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// ConfirmOrder confirms an order under an idempotency key. The key is
// bound to this order: the same key again answers with the order as it is
// and changes nothing; an order already CONFIRMED is confirmed again under
// a new key without change. Two concurrent confirms with one key both
// succeed with one effect.
// Errors: Unauthenticated; Invalid (ids below 1, "Idempotency key is
// required"); NotFound; Conflict (idempotency_key_reused, when the key
// guards another order or operation); FailedPrecondition
// (invalid_transition for a CANCELED order).
func (s *Service) ConfirmOrder(ctx context.Context, id int, key string) (Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Order{}, err
	}
	if id < 1 {
		return Order{}, services.InvalidField("id", services.MsgInvalidOrderID)
	}
	if err := checkKeyValue(key); err != nil {
		return Order{}, err
	}
	use := newKeyUse(opConfirm, id, fmt.Sprint(id))
	ref := keyOf(p, key)
	// As in placeUnderKey, a new key costs no read: the first attempt
	// inserts it at once, and a key that exists already (a replay, a
	// concurrent duplicate, an expired key) fails that insert on the
	// unique index, so the next attempt reads it first.
	legacy, err := s.legacyKeysLive(ctx)
	if err != nil {
		return Order{}, storeerr.Classify(err, "confirm order")
	}
	var out Order
	var done effect
	attempts := 0
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		done = effect{}
		attempts++
		var k storedKey
		if attempts > 1 || legacy {
			var err error
			if k, err = s.lookupKey(ctx, tx.Client(), ref, use); err != nil {
				return err
			}
		}
		if k.live {
			done.replayed = true
			out, err = readOrder(ctx, tx.Client(), p, k.target)
			return err
		}
		// The key goes in first: a concurrent duplicate waits on it and
		// then replays, instead of confirming a second time.
		if err := s.insertKey(ctx, tx, ref, k, use, id, StatusConfirmed); err != nil {
			return err
		}
		o, err := readOrder(ctx, tx.Client(), p, id)
		if err != nil {
			return err
		}
		was := o.Status
		if !p.CanOrderFor(o.CustomerID) {
			return services.ErrPermissionDenied
		}
		changed, err := o.Confirm(s.stamp(), p.Actor())
		if err != nil {
			return err
		}
		if changed {
			if err := s.transition(ctx, tx, &o, was); err != nil {
				return err
			}
			done.confirmed = true
		}
		out = o
		return nil
	})
	s.report(done, err)
	return out, err
}
