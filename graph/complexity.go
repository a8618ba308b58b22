package graph

import (
	"time"

	"github.com/b2b-orders/platform/graph/model"
)

// Complexity counts lists by the size they will have, from
// model.ListCosts, as the subgraphs do.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	priceLists, prices := model.Cost("Query.priceLists", model.ListFixed), model.Cost("Query.prices", model.ListFixed)
	entries, listRules := model.Cost("PriceList.entries", model.ListFixed), model.Cost("PriceList.rules", model.ListFixed)
	breaks := model.Cost("ProductPrice.breaks", model.ListFixed)
	customers, products := model.Cost("Query.customers", model.ListPaged), model.Cost("Query.products", model.ListPaged)
	orders, customerOrders := model.Cost("Query.orders", model.ListPaged), model.Cost("Customer.orders", model.ListPaged)
	endpoints := model.Cost("Query.webhookEndpoints", model.ListPaged)
	deliveries := model.Cost("Query.webhookDeliveries", model.ListPaged)
	items := model.Cost("Order.items", model.ListFixed)
	entities := model.Cost("Query._entities", model.ListRepresentations)
	members, locations := model.Cost("Customer.members", model.ListPaged), model.Cost("Customer.locations", model.ListPaged)
	keys, memberOrders := model.Cost("Customer.apiKeys", model.ListPaged), model.Cost("Member.orders", model.ListPaged)
	memberLocations, keyLocations := model.Cost("Member.locations", model.ListFixed), model.Cost("ApiKey.locations", model.ListFixed)
	meLocations := model.Cost("Me.locations", model.ListFixed)
	decisions := model.Cost("Order.decisions", model.ListFixed)
	limits, rules := model.Cost("Customer.spendingLimits", model.ListFixed), model.Cost("Customer.approvalRules", model.ListFixed)

	c.Query.Customers = func(child int, first *int, _, _ *string) int { return customers.Of(child, first, 0) }
	c.Query.Products = func(child int, first *int, _, _ *string) int { return products.Of(child, first, 0) }
	c.Query.Orders = func(child int, first *int, _ *string, _ *model.OrderStatus, _, _ *time.Time, _ *int, _ *string, _ *int, _ *string) int {
		return orders.Of(child, first, 0)
	}
	c.Customer.Orders = func(child int, first *int, _ *string) int { return customerOrders.Of(child, first, 0) }
	c.Order.Items = func(child int) int { return items.Of(child, nil, 0) }
	c.Query.WebhookEndpoints = func(child int, first *int, _ *string) int { return endpoints.Of(child, first, 0) }
	c.Query.WebhookDeliveries = func(child int, _ int, first *int, _ *string) int { return deliveries.Of(child, first, 0) }
	c.Query.__resolve_entities = func(child int, reps []map[string]any) int { return entities.Of(child, nil, len(reps)) }
	c.Customer.Members = func(child int, first *int, _ *string) int { return members.Of(child, first, 0) }
	c.Customer.Locations = func(child int, first *int, _ *string) int { return locations.Of(child, first, 0) }
	c.Customer.APIKeys = func(child int, first *int, _ *string) int { return keys.Of(child, first, 0) }
	c.Member.Orders = func(child int, first *int, _ *string) int { return memberOrders.Of(child, first, 0) }
	c.Member.Locations = func(child int) int { return memberLocations.Of(child, nil, 0) }
	c.ApiKey.Locations = func(child int) int { return keyLocations.Of(child, nil, 0) }
	c.Me.Locations = func(child int) int { return meLocations.Of(child, nil, 0) }
	c.Order.Decisions = func(child int) int { return decisions.Of(child, nil, 0) }
	c.Query.PriceLists = func(child int) int { return priceLists.Of(child, nil, 0) }
	c.PriceList.Entries = func(child int) int { return entries.Of(child, nil, 0) }
	c.PriceList.Rules = func(child int) int { return listRules.Of(child, nil, 0) }
	c.Query.Prices = func(child int, _ *int, _ []int) int { return prices.Of(child, nil, 0) }
	c.ProductPrice.Breaks = func(child int) int { return breaks.Of(child, nil, 0) }
	c.Customer.SpendingLimits = func(child int) int { return limits.Of(child, nil, 0) }
	c.Customer.ApprovalRules = func(child int) int { return rules.Of(child, nil, 0) }
	return c
}
