package rest

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

type productsHandler struct {
	svc  *orders.Service
	errs errorWriter
}

func (h *productsHandler) routes(r chi.Router) {
	r.Post("/", h.create)
	r.Get("/", h.list)
	r.Get("/{id}", h.get)
	r.Patch("/{id}", h.update)
}

// create: POST /products {sku, name, price_cents, stock?} → 201 product.
func (h *productsHandler) create(w http.ResponseWriter, r *http.Request) {
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	sku, name, price, stock := f.Str("sku", true), f.Str("name", true), f.Integer("price_cents", true), f.Integer("stock", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := orders.CreateProductInput{SKU: *sku, Name: *name, PriceCents: *price}
	if stock != nil {
		in.Stock = *stock
	}
	p, err := h.svc.CreateProduct(r.Context(), in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(productDTO(p)))
}

// get: GET /products/{id} → 200 product.
func (h *productsHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidProductID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	p, err := h.svc.GetProduct(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(productDTO(p)))
}

// list: GET /products?search&cursor&limit → 200 page.
func (h *productsHandler) list(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	params := orders.ListProductsParams{Search: q.one("search"), After: q.number("cursor"), Limit: q.number("limit")}
	if q.err != nil {
		h.errs.write(w, r, q.err)
		return
	}
	p, err := h.svc.ListProducts(r.Context(), params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, productDTO, productID))
}

// update: PATCH /products/{id} {sku?, name?, price_cents?, stock?,
// quantity_rule?} → 200 product. quantity_rule {min?, max?, increment?}
// replaces the product's whole rule (an omitted bound is unset); null, or
// every bound 0, removes it.
func (h *productsHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidProductID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, nulls, err := readObjectNulls(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := orders.UpdateProductInput{SKU: f.Str("sku", false), Name: f.Str("name", false),
		PriceCents: f.Integer("price_cents", false), Stock: f.Integer("stock", false)}
	if nulls["quantity_rule"] {
		in.Rule = &orders.QuantityRule{}
	} else if o := f.Object("quantity_rule", false); o != nil {
		rule := readRule(o)
		f.Adopt(o)
		in.Rule = &rule
	}
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	p, err := h.svc.UpdateProduct(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(productDTO(p)))
}
