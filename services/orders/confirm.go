package orders

import (
	"context"
	"fmt"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// ConfirmOrder confirms an order under an idempotency key, taking its
// total from the customer's credit. The key is bound to this order: the
// same key again answers with the order as it is and changes nothing; an
// order already CONFIRMED is confirmed again under a new key without
// change. Two concurrent confirms with one key both succeed with one
// effect.
// Errors: Unauthenticated; Invalid (ids below 1, "Idempotency key is
// required"); NotFound; Conflict (idempotency_key_reused, when the key
// guards another order or operation; credit_limit_exceeded);
// FailedPrecondition (invalid_transition for a CANCELED order or one
// pending approval).
func (s *Service) ConfirmOrder(ctx context.Context, id int, key string) (Order, error) {
	return s.changeUnderKey(ctx, id, key, newKeyUse(opConfirm, id, fmt.Sprint(id)),
		func(p services.Principal, o *Order) bool { return p.CanOrderFor(o.CustomerID) },
		func(ctx context.Context, tx *ent.Tx, p services.Principal, o *Order, done *effect) error {
			if !p.CanOrderFor(o.CustomerID) {
				return services.ErrPermissionDenied
			}
			now := s.stamp()
			changed, err := o.Confirm(now, p.Actor())
			if err != nil || !changed {
				return err
			}
			if err := s.transition(ctx, tx, o, now, p.Actor(), "", EventConfirmed); err != nil {
				return err
			}
			done.confirmed = true
			return s.takeCreditFor(ctx, tx, o)
		})
}

// change is one keyed change of an order read in tx: it applies the
// change to o and writes it, or leaves o as it is.
type change func(ctx context.Context, tx *ent.Tx, p services.Principal, o *Order, done *effect) error

// changeUnderKey runs apply on order id in one transaction under an
// idempotency key bound to the order and use: the same key again answers
// with the order as it is now and changes nothing, to a caller who may
// make the change (keys are shared within a customer).
// Errors: Unauthenticated; Invalid (ids below 1, a missing or too long
// key); NotFound; PermissionDenied (a replay to a caller who may not);
// Conflict (idempotency_key_reused); apply's.
func (s *Service) changeUnderKey(ctx context.Context, id int, key string, use keyUse, may func(services.Principal, *Order) bool, apply change) (Order, error) {
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
	ref := keyOf(p, key)
	// As in placeUnderKey, a new key costs no read: the first attempt
	// inserts it at once, and a key that exists already (a replay, a
	// concurrent duplicate, an expired key) fails that insert on the
	// unique index, so the next attempt reads it first.
	legacy, err := s.legacyKeysLive(ctx)
	if err != nil {
		return Order{}, storeerr.Classify(err, use.op)
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
			if out, err = readOrder(ctx, tx.Client(), p, k.target); err != nil {
				return err
			}
			if !may(p, &out) {
				out = Order{}
				return services.ErrPermissionDenied
			}
			return nil
		}
		// The key goes in first: a concurrent duplicate waits on it and
		// then replays, instead of changing the order a second time.
		if err := s.insertKey(ctx, tx, ref, k, use, id, use.answer); err != nil {
			return err
		}
		o, err := readOrder(ctx, tx.Client(), p, id)
		if err != nil {
			return err
		}
		if err := apply(ctx, tx, p, &o, &done); err != nil {
			return err
		}
		out = o
		return nil
	})
	s.report(done, err)
	return out, err
}
