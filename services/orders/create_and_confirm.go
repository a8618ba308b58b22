package orders

import (
	"context"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// CreateAndConfirmInput is an order to place and confirm at once.
type CreateAndConfirmInput struct {
	CustomerID     int
	Lines          []Line
	IdempotencyKey string
}

// CreateAndConfirm places an order directly in state CONFIRMED, in one
// transaction: customer check, stock, order, items and key. The same key
// with the same request answers with the first order and takes no more
// stock, also when the calls race.
// Errors: those of CreateOrder; Invalid ("Idempotency key is required");
// Conflict (idempotency_key_reused, when the key guarded another request).
func (s *Service) CreateAndConfirm(ctx context.Context, in CreateAndConfirmInput) (Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Order{}, err
	}
	req, err := parseOrder(in.CustomerID, in.Lines)
	if err != nil {
		return Order{}, err
	}
	if err := checkKeyValue(in.IdempotencyKey); err != nil {
		return Order{}, err
	}
	if !p.CanActFor(req.customerID) {
		return Order{}, services.ErrPermissionDenied
	}
	use := newKeyUse(opCreateAndConfirm, 0, req.String())
	ref := keyOf(p, in.IdempotencyKey)
	var (
		out        Order
		replayed   bool
		authorized bool
	)
	// One attempt: read the key, replay or place the order. The key is
	// read outside the transaction, so that a replay never asks the
	// customer directory (it answers the same even if the customer has
	// gone since), and the directory, which may be a remote call, is asked
	// once, before any transaction of the first attempt that places. A
	// concurrent duplicate that gets past the read fails on the key's
	// unique index at commit time and asks for another attempt, which then
	// replays.
	attempt := func() error {
		k, err := s.lookupKey(ctx, s.db.Client, ref, use)
		if err != nil {
			return err
		}
		if k.live {
			replayed = true
			out, err = readOrder(ctx, s.db.Client, p, k.target)
			return err
		}
		if !authorized {
			if err := s.authorizeOrder(ctx, req.customerID); err != nil {
				return err
			}
			authorized = true
		}
		err = s.db.WithTxOnce(ctx, func(tx *ent.Tx) error {
			o, err := s.place(ctx, tx, req, StatusConfirmed)
			if err != nil {
				return err
			}
			// The key goes in last because it names the new order.
			if err := s.insertKey(ctx, tx, ref, k, use, o.ID, StatusConfirmed); err != nil {
				return err
			}
			out = o
			return nil
		})
		if services.KindOf(err) == services.FailedPrecondition {
			// A duplicate may have lost the stock race to its own first
			// attempt: then that attempt's order is the answer.
			if k, lerr := s.lookupKey(ctx, s.db.Client, ref, use); lerr == nil && k.live {
				return errRetry
			}
		}
		return err
	}
	err = storeerr.Classify(s.db.Retry(ctx, attempt), "create and confirm")
	if replayed {
		s.report(effect{replayed: true}, err)
	} else {
		s.report(effect{created: true, confirmed: true}, err)
	}
	if err != nil {
		return Order{}, err
	}
	return out, nil
}
