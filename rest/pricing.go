package rest

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/internal/jsonfields"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

// Contract prices (docs/pricing.md), on the orders role: staff manage
// price lists at /price-lists, and a customer reads its own prices at
// /prices. A product's own quantity rule is products.go's.

type pricingHandler struct {
	svc  *orders.Service
	errs errorWriter
}

func (h *pricingHandler) priceListRoutes(r chi.Router) {
	r.Get("/", h.list)
	r.Post("/", h.create)
	r.Get("/{id}", h.get)
	r.Put("/{id}", h.replace)
	r.Delete("/{id}", h.delete)
}

// msgInvalidPriceListID answers a path id that is not a list's.
const msgInvalidPriceListID = "Invalid price list ID"

type priceListBody struct {
	ID          int              `json:"id"`
	Name        string           `json:"name"`
	Currency    string           `json:"currency"`
	Status      string           `json:"status"`
	Scope       string           `json:"scope"`
	ValidFrom   *timestamp       `json:"valid_from"`
	ValidTo     *timestamp       `json:"valid_to"`
	Priority    int              `json:"priority"`
	CustomerIDs []int            `json:"customer_ids"`
	Entries     []priceEntryBody `json:"entries"`
	Rules       []listRuleBody   `json:"rules"`
	CreatedAt   timestamp        `json:"created_at"`
	UpdatedAt   timestamp        `json:"updated_at"`
}

type priceEntryBody struct {
	ProductID      int   `json:"product_id"`
	MinQty         int64 `json:"min_qty"`
	UnitPriceCents int64 `json:"unit_price_cents"`
}

// listRuleBody is a list's quantity rule for one of its products.
type listRuleBody struct {
	ProductID int   `json:"product_id"`
	Min       int64 `json:"min"`
	Max       int64 `json:"max"`
	Increment int64 `json:"increment"`
}

func priceListDTO(l orders.PriceList) priceListBody {
	out := priceListBody{ID: l.ID, Name: l.Name, Currency: l.Currency, Status: string(l.Status), Scope: string(l.Scope),
		ValidFrom: optTime(l.ValidFrom), ValidTo: optTime(l.ValidTo), Priority: l.Priority, CustomerIDs: orEmpty(l.CustomerIDs),
		Entries: make([]priceEntryBody, len(l.Entries)), Rules: make([]listRuleBody, len(l.Rules)),
		CreatedAt: timestamp(l.CreatedAt), UpdatedAt: timestamp(l.UpdatedAt)}
	for i, e := range l.Entries {
		out.Entries[i] = priceEntryBody{ProductID: e.ProductID, MinQty: e.MinQty, UnitPriceCents: e.UnitPriceCents}
	}
	for i, r := range l.Rules {
		out.Rules[i] = listRuleBody{ProductID: r.ProductID, Min: r.Min, Max: r.Max, Increment: r.Increment}
	}
	return out
}

// productPriceBody is what the caller's customer pays for one product:
// the unit price from each break's quantity on, and the rule its lines
// must meet (QuantityRule: at the first break, as each break's says for
// its own).
type productPriceBody struct {
	ProductID    int               `json:"product_id"`
	Currency     string            `json:"currency"`
	Breaks       []priceBreakBody  `json:"breaks"`
	QuantityRule *quantityRuleBody `json:"quantity_rule"`
}

type priceBreakBody struct {
	MinQty         int64 `json:"min_qty"`
	UnitPriceCents int64 `json:"unit_price_cents"`
	// PriceListID is null for the product's own price.
	PriceListID *int `json:"price_list_id"`
	// QuantityRule binds the lines priced at this break (the giving
	// list's, else the product's own); null for none.
	QuantityRule *quantityRuleBody `json:"quantity_rule"`
}

func productPriceDTO(p orders.ProductPrice) productPriceBody {
	out := productPriceBody{ProductID: p.ProductID, Currency: p.Currency, Breaks: make([]priceBreakBody, len(p.Breaks)),
		QuantityRule: quantityRuleDTO(p.Rule)}
	for i, b := range p.Breaks {
		out.Breaks[i] = priceBreakBody{MinQty: b.MinQty, UnitPriceCents: b.UnitPriceCents, PriceListID: b.ListID,
			QuantityRule: quantityRuleDTO(b.Rule)}
	}
	return out
}

// list: GET /price-lists → 200 every list, in id order. Staff keep a
// handful of lists, each answered whole: no pages, as the governance
// lists.
func (h *pricingHandler) list(w http.ResponseWriter, r *http.Request) {
	ls, err := h.svc.ListPriceLists(r.Context())
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(services.Map(ls, priceListDTO)))
}

// create: POST /price-lists {name, currency, status?, scope?, valid_from?,
// valid_to?, priority?, customer_ids?, entries, rules?} → 201 list.
func (h *pricingHandler) create(w http.ResponseWriter, r *http.Request) {
	in, err := readPriceList(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	l, err := h.svc.CreatePriceList(r.Context(), in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, ok(priceListDTO(l)))
}

// get: GET /price-lists/{id} → 200 list.
func (h *pricingHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, msgInvalidPriceListID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	l, err := h.svc.GetPriceList(r.Context(), id)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(priceListDTO(l)))
}

