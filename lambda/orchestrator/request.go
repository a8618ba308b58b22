package orchestrator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

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

// maxInt bounds ids and quantities to what the graph's Int carries.
const maxInt = math.MaxInt32

// invalid is a request the orchestrator refuses before calling the graph.
type invalid struct{ msg string }

func (e invalid) Error() string { return e.msg }

// ParseRequest decodes body and checks it field by field in the contract's
// order, reporting the first failure with the message the original's
// validation gave ("Required", "Expected number, received string", ...).
// The correlation id is returned even when the rest is invalid, so the
// error answer can carry it.
func ParseRequest(body []byte) (Request, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return Request{}, invalid{"Invalid JSON"}
	}
	var r Request
	// The correlation id is optional; null counts as absent.
	if v, ok := raw["correlation_id"]; ok && !isNull(v) {
		if t := web.JSONKind(v); t != "string" {
			return r, invalid{"Expected string, received " + t}
		}
		var id string
		if err := json.Unmarshal(v, &id); err != nil {
			return r, invalid{"Invalid JSON"}
		}
		if err := checkCorrelationID(id); err != nil {
			return r, err
		}
		r.CorrelationID = id
	}
	id, err := intField(raw, "customer_id", services.MsgInvalidCustomerID)
	if err != nil {
		return r, err
	}
	r.CustomerID = id
	items, ok := raw["items"]
	if !ok {
		return r, invalid{"Required"}
	}
	var list []map[string]json.RawMessage
	if web.JSONKind(items) != "array" {
		return r, invalid{"Expected array, received " + web.JSONKind(items)}
	}
	if err := json.Unmarshal(items, &list); err != nil {
		return r, invalid{"Expected object, received " + firstNonObject(items)}
	}
	if len(list) == 0 {
		return r, invalid{services.MsgNoItems}
	}
	for _, it := range list {
		pid, err := intField(it, "product_id", services.MsgInvalidProductID)
		if err != nil {
			return r, err
		}
		qty, err := intField(it, "qty", services.MsgQuantityBelowOne)
		if err != nil {
			return r, err
		}
		r.Items = append(r.Items, Item{ProductID: pid, Qty: qty})
	}
	key, ok := raw["idempotency_key"]
	if !ok {
		return r, invalid{"Required"}
	}
	if t := web.JSONKind(key); t != "string" {
		return r, invalid{"Expected string, received " + t}
	}
	if err := json.Unmarshal(key, &r.IdempotencyKey); err != nil {
		return r, invalid{"Invalid JSON"}
	}
	if r.IdempotencyKey == "" {
		return r, invalid{services.MsgKeyRequired}
	}
	return r, nil
}

// checkCorrelationID refuses a body's correlation id that breaks
// web.ValidCorrelationID, the rule its header follows too, saying why.
func checkCorrelationID(id string) error {
	if len(id) > web.MaxCorrelationID {
		return invalid{fmt.Sprintf("Correlation ID must be at most %d characters", web.MaxCorrelationID)}
	}
	if !web.ValidCorrelationID(id) {
		return invalid{"Correlation ID must not contain control characters"}
	}
	return nil
}

// intField reads a required integer of at least 1.
func intField(obj map[string]json.RawMessage, name, belowOne string) (int, error) {
	v, ok := obj[name]
	if !ok {
		return 0, invalid{"Required"}
	}
	if t := web.JSONKind(v); t != "number" {
		return 0, invalid{"Expected number, received " + t}
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return 0, invalid{"Expected number, received string"}
	}
	if f != math.Trunc(f) {
		return 0, invalid{"Expected integer, received float"}
	}
	if f < 1 {
		return 0, invalid{belowOne}
	}
	if f > maxInt {
		return 0, invalid{fmt.Sprintf("Number must be less than or equal to %d", maxInt)}
	}
	return int(f), nil
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func firstNonObject(items json.RawMessage) string {
	var list []json.RawMessage
	_ = json.Unmarshal(items, &list)
	for _, v := range list {
		if t := web.JSONKind(v); t != "object" {
			return t
		}
	}
	return "unknown"
}
