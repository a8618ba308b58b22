package graph

import (
	"time"

	"github.com/b2b-orders/platform/graph/model"
)

// Complexity counts lists by the size they will have, as the subgraphs do.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	page := func(child int, first *int) int { return 1 + child*model.PageSize(first) }
	c.Query.Customers = func(child int, first *int, _, _ *string) int { return page(child, first) }
	c.Query.Products = func(child int, first *int, _, _ *string) int { return page(child, first) }
	c.Query.Orders = func(child int, first *int, _ *string, _ *model.OrderStatus, _, _ *time.Time, _ *int) int {
		return page(child, first)
	}
	c.Customer.Orders = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Order.Items = func(child int) int { return 1 + child*model.ItemsPerOrder }
	c.Query.WebhookEndpoints = func(child int, first *int, _ *string) int { return page(child, first) }
	c.Query.WebhookDeliveries = func(child int, _ int, first *int, _ *string) int { return page(child, first) }
	c.Query.__resolve_entities = func(child int, reps []map[string]any) int { return 1 + child*max(len(reps), 1) }
	return c
}
