package ordersgraph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/services"
	orderssvc "github.com/b2b-orders/platform/services/orders"
)

// SubscriptionBuffer is how many events a subscriber may fall behind
// before it loses the ones that do not fit (the schema says so): a slow
// subscriber never holds up the others, nor publishing.
const SubscriptionBuffer = 256

// subscribeOrderEvents streams bus's order events, those of customerID's
// customer when given, to a subscriber, until ctx ends. A customer token
// gets its own customer's only, and a principal limited to locations
// those of orders at its locations, as its reads do.
// Errors: Unauthenticated; PermissionDenied for a customer token asking
// for another customer; Unavailable without an event source.
func subscribeOrderEvents(ctx context.Context, bus *relay.Bus, customerID *int) (<-chan *model.OrderEvent, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	want := 0
	if customerID != nil {
		want = *customerID
	}
	if p.IsCustomer() {
		if want != 0 && want != p.CustomerID {
			return nil, services.ErrPermissionDenied
		}
		want = p.CustomerID
	}
	if bus == nil {
		return nil, services.Outage(errors.New("no order event source"))
	}
	sub := bus.Subscribe(SubscriptionBuffer)
	out := make(chan *model.OrderEvent)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			var ev orderssvc.Event
			select {
			case <-ctx.Done():
				return
			case ev = <-sub.C:
			}
			var body orderssvc.EventBody
			if json.Unmarshal(ev.Payload, &body) != nil || want != 0 && body.Order.CustomerID != want ||
				!p.AtLocation(body.Order.LocationID) {
				continue
			}
			m, err := orderEvent(body)
			if err != nil {
				continue
			}
			select {
			case out <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// orderEvent is the graph's view of an event: its order as the event
// carries it, with the location, address, placer, PO number, terms,
// payment and approval of its view (the due date follows from the terms),
// and the event's actor as the order's confirmer, canceler or payer when
// the event is that change: a confirmation, or an approval that confirmed
// the order; a cancellation, or a rejection; a payment (an event carries
// no other actor). Its decisions are those taken by the event.
// Errors: an event whose JSON is not an EventBody's.
func orderEvent(body orderssvc.EventBody) (*model.OrderEvent, error) {
	o, err := body.OrderAt()
	if err != nil {
		return nil, err
	}
	at, err := time.Parse(time.RFC3339Nano, body.OccurredAt)
	if err != nil {
		return nil, err
	}
	v := body.Order
	o.LocationID, o.ShipTo, o.PlacedBy = v.LocationID, v.ShipTo, v.PlacedBy
	o.PONumber, o.PaymentTerms = v.PONumber, v.PaymentTerms
	if o.PaidAt, err = eventTime(v.PaidAt); err != nil {
		return nil, fmt.Errorf("event %s: paid_at: %w", body.ID, err)
	}
	if a := v.Approval; a != nil {
		o.ApprovalRoles, o.Approvals, o.ConfirmOnApproval = a.Levels, a.Approved, a.ConfirmOnApproval
		if o.ApprovalExpiresAt, err = eventTime(a.ExpiresAt); err != nil {
			return nil, fmt.Errorf("event %s: approval expires_at: %w", body.ID, err)
		}
	}
	var actor *services.Actor
	if body.Actor.Type != "" {
		actor = &body.Actor
	}
	switch body.Type {
	case orderssvc.EventConfirmed:
		o.ConfirmedBy = actor
	case orderssvc.EventApproved:
		// Only an order pending approval is approved: confirmed in the
		// view, this approval (its last level) confirmed it.
		if o.Status == orderssvc.StatusConfirmed {
			o.ConfirmedBy = actor
		}
	case orderssvc.EventCanceled, orderssvc.EventRejected:
		o.CanceledBy = actor
	case orderssvc.EventPaid:
		o.PaidBy = actor
	}
	order := model.FromOrder(o)
	order.FromEvent = true
	return &model.OrderEvent{EventID: body.ID, Type: body.Type, Seq: body.Seq, OccurredAt: at, Order: order,
		Actor: model.ActorOf(actor)}, nil
}

// eventTime reads a time of an event's order; "" is none.
func eventTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
