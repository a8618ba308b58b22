package rest

import (
	"math"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/internal/jsonfields"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

type ordersHandler struct {
	svc  *orders.Service
	errs errorWriter
}

func (h *ordersHandler) routes(r chi.Router) {
	r.Post("/", h.create)
	r.Get("/", h.list)
	r.Get("/{id}", h.get)
	r.Post("/{id}/confirm", h.confirm)
	r.Post("/{id}/cancel", h.cancel)
	r.Post("/{id}/approve", h.approve)
	r.Post("/{id}/reject", h.reject)
	r.Get("/{id}/approvals", h.approvals)
	r.Post("/{id}/payments", h.pay)
}

// create: POST /orders {customer_id, items: [{product_id, qty}]} → 201
// order with the create item shape.
func (h *ordersHandler) create(w http.ResponseWriter, r *http.Request) {
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	customerID := f.Integer("customer_id", true)
	elems := f.Array("items", true)
	lines := make([]orders.Line, 0, len(elems))
	for _, raw := range elems {
		item := f.Element("items", raw)
		if item == nil {
			break
		}
		pid, qty := item.Integer("product_id", true), item.Integer("qty", true)
		if f.Adopt(item); f.Err() != nil {
			break
		}
		lines = append(lines, orders.Line{ProductID: clampInt(*pid), Qty: *qty})
	}
	// After the order's own fields, as the contract checks them in order.
	bodyKey := f.Str("idempotency_key", false)
	var location *int
	if l := f.Integer("location_id", false); l != nil {
		n := clampInt(*l)
		location = &n
	}
	poNumber := f.Str("po_number", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	// An optional key makes a retry safe: the first order, not a second.
	// The body's wins over the headers, as on confirm.
	in := orders.CreateOrderInput{CustomerID: clampInt(*customerID), Lines: lines, LocationID: location, PONumber: poNumber,
		IdempotencyKey: bodyKey}
	if key := createKey(r); bodyKey == nil && key != "" {
		in.IdempotencyKey = &key
	}
	o, err := h.svc.CreateOrder(r.Context(), in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(placedOrderDTO(o)))
}

// get: GET /orders/{id} → 200 order with the read item shape.
func (h *ordersHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidOrderID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	o, err := h.svc.GetOrder(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(storedOrderDTO(o)))
}

// list: GET /orders?status&from&to&cursor&limit → 200 page of orders with
// their items in the read shape.
func (h *ordersHandler) list(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	params := orders.ListOrdersParams{From: q.time("from"), To: q.time("to"), After: q.number("cursor"), Limit: q.number("limit"),
		LocationID: q.number("location_id"), PONumber: q.one("po_number")}
	if s := q.one("placed_by"); q.err == nil && q.values.Has("placed_by") {
		a, ok := services.ParseActor(s)
		if !ok {
			q.err = invalid("placed_by", msgInvalidQuery)
		}
		params.PlacedBy = &a
	}
	if q.err == nil && q.values.Has("location_id") && params.LocationID < 1 {
		q.err = invalid("location_id", msgInvalidQuery)
	}
	if s := q.one("status"); q.err == nil && q.values.Has("status") {
		st, err := orders.ParseStatus(s)
		if err != nil {
			q.err = err
		}
		params.Status = &st
	}
	if q.err != nil {
		h.errs.write(w, r, q.err)
		return
	}
	p, err := h.svc.ListOrders(r.Context(), params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, storedOrderDTO, orderID))
}

// confirm: POST /orders/{id}/confirm with the key in the body's
// idempotency_key or else in X-Idempotency-Key → 200 order with the create
// item shape.
func (h *ordersHandler) confirm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidOrderID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	key := f.Str("idempotency_key", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	if key == nil {
		key = headerKey(r.Header.Values(web.XIdempotencyKeyHeader))
	}
	if key == nil {
		h.errs.write(w, r, invalid("idempotency_key", jsonfields.MsgRequired))
		return
	}
	o, err := h.svc.ConfirmOrder(r.Context(), id, *key)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(placedOrderDTO(o)))
}

// cancel: POST /orders/{id}/cancel → 200 the order after the cancel, with
// the read item shape. A body, if any, must be JSON; its reason is not kept,
// as the original kept none.
func (h *ordersHandler) cancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidOrderID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	if _, err := readObject(r); err != nil {
		h.errs.write(w, r, err)
		return
	}
	o, err := h.svc.CancelOrder(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(storedOrderDTO(o)))
}

// clampInt narrows a saturated int64 to int; on 64-bit platforms it is the
// identity.
func clampInt(n int64) int {
	switch {
	case n > math.MaxInt:
		return math.MaxInt
	case n < math.MinInt:
		return math.MinInt
	}
	return int(n)
}

// createKey is an order creation's optional idempotency key from the
// headers: Idempotency-Key (the IETF draft's name), or X-Idempotency-Key
// as confirm reads it.
func createKey(r *http.Request) string {
	if k := r.Header.Get(web.IdempotencyKeyHeader); k != "" {
		return k
	}
	return r.Header.Get(web.XIdempotencyKeyHeader)
}
