package orders

import "github.com/b2b-orders/platform/services"

// Observer is told about what the service did, once per call and only after
// the transaction committed, so that an operator's counters (internal/app
// implements it with Prometheus) match the rows, never the attempts: a
// transaction that rolled back or ran again counts nothing. It keeps
// metrics libraries out of the domain. Implementations must be safe for
// concurrent use and must not block.
type Observer interface {
	// OrderCreated: an order was placed (by CreateOrder or CreateAndConfirm).
	OrderCreated()
	// OrderConfirmed: an order went to CONFIRMED (ConfirmOrder, or
	// CreateAndConfirm, which places it confirmed).
	OrderConfirmed()
	// OrderCanceled: an order went to CANCELED and its stock came back.
	OrderCanceled()
	// StockRejected: a call ended with insufficient_stock.
	StockRejected()
	// KeyReplayed: a call answered from an idempotency key that guarded
	// the same request already, with no new effect.
	KeyReplayed()
}

// noObserver is the Observer of a Config that sets none.
type noObserver struct{}

func (noObserver) OrderCreated()   {}
func (noObserver) OrderConfirmed() {}
func (noObserver) OrderCanceled()  {}
func (noObserver) StockRejected()  {}
func (noObserver) KeyReplayed()    {}

// effect is what one call did, decided inside its transaction (each
// attempt starts from the zero value) and reported after it committed.
type effect struct {
	created, confirmed, canceled, replayed bool
}

// report tells s's Observer about a finished call: its effect when err is
// nil, a stock rejection when err is insufficient_stock.
func (s *Service) report(e effect, err error) {
	ev := s.cfg.Observer
	if err != nil {
		if services.ErrorOf(err).Code == services.CodeInsufficientStock {
			ev.StockRejected()
		}
		return
	}
	if e.replayed {
		ev.KeyReplayed()
		return
	}
	if e.created {
		ev.OrderCreated()
	}
	if e.confirmed {
		ev.OrderConfirmed()
	}
	if e.canceled {
		ev.OrderCanceled()
	}
}
