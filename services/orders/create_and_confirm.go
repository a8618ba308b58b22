package orders

import (
	"context"
	"errors"

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
	for attempt := range maxAttempts {
		// The key is read once per attempt, outside the transaction: a
		// retry replays without asking the customer directory again (so it
		// answers the same even if the customer has gone since), and a
		// concurrent duplicate that gets past this read fails on the key's
		// unique index at commit time and comes back here to replay.
		k, err := s.lookupKey(ctx, s.db.Client, in.IdempotencyKey, use)
		if err != nil {
			return Order{}, storeerr.Classify(err, "look up key")
		}
		if k.live {
			o, err := readOrder(ctx, s.db.Client, p, k.target)
			err = storeerr.Classify(err, "replay order")
			s.report(effect{replayed: true}, err)
			return o, err
		}
		if attempt == 0 {
			if err := s.authorizeOrder(ctx, req.customerID); err != nil {
				return Order{}, err
			}
		}
		var out Order
		err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
			o, err := s.place(ctx, tx, req, StatusConfirmed)
			if err != nil {
				return err
			}
			// The key goes in last because it names the new order.
			if err := s.insertKey(ctx, tx, in.IdempotencyKey, k, use, o.ID, StatusConfirmed); err != nil {
				return err
			}
			out = o
			return nil
		})
		if errors.Is(err, errRetry) {
			continue
		}
		if services.KindOf(err) == services.FailedPrecondition {
			// A duplicate may have lost the stock race to its own first
			// attempt: then that attempt's order is the answer.
			if k, lerr := s.lookupKey(ctx, s.db.Client, in.IdempotencyKey, use); lerr == nil && k.live {
				continue
			}
		}
		err = storeerr.Classify(err, "create and confirm")
		s.report(effect{created: true, confirmed: true}, err)
		return out, err
	}
	return Order{}, errBusy
}
