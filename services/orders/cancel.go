package orders

import (
	"context"
	"slices"
	"time"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/product"
	"github.com/b2b-orders/platform/services"
)

// CancelOrder cancels an order and gives its stock back, exactly once: a
// CANCELED order is returned unchanged. A CONFIRMED order can be cancelled
// only within the cancel window.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound;
// FailedPrecondition (cancel_window_expired).
func (s *Service) CancelOrder(ctx context.Context, id int) (Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Order{}, err
	}
	if id < 1 {
		return Order{}, services.InvalidField("id", services.MsgInvalidOrderID)
	}
	var out Order
	var done effect
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		done = effect{}
		o, err := readOrder(ctx, tx.Client(), p, id)
		if err != nil {
			return err
		}
		if !p.CanOrderFor(o.CustomerID) {
			return services.ErrPermissionDenied
		}
		was := o.Status
		now := s.stamp()
		changed, err := o.Cancel(now, s.cfg.CancelWindow, p.Actor())
		if err != nil || !changed {
			out = o
			return err
		}
		done.canceled = true
		if err := s.cancelled(ctx, tx, &o, was, now, p.Actor(), "", EventCanceled); err != nil {
			return err
		}
		out = o
		return nil
	})
	s.report(done, err)
	return out, err
}

// cancelled writes o's move to CANCELED from was, with its events, and
// gives back, once, everything the order took: its stock, its buyer's
// spend, and the credit of an unpaid confirmed order.
func (s *Service) cancelled(ctx context.Context, tx *ent.Tx, o *Order, was Status, now time.Time, by services.Actor, reason string, events ...string) error {
	if err := s.transition(ctx, tx, o, now, by, reason, events...); err != nil {
		return err
	}
	if err := giveBack(ctx, tx, o, was); err != nil {
		return err
	}
	// Items are in id order; give stock back in product-id order like
	// every writer takes it.
	back := slices.Clone(o.Items)
	slices.SortFunc(back, func(a, b Item) int { return a.ProductID - b.ProductID })
	for _, it := range back {
		if _, err := tx.Product.Update().Where(product.ID(it.ProductID)).AddStock(it.Qty).Save(ctx); err != nil {
			return err
		}
	}
	return nil
}

// transition writes o's change, with its events numbered on from o.seq, if
// the stored order is still the one read (its event_seq): when another
// transaction changed it first, the whole transaction runs again, so a
// change applies once however many race for it.
func (s *Service) transition(ctx context.Context, tx *ent.Tx, o *Order, at time.Time, by services.Actor, reason string, events ...string) error {
	up := tx.Order.Update()
	if o.Status == StatusCanceled {
		// A canceled order's PO number is free for the customer's next.
		up.ClearPoUniqueKey()
	}
	n, err := up.
		Where(order.ID(o.ID), order.EventSeq(o.seq)).
		SetStatus(order.Status(o.Status)).
		SetNillableConfirmedAt(o.ConfirmedAt).
		SetNillableCanceledAt(o.CanceledAt).
		SetNillableConfirmedBy(actorString(o.ConfirmedBy)).
		SetNillableCanceledBy(actorString(o.CanceledBy)).
		SetApprovals(o.Approvals).
		SetNillablePaidAt(o.PaidAt).
		SetNillablePaidBy(actorString(o.PaidBy)).
		SetEventSeq(o.seq + len(events)).
		Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errRetry
	}
	// The change's events, in the change's transaction (the outbox).
	return writeEvents(ctx, tx, o, at, by, reason, events...)
}
