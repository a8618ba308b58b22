package model

import (
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// FromCustomer converts a service customer.
func FromCustomer(c customers.Customer) *Customer {
	cc := Customer(c)
	return &cc
}

// FromProduct converts a service product.
func FromProduct(p orders.Product) *Product {
	return &Product{ID: p.ID, Sku: p.SKU, Name: p.Name, PriceCents: p.PriceCents, Stock: p.Stock, CreatedAt: p.CreatedAt,
		QuantityRule: RuleOf(p.Rule)}
}

// FromOrder converts a service order, keeping its items when it has any.
func FromOrder(o orders.Order) *Order {
	out := &Order{
		ID:          o.ID,
		CustomerID:  o.CustomerID,
		Status:      OrderStatus(o.Status),
		TotalCents:  o.TotalCents,
		Currency:    o.Currency,
		CreatedAt:   o.CreatedAt,
		ConfirmedAt: o.ConfirmedAt,
		CanceledAt:  o.CanceledAt,
	}
	if len(o.Items) > 0 {
		out.Lines = FromItems(o.Items)
	}
	if o.ShipTo != nil {
		a := Address(*o.ShipTo)
		out.ShipTo = &a
	}
	out.LocationID = o.LocationID
	out.PlacedBy, out.ConfirmedBy, out.CanceledBy = ActorOf(o.PlacedBy), ActorOf(o.ConfirmedBy), ActorOf(o.CanceledBy)
	out.PONumber, out.PaymentTerms, out.DueAt = o.PONumber, termsString(o.PaymentTerms), o.DueAt()
	out.PaidAt, out.PaidBy, out.Approval = o.PaidAt, ActorOf(o.PaidBy), approvalOf(o)
	return out
}

// termsString is t as the graph's String; nil for none.
func termsString(t *services.PaymentTerms) *string {
	if t == nil {
		return nil
	}
	s := string(*t)
	return &s
}

// FromSettings converts a customer's service settings.
func FromSettings(s customers.Settings) *CustomerSettings {
	return &CustomerSettings{PONumberRequired: s.PONumberRequired, PONumberUnique: s.PONumberUnique, PaymentTerms: termsString(s.PaymentTerms),
		TimeZone: s.TimeZone, CreditLimitCents: s.CreditLimitCents}
}

// FromItems converts an order's service items.
func FromItems(items []orders.Item) []*OrderItem {
	return services.Map(items, func(it orders.Item) *OrderItem {
		return &OrderItem{ID: it.ID, ProductID: it.ProductID, Quantity: it.Qty, UnitPriceCents: it.UnitPriceCents, SubtotalCents: it.SubtotalCents,
			ProductSKU: it.ProductSKU, ProductName: it.ProductName, PriceListID: it.PriceListID, PriceMinQuantity: it.PriceMinQty}
	})
}

// CustomerConnectionOf builds a connection from a page of customers.
func CustomerConnectionOf(p services.Page[customers.Customer]) *CustomerConnection {
	edges, info := Connection(CursorCustomer, p.Items, p.HasMore,
		func(c customers.Customer) int { return c.ID },
		func(cur string, c customers.Customer) *CustomerEdge {
			return &CustomerEdge{Cursor: cur, Node: FromCustomer(c)}
		})
	return &CustomerConnection{Edges: edges, PageInfo: info}
}

// ProductConnectionOf builds a connection from a page of products.
func ProductConnectionOf(p services.Page[orders.Product]) *ProductConnection {
	edges, info := Connection(CursorProduct, p.Items, p.HasMore,
		func(pr orders.Product) int { return pr.ID },
		func(cur string, pr orders.Product) *ProductEdge {
			return &ProductEdge{Cursor: cur, Node: FromProduct(pr)}
		})
	return &ProductConnection{Edges: edges, PageInfo: info}
}

// OrderConnectionOf builds a connection from a page of orders.
func OrderConnectionOf(p services.Page[orders.Order]) *OrderConnection {
	edges, info := Connection(CursorOrder, p.Items, p.HasMore,
		func(o orders.Order) int { return o.ID },
		func(cur string, o orders.Order) *OrderEdge { return &OrderEdge{Cursor: cur, Node: FromOrder(o)} })
	return &OrderConnection{Edges: edges, PageInfo: info}
}

// Lines converts order lines for the orders service.
func Lines(in []*OrderLineInput) []orders.Line {
	return services.Map(in, func(l *OrderLineInput) orders.Line {
		return orders.Line{ProductID: l.ProductID, Qty: l.Quantity}
	})
}
