// Package model holds the graph's Go types. They are written by hand and
// bound by all three gqlgen configs (the two subgraphs and the combined
// graph), so that the combined graph can reuse the subgraphs' resolvers:
// every config sees the same Go types.
package model

import (
	"time"

	"github.com/b2b-orders/platform/services/customers"
)

// Customer is a live customer. In the orders subgraph only ID is set: there
// Customer is a key-only entity, and the customers subgraph (or, in the
// combined graph, the customer loader) resolves the rest.
type Customer customers.Customer

// IsEntity marks a federation entity for gqlgen's _Entity union.
func (Customer) IsEntity() {}

// Product is a catalogue entry.
type Product struct {
	ID         int
	Sku        string
	Name       string
	PriceCents int64
	Stock      int64
	CreatedAt  time.Time
	// QuantityRule is the product's own; nil when it has none.
	QuantityRule *QuantityRule
}

// IsEntity marks a federation entity for gqlgen's _Entity union.
func (Product) IsEntity() {}

// Order is an order. Its customer and items are resolved through loaders,
// unless the service already returned the items with the order.
type Order struct {
	ID         int
	CustomerID int
	Status     OrderStatus
	TotalCents int64
	// Currency is the order's own; empty on orders placed before
	// currencies, which Order.currency answers with the store's.
	Currency    string
	CreatedAt   time.Time
	ConfirmedAt *time.Time
	CanceledAt  *time.Time
	// Lines are the order's items when the service read them with the
	// order; nil otherwise (every stored order has at least one item).
	Lines []*OrderItem
	// LocationID is the location the order ships to (resolved through a
	// loader, or as a key-only Location in the orders subgraph), ShipTo
	// its address as placed.
	LocationID *int
	ShipTo     *Address
	// PlacedBy, ConfirmedBy and CanceledBy say who did each; nil when
	// unknown.
	PlacedBy, ConfirmedBy, CanceledBy *Actor
	// PONumber is the buyer's purchase-order number, PaymentTerms the
	// customer's terms when the order was placed, DueAt when a confirmed
	// order with terms is due.
	PONumber     *string
	PaymentTerms *string
	DueAt        *time.Time
	// PaidAt and PaidBy: the payment staff recorded; nil while unpaid.
	PaidAt *time.Time
	PaidBy *Actor
	// Approval is the approval the order asked for; nil when it needed
	// none. Its decisions are resolved through a loader.
	Approval *OrderApproval
	// FromEvent marks an order as an event carried it: its decisions are
	// read afresh for each event (a subscription's loaders live as long as
	// it does), and only those taken by the event are kept.
	FromEvent bool
}

// IsEntity marks a federation entity for gqlgen's _Entity union.
func (Order) IsEntity() {}

// OrderItem is one line of an order; its product is resolved through a
// loader.
type OrderItem struct {
	ID             int
	ProductID      int
	Quantity       int64
	UnitPriceCents int64
	SubtotalCents  int64
	// ProductSKU and ProductName come with the item from the services
	// (empty when unknown), so that a selection of only those product
	// fields needs no product read.
	ProductSKU  string
	ProductName string
	// PriceListID and PriceMinQuantity say which list's break gave the
	// unit price; nil for the product's own price.
	PriceListID      *int
	PriceMinQuantity *int64
}

// PageInfo says where a page sits in its list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// CustomerConnection is a page of customers.
type CustomerConnection struct {
	Edges    []*CustomerEdge
	PageInfo *PageInfo
}

// CustomerEdge is one customer of a page.
type CustomerEdge struct {
	Cursor string
	Node   *Customer
}

// ProductConnection is a page of products.
type ProductConnection struct {
	Edges    []*ProductEdge
	PageInfo *PageInfo
}

// ProductEdge is one product of a page.
type ProductEdge struct {
	Cursor string
	Node   *Product
}

// OrderConnection is a page of orders.
type OrderConnection struct {
	Edges    []*OrderEdge
	PageInfo *PageInfo
}

// OrderEdge is one order of a page.
type OrderEdge struct {
	Cursor string
	Node   *Order
}

// CreateCustomerInput is the argument of createCustomer.
type CreateCustomerInput struct {
	Name  string
	Email string
	Phone *string
}

// UpdateCustomerInput is the argument of updateCustomer.
type UpdateCustomerInput struct {
	Name  *string
	Email *string
	Phone *string
}

// CustomerSettings are a customer's rules for its orders.
type CustomerSettings struct {
	PONumberRequired bool
	PONumberUnique   bool
	PaymentTerms     *string
	TimeZone         string
	CreditLimitCents *int64
}

// CustomerSettingsInput is the argument of customerSettingsUpdate.
type CustomerSettingsInput struct {
	PONumberRequired *bool
	PONumberUnique   *bool
	PaymentTerms     *string
	TimeZone         *string
	CreditLimitCents *int64
	ClearCreditLimit *bool
}

// CreateProductInput is the argument of createProduct.
type CreateProductInput struct {
	Sku        string
	Name       string
	PriceCents int64
	Stock      *int64
}

// UpdateProductInput is the argument of updateProduct.
type UpdateProductInput struct {
	Sku          *string
	Name         *string
	PriceCents   *int64
	Stock        *int64
	QuantityRule *QuantityRuleInput
}

// OrderLineInput asks for a quantity of one product.
type OrderLineInput struct {
	ProductID int
	Quantity  int64
}

// CreateOrderInput is the argument of createOrder.
type CreateOrderInput struct {
	CustomerID     int
	Items          []*OrderLineInput
	LocationID     *int
	PONumber       *string
	IdempotencyKey *string
}

// CreateAndConfirmOrderInput is the argument of createAndConfirmOrder.
type CreateAndConfirmOrderInput struct {
	CustomerID     int
	Items          []*OrderLineInput
	LocationID     *int
	PONumber       *string
	IdempotencyKey string
	CorrelationID  *string
}

// CustomerByIDsInput, ProductByIDsInput and OrderByIDsInput are the
// federation representations the _entities resolvers receive. They are
// bound here, not generated per config, so that the subgraphs and the
// combined graph share one entity resolver signature.
type (
	CustomerByIDsInput struct{ ID EntityKey }
	ProductByIDsInput  struct{ ID EntityKey }
	OrderByIDsInput    struct{ ID EntityKey }
)

// The keys of representations.
func (r *CustomerByIDsInput) Key() EntityKey { return r.ID }
func (r *ProductByIDsInput) Key() EntityKey  { return r.ID }
func (r *OrderByIDsInput) Key() EntityKey    { return r.ID }

// Keys returns the keys of reps.
func Keys[R interface{ Key() EntityKey }](reps []R) []EntityKey {
	out := make([]EntityKey, len(reps))
	for i, r := range reps {
		out[i] = r.Key()
	}
	return out
}

// OrderEvent is an order event as the graph shows it, built from the
// event's JSON (orders.EventBody).
type OrderEvent struct {
	EventID    string
	Type       string
	Seq        int
	OccurredAt time.Time
	Order      *Order
	// Actor is who made the change; nil for an event written before
	// events carried it.
	Actor *Actor
}
