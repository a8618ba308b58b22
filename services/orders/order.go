package orders

import (
	"fmt"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
)

// Status is an order's state.
type Status string

// The order states and every transition between them, written once here
// and in docs/governance.md. Each transition is one guarded update of the
// order (its event_seq) and writes its events, with its actor, in the
// same transaction.
//
//	from              action                          to                 events
//	-                 place                           CREATED            order.created
//	-                 place and confirm               CONFIRMED          order.created, order.confirmed
//	-                 place, an approval rule matches PENDING_APPROVAL   order.created, order.approval_requested
//	PENDING_APPROVAL  approve, a level remains        PENDING_APPROVAL   order.approved
//	PENDING_APPROVAL  approve the last level          CREATED            order.approved
//	                  (placed to be confirmed)        CONFIRMED          order.approved, order.confirmed
//	PENDING_APPROVAL  reject                          CANCELED           order.rejected, order.canceled
//	PENDING_APPROVAL  expire (approval too late)      CANCELED           order.canceled (actor system)
//	PENDING_APPROVAL  cancel                          CANCELED           order.canceled
//	CREATED           confirm                         CONFIRMED          order.confirmed
//	CREATED           cancel                          CANCELED           order.canceled
//	CONFIRMED         cancel, unpaid, within window   CANCELED           order.canceled
//	CONFIRMED         pay                             CONFIRMED, paid    order.paid
//
// What a transition takes and gives back: placing takes stock and spend;
// reaching CONFIRMED takes credit; paying gives credit back; reaching
// CANCELED gives back stock, spend, and the credit of an unpaid confirmed
// order. A repeated action on an order already where it leads changes
// nothing (confirm of CONFIRMED, cancel of CANCELED, pay of a paid order).
const (
	StatusPendingApproval Status = "PENDING_APPROVAL"
	StatusCreated         Status = "CREATED"
	StatusConfirmed       Status = "CONFIRMED"
	StatusCanceled        Status = "CANCELED"
)

// ParseStatus returns the Status named s.
// Errors: Invalid for anything but the four states.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusPendingApproval, StatusCreated, StatusConfirmed, StatusCanceled:
		return st, nil
	}
	return "", services.InvalidField("status", "Invalid query parameters")
}

// Order is an order with its lines.
type Order struct {
	ID          int
	CustomerID  int
	Status      Status
	TotalCents  int64
	CreatedAt   time.Time
	ConfirmedAt *time.Time
	CanceledAt  *time.Time
	Items       []Item
	// LocationID is the customer's location the order ships to, and
	// ShipTo its address as it was when the order was placed.
	LocationID *int
	ShipTo     *accounts.Address
	// PlacedBy, ConfirmedBy and CanceledBy say who did each; nil on
	// orders older than actors.
	PlacedBy, ConfirmedBy, CanceledBy *services.Actor
	// PONumber is the buyer's purchase-order number; PaymentTerms the
	// customer's terms when the order was placed.
	PONumber     *string
	PaymentTerms *services.PaymentTerms
	// Currency (ISO 4217) of the order's prices and total; empty on
	// orders placed before currencies, which are in the store's
	// (Service.Currency).
	Currency string
	// poUniqueKey is PONumber while the customer requires it unique and
	// the order is not canceled.
	poUniqueKey *string
	// Approval: the role each level asks for (empty: the order needed no
	// approval), how many levels approved, whether the last approval
	// confirms it, and when it expires unapproved.
	ApprovalRoles     []services.MemberRole
	Approvals         int
	ConfirmOnApproval bool
	ApprovalExpiresAt *time.Time
	// PaidAt and PaidBy: the payment staff recorded.
	PaidAt *time.Time
	PaidBy *services.Actor
	// spend is the ledger row the order's total was added to, if any.
	spend *spendRef
	// seq is the number of the order's last event.
	seq int
}

// DueAt is when a confirmed order with payment terms is due; nil for an
// order without terms or not confirmed.
func (o *Order) DueAt() *time.Time {
	if o.PaymentTerms == nil || o.ConfirmedAt == nil {
		return nil
	}
	due := o.PaymentTerms.DueAt(*o.ConfirmedAt)
	return &due
}

// Item is one line of an order, with the product's name and sku as they
// are now and the unit price as it was when the order was created.
type Item struct {
	ID             int
	OrderID        int
	ProductID      int
	Qty            int64
	UnitPriceCents int64
	SubtotalCents  int64
	ProductName    string
	ProductSKU     string
	// What gave the unit price: a price list's break (the list, the
	// break's minimum quantity), or the product's own price (both nil).
	PriceListID *int
	PriceMinQty *int64
}

// Line asks for a quantity of one product.
type Line struct {
	ProductID int
	Qty       int64
}

