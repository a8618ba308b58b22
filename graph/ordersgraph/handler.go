package ordersgraph

import (
	"net/http"
	"time"

	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/graph/server"
	orderssvc "github.com/b2b-orders/platform/services/orders"
)

// NewHandler returns the orders subgraph's HTTP handler over svc and
// opts' Services.Accounts (Member entities answer Unavailable without
// it); opts' Services.Orders is set to svc.
func NewHandler(svc *orderssvc.Service, opts server.Options) http.Handler {
	opts.Services.Orders = svc
	opts.EntityKeyError = ErrTypeNotFound
	r := &Resolver{Service: svc, Events: opts.Events, Webhooks: opts.Webhooks, Accounts: opts.Services.Accounts}
	return server.New(server.Executable(NewExecutableSchema, Config{Resolvers: r, Complexity: Complexity()}), opts)
}

// Complexity counts lists by the size they will have, from
// model.ListCosts, so that the complexity limit sees what a nested query
// really costs, as the combined graph does.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	priceLists, prices := model.Cost("Query.priceLists", model.ListFixed), model.Cost("Query.prices", model.ListFixed)
	entries, listRules := model.Cost("PriceList.entries", model.ListFixed), model.Cost("PriceList.rules", model.ListFixed)
	breaks := model.Cost("ProductPrice.breaks", model.ListFixed)
	products, orders := model.Cost("Query.products", model.ListPaged), model.Cost("Query.orders", model.ListPaged)
	customerOrders, memberOrders := model.Cost("Customer.orders", model.ListPaged), model.Cost("Member.orders", model.ListPaged)
	endpoints := model.Cost("Query.webhookEndpoints", model.ListPaged)
	deliveries := model.Cost("Query.webhookDeliveries", model.ListPaged)
	items, decisions := model.Cost("Order.items", model.ListFixed), model.Cost("Order.decisions", model.ListFixed)
	entities := model.Cost("Query._entities", model.ListRepresentations)

	c.Query.Products = func(child int, first *int, _, _ *string) int { return products.Of(child, first, 0) }
	c.Query.Orders = func(child int, first *int, _ *string, _ *model.OrderStatus, _, _ *time.Time, _ *int, _ *string, _ *int, _ *string) int {
		return orders.Of(child, first, 0)
	}
	c.Customer.Orders = func(child int, first *int, _ *string) int { return customerOrders.Of(child, first, 0) }
	c.Member.Orders = func(child int, first *int, _ *string) int { return memberOrders.Of(child, first, 0) }
	c.Order.Items = func(child int) int { return items.Of(child, nil, 0) }
	c.Order.Decisions = func(child int) int { return decisions.Of(child, nil, 0) }
	c.Query.PriceLists = func(child int) int { return priceLists.Of(child, nil, 0) }
	c.PriceList.Entries = func(child int) int { return entries.Of(child, nil, 0) }
	c.PriceList.Rules = func(child int) int { return listRules.Of(child, nil, 0) }
	c.Query.Prices = func(child int, _ *int, _ []int) int { return prices.Of(child, nil, 0) }
	c.ProductPrice.Breaks = func(child int) int { return breaks.Of(child, nil, 0) }
	c.Query.WebhookEndpoints = func(child int, first *int, _ *string) int { return endpoints.Of(child, first, 0) }
	c.Query.WebhookDeliveries = func(child int, _ int, first *int, _ *string) int { return deliveries.Of(child, first, 0) }
	c.Query.__resolve_entities = func(child int, reps []map[string]any) int { return entities.Of(child, nil, len(reps)) }
	return c
}
