package orders

import (
	"fmt"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
)

// Status is an order's state.
type Status string

// The order states. An order starts CREATED; it may be CONFIRMED, and
// CANCELED from either state (from CONFIRMED only within the cancel window).
const (
	StatusCreated   Status = "CREATED"
	StatusConfirmed Status = "CONFIRMED"
	StatusCanceled  Status = "CANCELED"
)

// ParseStatus returns the Status named s.
// Errors: Invalid for anything but the three states.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case StatusCreated, StatusConfirmed, StatusCanceled:
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
	// poUniqueKey is PONumber while the customer requires it unique and
	// the order is not canceled.
	poUniqueKey *string
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
}

// Line asks for a quantity of one product.
type Line struct {
	ProductID int
	Qty       int64
}

// Confirm moves a CREATED order to CONFIRMED, by the actor, and reports
// whether it changed. A CONFIRMED order stays as it is.
// Errors: FailedPrecondition (invalid_transition) for a CANCELED order.
func (o *Order) Confirm(now time.Time, by services.Actor) (changed bool, err error) {
	switch o.Status {
	case StatusCreated:
		o.Status, o.ConfirmedAt, o.ConfirmedBy = StatusConfirmed, &now, &by
		return true, nil
	case StatusConfirmed:
		return false, nil
	}
	return false, services.Errorf(services.FailedPrecondition, services.CodeInvalidTransition,
		"Order cannot be confirmed. Current status: %s", o.Status)
}

// Cancel moves the order to CANCELED and reports whether it changed; only
// a change gives stock back. A CONFIRMED order can be cancelled while
// now is within window of its creation; a CANCELED order stays as it is.
// Errors: FailedPrecondition (cancel_window_expired).
func (o *Order) Cancel(now time.Time, window time.Duration, by services.Actor) (changed bool, err error) {
	switch o.Status {
	case StatusCanceled:
		return false, nil
	case StatusConfirmed:
		if now.Sub(o.CreatedAt) > window {
			return false, services.Errorf(services.FailedPrecondition, services.CodeCancelWindowExpired,
				"Confirmed orders can only be canceled within %s of creation", humanDuration(window))
		}
	}
	o.Status, o.CanceledAt, o.CanceledBy = StatusCanceled, &now, &by
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
