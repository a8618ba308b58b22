package orchestrator

import (
	"fmt"

	"github.com/b2b-orders/platform/internal/jsonfields"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
)

// Request is a create-and-confirm request as the original orchestrator
// accepted it.
type Request struct {
	CustomerID     int    `json:"customer_id"`
	Items          []Item `json:"items"`
	IdempotencyKey string `json:"idempotency_key"`
	CorrelationID  string `json:"correlation_id,omitempty"`
}

// Item is one line of a Request.
type Item struct {
	ProductID int `json:"product_id"`
	Qty       int `json:"qty"`
}

// ParseRequest decodes body and checks it field by field in the contract's
// order, with the decoder the REST API shares (internal/jsonfields) read
// the orchestrator's way: only an object is a body, and every item is
// checked to be an object before any item's fields.
// Errors: an Invalid *services.Error whose Error() is the message of the
// first failure as the original's validation gave it ("Invalid JSON",
// "Required", "Expected number, received string", services.MsgNoItems,
// ...). The correlation id is returned even when the rest is invalid, so
// the error answer can carry it.
func ParseRequest(body []byte) (Request, error) {
	f, err := jsonfields.Parse(body, jsonfields.Options{HugeNumberIsString: true})
	if err != nil {
		return Request{}, err
	}
	var r Request
	// The correlation id is optional; null counts as absent.
	if id := f.NullableStr("correlation_id"); id != nil {
		if msg := correlationIDProblem(*id); msg != "" {
			f.Fail("correlation_id", msg)
		} else {
			r.CorrelationID = *id
		}
	}
	r.CustomerID = contractInt(f, "customer_id", services.MsgInvalidCustomerID)
	items := f.Objects("items", true)
	if f.Err() == nil && len(items) == 0 {
		f.Fail("items", services.MsgNoItems)
	}
	for _, it := range items {
		pid := contractInt(it, "product_id", services.MsgInvalidProductID)
		qty := contractInt(it, "qty", services.MsgQuantityBelowOne)
		if f.Adopt(it); f.Err() != nil {
			break
		}
		r.Items = append(r.Items, Item{ProductID: pid, Qty: qty})
	}
	key := f.Str("idempotency_key", true)
	if key != nil && *key == "" {
		f.Fail("idempotency_key", services.MsgKeyRequired)
	}
	if err := f.Err(); err != nil {
		return r, err
	}
	r.IdempotencyKey = *key
	return r, nil
}

// correlationIDProblem says why a body's correlation id breaks
// web.ValidCorrelationID, the rule its header follows too; "" when it
// does not.
func correlationIDProblem(id string) string {
	if len(id) > web.MaxCorrelationID {
		return fmt.Sprintf("Correlation ID must be at most %d characters", web.MaxCorrelationID)
	}
	if !web.ValidCorrelationID(id) {
		return "Correlation ID must not contain control characters"
	}
	return ""
}

// contractInt reads a required integer of 1 to services.MaxContractInt,
// the most the graph's Int carries, answering belowOne under 1; 0 when it
// fails.
func contractInt(f *jsonfields.Fields, name, belowOne string) int {
	n := f.Integer(name, true)
	switch {
	case n == nil:
		return 0
	case *n < 1:
		f.Fail(name, belowOne)
		return 0
	case *n > services.MaxContractInt:
		f.Fail(name, fmt.Sprintf("Number must be less than or equal to %d", services.MaxContractInt))
		return 0
	}
	return int(*n)
}
