package rest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/internal/directory"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
)

type customersHandler struct {
	svc  *customers.Service
	errs errorWriter
}

func (h *customersHandler) routes(r chi.Router) {
	r.Post("/", h.create)
	r.Get("/", h.list)
	r.Get("/{id}", h.get)
	r.Put("/{id}", h.update)
	r.Delete("/{id}", h.delete)
	r.Get("/{id}/settings", h.settings)
	r.Patch("/{id}/settings", h.updateSettings)
	r.Get("/{id}/credit", h.credit)
	r.Get("/{id}/spending-limits", h.spendingLimits)
	r.Post("/{id}/spending-limits", h.setSpendingLimit)
	r.Delete("/{id}/spending-limits/{limitID}", h.deleteSpendingLimit)
	r.Get("/{id}/approval-rules", h.approvalRules)
	r.Post("/{id}/approval-rules", h.createApprovalRule)
	r.Delete("/{id}/approval-rules/{ruleID}", h.deleteApprovalRule)
}

type settingsBody struct {
	PONumberRequired bool                   `json:"po_number_required"`
	PONumberUnique   bool                   `json:"po_number_unique"`
	PaymentTerms     *services.PaymentTerms `json:"payment_terms"`
	TimeZone         string                 `json:"time_zone"`
	CreditLimitCents *int64                 `json:"credit_limit_cents"`
}

func settingsDTO(s customers.Settings) settingsBody {
	return settingsBody{PONumberRequired: s.PONumberRequired, PONumberUnique: s.PONumberUnique, PaymentTerms: s.PaymentTerms,
		TimeZone: s.TimeZone, CreditLimitCents: s.CreditLimitCents}
}

// settings: GET /customers/{id}/settings → 200 settings.
func (h *customersHandler) settings(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	s, err := h.svc.GetSettings(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(settingsDTO(s)))
}

// updateSettings: PATCH /customers/{id}/settings {po_number_required?,
// po_number_unique?, payment_terms? ("" or null removes them), time_zone?,
// credit_limit_cents? (null removes the limit)} → 200 settings.
func (h *customersHandler) updateSettings(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, nulls, err := readObjectNulls(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := customers.SettingsUpdate{PONumberRequired: f.Boolean("po_number_required", false), PONumberUnique: f.Boolean("po_number_unique", false)}
	if terms, present := f.NullableStr("payment_terms"), f.Has("payment_terms"); present {
		if terms == nil {
			terms = new(string)
		}
		in.PaymentTerms = terms
	}
	in.TimeZone = f.Str("time_zone", false)
	in.CreditLimitCents, in.ClearCreditLimit = nullableInteger(f, nulls, "credit_limit_cents")
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	s, err := h.svc.UpdateSettings(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(settingsDTO(s)))
}

// create: POST /customers {name, email, phone?} → 201 customer.
func (h *customersHandler) create(w http.ResponseWriter, r *http.Request) {
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	name, email, phone := f.Str("name", true), f.Str("email", true), f.Str("phone", false)
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	c, err := h.svc.Create(r.Context(), customers.CreateInput{Name: *name, Email: *email, Phone: phone})
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(customerDTO(c)))
}

// get: GET /customers/{id} → 200 customer. It also answers the internal
// route, whose service token RequireService has checked.
func (h *customersHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	c, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(customerDTO(c)))
}

// live: GET /internal/customers?ids=1,2,3 (service token only) → 200
// {"success":true,"data":{"live":[ids]}}: those of at most
// directory.MaxBatch ids that are live customers, for the orders role's
// lists, in one statement instead of one request per customer.
func (h *customersHandler) live(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("ids")
	parts := strings.Split(raw, ",")
	if raw == "" || len(parts) > directory.MaxBatch {
		h.errs.write(w, r, invalid("ids", msgInvalidQuery))
		return
	}
	ids := make([]int, 0, len(parts))
	for _, p := range parts {
		id, err := strconv.Atoi(p)
		if err != nil || id < 1 {
			h.errs.write(w, r, invalid("ids", services.MsgInvalidCustomerID))
			return
		}
		ids = append(ids, id)
	}
	live, err := h.svc.Live(r.Context(), ids)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	if live == nil {
		live = []int{}
	}
	web.WriteJSON(w, http.StatusOK, ok(map[string][]int{"live": live}))
}

// list: GET /customers?search&cursor&limit → 200 page.
func (h *customersHandler) list(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	params := customers.ListParams{Search: q.one("search"), After: q.number("cursor"), Limit: q.number("limit")}
	if q.err != nil {
		h.errs.write(w, r, q.err)
		return
	}
	p, err := h.svc.List(r.Context(), params)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, page(p, params.Limit, customerDTO, customerID))
}

// update: PUT /customers/{id} {name?, email?, phone?} → 200 customer.
func (h *customersHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	f, err := readObject(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in := customers.UpdateInput{Name: f.Str("name", false), Email: f.Str("email", false), Phone: f.Str("phone", false)}
	if err := f.Err(); err != nil {
		h.errs.write(w, r, err)
		return
	}
	c, err := h.svc.Update(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(customerDTO(c)))
}

// delete: DELETE /customers/{id} → 204, no body.
func (h *customersHandler) delete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, services.MsgInvalidCustomerID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	if err := h.svc.Delete(r.Context(), id); err != nil {
		h.errs.write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