// Confirm moves a CREATED order to CONFIRMED, by the actor, and reports
// whether it changed. A CONFIRMED order stays as it is.
// Errors: FailedPrecondition (invalid_transition) for a CANCELED order or
// one pending approval.
func (o *Order) Confirm(now time.Time, by services.Actor) (changed bool, err error) {
	switch o.Status {
	case StatusCreated:
		o.Status, o.ConfirmedAt, o.ConfirmedBy = StatusConfirmed, &now, &by
		return true, nil
	case StatusConfirmed:
		return false, nil
	case StatusPendingApproval:
		return false, services.Errorf(services.FailedPrecondition, services.CodeInvalidTransition,
			"Order cannot be confirmed before it is approved")
	}
	return false, services.Errorf(services.FailedPrecondition, services.CodeInvalidTransition,
		"Order cannot be confirmed. Current status: %s", o.Status)
}

// Cancel moves the order to CANCELED and reports whether it changed; only
// a change gives stock back. A CONFIRMED order can be cancelled while
// now is within window of its creation and it is unpaid; a CANCELED order
// stays as it is.
// Errors: FailedPrecondition (cancel_window_expired; invalid_transition
// for a paid order).
func (o *Order) Cancel(now time.Time, window time.Duration, by services.Actor) (changed bool, err error) {
	switch o.Status {
	case StatusCanceled:
		return false, nil
	case StatusConfirmed:
		if o.PaidAt != nil {
			return false, services.Errorf(services.FailedPrecondition, services.CodeInvalidTransition,
				"A paid order cannot be canceled")
		}
		if now.Sub(o.CreatedAt) > window {
			return false, services.Errorf(services.FailedPrecondition, services.CodeCancelWindowExpired,
				"Confirmed orders can only be canceled within %s of creation", humanDuration(window))
		}
	}
	o.Status, o.CanceledAt, o.CanceledBy = StatusCanceled, &now, &by
	return true, nil
}

// Approve records the next level's approval by the actor and reports the
// events it makes: the last level moves the order to CREATED, or to
// CONFIRMED when it was placed to be confirmed. Who may approve is the
// service's to check.
// Errors: FailedPrecondition (invalid_transition) unless the order is
// pending approval; (approval_expired) once its approval expired.
func (o *Order) Approve(now time.Time, by services.Actor) (events []string, err error) {
	if err := o.decidable(now); err != nil {
		return nil, err
	}
	o.Approvals++
	events = []string{EventApproved}
	if o.Approvals < len(o.ApprovalRoles) {
		return events, nil
	}
	o.Status = StatusCreated
	if o.ConfirmOnApproval {
		o.Status, o.ConfirmedAt, o.ConfirmedBy = StatusConfirmed, &now, &by
		events = append(events, EventConfirmed)
	}
	return events, nil
}

// Reject cancels an order pending approval, by the actor.
// Errors: those of Approve.
func (o *Order) Reject(now time.Time, by services.Actor) (events []string, err error) {
	if err := o.decidable(now); err != nil {
		return nil, err
	}
	o.Status, o.CanceledAt, o.CanceledBy = StatusCanceled, &now, &by
	return []string{EventRejected, EventCanceled}, nil
}

// Expire cancels an order whose approval expired, by the system, and
// reports whether it changed.
func (o *Order) Expire(now time.Time) bool {
	if o.Status != StatusPendingApproval || o.ApprovalExpiresAt == nil || now.Before(*o.ApprovalExpiresAt) {
		return false
	}
	by := services.SystemActor
	o.Status, o.CanceledAt, o.CanceledBy = StatusCanceled, &now, &by
	return true
}

// decidable checks that an approval decision can be taken now.
func (o *Order) decidable(now time.Time) error {
	if o.Status != StatusPendingApproval {
		return services.Errorf(services.FailedPrecondition, services.CodeInvalidTransition,
			"Order is not pending approval. Current status: %s", o.Status)
	}
	if o.ApprovalExpiresAt != nil && !now.Before(*o.ApprovalExpiresAt) {
		return services.Errorf(services.FailedPrecondition, services.CodeApprovalExpired, "The order's approval expired")
	}
	return nil
}

// NextApprovalRole is the role the next approval asks for; "" when none
// is pending.
func (o *Order) NextApprovalRole() services.MemberRole {
	if o.Status != StatusPendingApproval || o.Approvals >= len(o.ApprovalRoles) {
		return ""
	}
	return o.ApprovalRoles[o.Approvals]
}

// Pay records the payment of a CONFIRMED order, by the actor, and reports
// whether it changed; a paid order stays as it is.
// Errors: FailedPrecondition (invalid_transition) for an order that is not
// CONFIRMED.
func (o *Order) Pay(now time.Time, by services.Actor) (changed bool, err error) {
	if o.Status != StatusConfirmed {
		return false, services.Errorf(services.FailedPrecondition, services.CodeInvalidTransition,
			"Only confirmed orders can be paid. Current status: %s", o.Status)
	}
	if o.PaidAt != nil {
		return false, nil
	}
	o.PaidAt, o.PaidBy = &now, &by
	return true, nil
}

// humanDuration writes whole minutes as the contract does ("10 minutes").
func humanDuration(d time.Duration) string {
	if d%time.Minute != 0 || d <= 0 {
		return d.String()
	}
	if m := int64(d / time.Minute); m != 1 {
		return fmt.Sprintf("%d minutes", m)
	}
	return "1 minute"
}
