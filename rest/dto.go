package rest

import (
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// The envelopes of the contract.
type (
	dataBody[T any] struct {
		Success bool `json:"success"`
		Data    T    `json:"data"`
	}
	listBody[T any] struct {
		Success    bool       `json:"success"`
		Data       []T        `json:"data"`
		Pagination pagination `json:"pagination"`
	}
	pagination struct {
		// Cursor is the id of the page's last item, absent on an empty page.
		Cursor  *int `json:"cursor,omitempty"`
		Limit   int  `json:"limit"`
		HasMore bool `json:"hasMore"`
	}
)

func ok[T any](data T) dataBody[T] { return dataBody[T]{Success: true, Data: data} }

// page converts a page of service values; limit is the limit the caller
// asked for, reported as the service applied it.
func page[E, T any](p services.Page[E], limit int, f func(E) T, id func(E) int) listBody[T] {
	out := listBody[T]{Success: true, Data: services.Map(p.Items, f)}
	out.Pagination = pagination{Limit: services.ClampLimit(limit), HasMore: p.HasMore}
	if n := len(p.Items); n > 0 {
		last := id(p.Items[n-1])
		out.Pagination.Cursor = &last
	}
	return out
}

// timestamp is the contract's time format: RFC 3339, UTC, milliseconds.
type timestamp time.Time

func (t timestamp) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format(services.TimeLayout)), nil
}

type customerBody struct {
	ID        int       `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Phone     *string   `json:"phone"`
	CreatedAt timestamp `json:"created_at"`
}

func customerDTO(c customers.Customer) customerBody {
	return customerBody{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, CreatedAt: timestamp(c.CreatedAt)}
}

func customerID(c customers.Customer) int { return c.ID }

type productBody struct {
	ID         int       `json:"id"`
	SKU        string    `json:"sku"`
	Name       string    `json:"name"`
	PriceCents int64     `json:"price_cents"`
	Stock      int64     `json:"stock"`
	CreatedAt  timestamp `json:"created_at"`
	// QuantityRule is absent on a product without one, so that answers
	// about such products are the original's.
	QuantityRule *quantityRuleBody `json:"quantity_rule,omitempty"`
}

func productDTO(p orders.Product) productBody {
	return productBody{ID: p.ID, SKU: p.SKU, Name: p.Name, PriceCents: p.PriceCents, Stock: p.Stock, CreatedAt: timestamp(p.CreatedAt),
		QuantityRule: quantityRuleDTO(p.Rule)}
}

// quantityRuleBody is a quantity rule as answers show it: a line orders
// at least min, at most max, in multiples of increment; 0 leaves a bound
// unset.
type quantityRuleBody struct {
	Min       int64 `json:"min"`
	Max       int64 `json:"max"`
	Increment int64 `json:"increment"`
}

// quantityRuleDTO is nil for no rule (every bound unset).
func quantityRuleDTO(r orders.QuantityRule) *quantityRuleBody {
	if r.Min == 0 && r.Max == 0 && r.Increment == 0 {
		return nil
	}
	return &quantityRuleBody{Min: r.Min, Max: r.Max, Increment: r.Increment}
}

func productID(p orders.Product) int { return p.ID }

// orderBody is an order as create and confirm answer it, with items of
// the placedItem shape; reads, lists, cancel, approve, reject and payments
// answer orders.View.
type orderBody[I any] struct {
	ID         int       `json:"id"`
	CustomerID int       `json:"customer_id"`
	Status     string    `json:"status"`
	TotalCents int64     `json:"total_cents"`
	CreatedAt  timestamp `json:"created_at"`
	Items      []I       `json:"items"`
	// As orders.View has them: absent on an order without.
	LocationID   *int                   `json:"location_id,omitempty"`
	ShipTo       *accounts.Address      `json:"ship_to,omitempty"`
	PlacedBy     *services.Actor        `json:"placed_by,omitempty"`
	PONumber     *string                `json:"po_number,omitempty"`
	PaymentTerms *services.PaymentTerms `json:"payment_terms,omitempty"`
	DueAt        *timestamp             `json:"due_at,omitempty"`
	PaidAt       *timestamp             `json:"paid_at,omitempty"`
	Approval     *orders.ApprovalView   `json:"approval,omitempty"`
}

// placedItem is the item shape of create and confirm.
type placedItem struct {
	ProductID      int    `json:"product_id"`
	Qty            int64  `json:"qty"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	SubtotalCents  int64  `json:"subtotal_cents"`
	Name           string `json:"name"`
	// As orders.ViewItem has them: the list and break that gave the
	// price, absent for the product's own price.
	PriceListID *int   `json:"price_list_id,omitempty"`
	PriceMinQty *int64 `json:"price_min_qty,omitempty"`
}

func placedItemDTO(it orders.Item) placedItem {
	return placedItem{ProductID: it.ProductID, Qty: it.Qty, UnitPriceCents: it.UnitPriceCents, SubtotalCents: it.SubtotalCents, Name: it.ProductName,
		PriceListID: it.PriceListID, PriceMinQty: it.PriceMinQty}
}

// orderDTO shows paid_at and approval as orders.View does (its Approval
// is the one rule for that part), absent on orders without.
func orderDTO[I any](o orders.Order, item func(orders.Item) I) orderBody[I] {
	return orderBody[I]{ID: o.ID, CustomerID: o.CustomerID, Status: string(o.Status), TotalCents: o.TotalCents,
		CreatedAt: timestamp(o.CreatedAt), Items: services.Map(o.Items, item),
		LocationID: o.LocationID, ShipTo: o.ShipTo, PlacedBy: o.PlacedBy, PONumber: o.PONumber, PaymentTerms: o.PaymentTerms,
		DueAt: optTime(o.DueAt()), PaidAt: optTime(o.PaidAt), Approval: o.View().Approval}
}

func placedOrderDTO(o orders.Order) orderBody[placedItem] { return orderDTO(o, placedItemDTO) }

// storedOrderDTO is the shape of read, list, cancel, approve, reject and
// payments: the service's View, which the order events carry too.
func storedOrderDTO(o orders.Order) orders.View { return o.View() }

func orderID(o orders.Order) int { return o.ID }