// replace: PUT /price-lists/{id} with the body of create → 200 list. The
// body is the whole list: what it omits goes (a PUT, not a PATCH).
func (h *pricingHandler) replace(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, msgInvalidPriceListID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	in, err := readPriceList(r)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	l, err := h.svc.ReplacePriceList(r.Context(), id, in)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(priceListDTO(l)))
}

// delete: DELETE /price-lists/{id} → 204. Orders placed from the list
// keep its id and their prices.
func (h *pricingHandler) delete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, msgInvalidPriceListID)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	if err := h.svc.DeletePriceList(r.Context(), id); err != nil {
		h.errs.write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// prices: GET /prices?customer_id=N&product_ids=1,2,3 → 200 what the
// customer pays for each product, in the order asked. A customer's own
// principal may leave customer_id out: the customer it acts for is the
// only one whose prices it may see, so there is nothing to ask. Other
// callers must name one.
func (h *pricingHandler) prices(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r)
	rawCustomer, rawProducts := q.one("customer_id"), q.one("product_ids")
	if q.err != nil {
		h.errs.write(w, r, q.err)
		return
	}
	customerID := 0 // the caller's own: the service decides
	if q.values.Has("customer_id") {
		id, err := idParam(rawCustomer, services.MsgInvalidCustomerID)
		if err != nil {
			h.errs.write(w, r, err)
			return
		}
		customerID = id
	}
	if rawProducts == "" {
		h.errs.write(w, r, invalid("product_ids", msgInvalidQuery))
		return
	}
	parts := strings.Split(rawProducts, ",")
	ids := make([]int, len(parts))
	for i, s := range parts {
		id, err := idParam(s, services.MsgInvalidProductID)
		if err != nil {
			h.errs.write(w, r, err)
			return
		}
		ids[i] = id
	}
	ps, err := h.svc.Prices(r.Context(), customerID, ids)
	if err != nil {
		h.errs.write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ok(services.Map(ps, productPriceDTO)))
}

// readPriceList reads the body of create and replace, in field order.
// Null valid_from and valid_to are open-ended, as absent ones are; the
// other fields' meaning (and their defaults) are the service's.
// Errors: those of readObject; Invalid with the first field that is
// missing or of the wrong type, or a time that is not RFC 3339.
func readPriceList(r *http.Request) (orders.PriceListInput, error) {
	f, err := readObject(r)
	if err != nil {
		return orders.PriceListInput{}, err
	}
	name, currency := f.Str("name", true), f.Str("currency", true)
	status, scope := f.Str("status", false), f.Str("scope", false)
	validFrom, validTo := bodyTime(f, "valid_from"), bodyTime(f, "valid_to")
	priority := f.Integer("priority", false)
	customerIDs := ints(f.Integers("customer_ids", false))
	var entries []orders.PriceEntry
	for _, raw := range f.Array("entries", true) {
		e := f.Element("entries", raw)
		if e == nil {
			break
		}
		pid, minQty, price := e.Integer("product_id", true), e.Integer("min_qty", true), e.Integer("unit_price_cents", true)
		if f.Adopt(e); f.Err() != nil {
			break
		}
		entries = append(entries, orders.PriceEntry{ProductID: clampInt(*pid), MinQty: *minQty, UnitPriceCents: *price})
	}
	var rules []orders.QuantityRule
	for _, raw := range f.Array("rules", false) {
		e := f.Element("rules", raw)
		if e == nil {
			break
		}
		pid := e.Integer("product_id", true)
		rule := readRule(e)
		if f.Adopt(e); f.Err() != nil {
			break
		}
		rule.ProductID = clampInt(*pid)
		rules = append(rules, rule)
	}
	if err := f.Err(); err != nil {
		return orders.PriceListInput{}, err
	}
	in := orders.PriceListInput{Name: *name, Currency: *currency, ValidFrom: validFrom, ValidTo: validTo,
		CustomerIDs: customerIDs, Entries: entries, Rules: rules}
	if status != nil {
		in.Status = *status
	}
	if scope != nil {
		in.Scope = *scope
	}
	if priority != nil {
		in.Priority = clampInt(*priority)
	}
	return in, nil
}

// readRule reads a quantity rule's bounds, each optional (0: unset).
func readRule(f *jsonfields.Fields) orders.QuantityRule {
	var r orders.QuantityRule
	for _, b := range []struct {
		name string
		to   *int64
	}{{"min", &r.Min}, {"max", &r.Max}, {"increment", &r.Increment}} {
		if n := f.Integer(b.name, false); n != nil {
			*b.to = *n
		}
	}
	return r
}

// bodyTime reads an optional RFC 3339 time for which null, as absence,
// means none.
func bodyTime(f *jsonfields.Fields, name string) *time.Time {
	s := f.NullableStr(name)
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		f.Fail(name, name+" must be an RFC 3339 time")
		return nil
	}
	return &t
}
