package orders

import (
	"context"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// CreateAndConfirmInput is an order to place and confirm at once, under
// its required idempotency key.
type CreateAndConfirmInput struct {
	CustomerID int
	Lines      []Line
	// LocationID names the customer's location the order ships to.
	LocationID *int
	// PONumber is the buyer's purchase-order number.
	PONumber       *string
	IdempotencyKey string
}

// CreateAndConfirm places an order directly in state CONFIRMED, in one
// transaction: customer check, stock, order, items and key. The same key
// with the same request answers with the first order and takes no more
// stock, also when the calls race.
// Errors: those of CreateOrder; Invalid ("Idempotency key is required").
func (s *Service) CreateAndConfirm(ctx context.Context, in CreateAndConfirmInput) (Order, error) {
	return s.placeUnderKey(ctx, in, StatusConfirmed, opCreateAndConfirm)
}

// placeUnderKey places in.Lines in state status under in.IdempotencyKey,
// guarding operation op.
func (s *Service) placeUnderKey(ctx context.Context, in CreateAndConfirmInput, status Status, op string) (Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Order{}, err
	}
	req, err := parseOrder(in.CustomerID, in.Lines, in.LocationID, in.PONumber)
	if err != nil {
		return Order{}, err
	}
	if err := checkKeyValue(in.IdempotencyKey); err != nil {
		return Order{}, err
	}
	if err := orderFor(p, &req); err != nil {
		return Order{}, err
	}
	use := newKeyUse(op, 0, req.String())
	ref := keyOf(p, in.IdempotencyKey)
	var (
		out        Order
		replayed   bool
		authorized bool
		attempts   int
	)
	// One attempt: place the order and insert its key, in one
	// transaction. The first attempt does not look the key up: a new key,
	// the common case, costs no read. A key that exists already fails its
	// insert on the unique index, as a concurrent duplicate's does, and
	// the next attempt reads it first and replays (or refuses a key that
	// guards another request). A replay must not depend on the customer or
	// the stock of now, so a first attempt refused for either looks the
	// key up before it answers. The directory, when it is asked (a remote
	// call), is asked once, before any transaction that places. While keys
	// from before scopes may live, every attempt looks the key up: their
	// scope is not the caller's, so no unique index would find them.
	legacy, err := s.legacyKeysLive(ctx)
	if err != nil {
		return Order{}, storeerr.Classify(err, op)
	}
	attempt := func() error {
		attempts++
		var k storedKey
		if attempts > 1 || legacy {
			var err error
			if k, err = s.lookupKey(ctx, s.db.Client, ref, use); err != nil {
				return err
			}
			if k.live {
				replayed = true
				out, err = readOrder(ctx, s.db.Client, p, k.target)
				return err
			}
		}
		if !authorized {
			if err := s.authorizeOrder(ctx, &req); err != nil {
				return s.replayInstead(ctx, ref, use, err)
			}
			authorized = true
		}
		err := s.db.WithTxOnce(ctx, func(tx *ent.Tx) error {
			o, err := s.place(ctx, tx, req, status, p.Actor())
			if err != nil {
				return err
			}
			// The key goes in last because it names the new order.
			if err := s.insertKey(ctx, tx, ref, k, use, o.ID, status); err != nil {
				return err
			}
			out = o
			return nil
		})
		return s.replayInstead(ctx, ref, use, err)
	}
	err = storeerr.Classify(s.db.Retry(ctx, attempt), op)
	if replayed {
		s.report(effect{replayed: true}, err)
	} else {
		s.report(effect{created: true, confirmed: out.Status == StatusConfirmed}, err)
	}
	if err != nil {
		return Order{}, err
	}
	return out, nil
}

// replayInstead turns err, a refusal of an attempt, into a request for
// another attempt when the key is live after all (the first attempt did
// not read it; a later one may have read it before a duplicate
// committed): a replay answers with its order whatever the customer or the
// stock are now, and a duplicate that lost the stock race (or the spend,
// the credit, the PO number) to its own first attempt gets that attempt's
// order.
func (s *Service) replayInstead(ctx context.Context, ref keyRef, use keyUse, err error) error {
	if err == nil {
		return err
	}
	switch services.ErrorOf(err).Kind {
	case services.NotFound, services.FailedPrecondition, services.Invalid, services.Conflict:
		// The first order's own effects refuse its duplicate: its spend,
		// its credit, its PO number.
		if services.ErrorOf(err).Code == services.CodeKeyReused || services.ErrorOf(err).Code == services.CodeBusy {
			return err
		}
		if k, lerr := s.lookupKey(ctx, s.db.Client, ref, use); lerr == nil && k.live {
			return errRetry
		}
	}
	return err
}
