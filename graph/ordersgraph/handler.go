package ordersgraph

import (
	"net/http"
	"time"

	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/graph/server"
	orderssvc "github.com/b2b-orders/platform/services/orders"
)

// NewHandler returns the orders subgraph's HTTP handler over svc; opts'
// Services.Orders is set to svc.
func NewHandler(svc *orderssvc.Service, opts server.Options) http.Handler {
	opts.Services.Orders = svc
	opts.EntityKeyError = ErrTypeNotFound
	return server.New(server.Executable(NewExecutableSchema, Config{Resolvers: &Resolver{Service: svc, Events: opts.Events, Webhooks: opts.Webhooks}, Complexity: Complexity()}), opts)
}

// Complexity counts lists by the size they will have, so that the
// complexity limit sees what a nested query really costs.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Products = func(child int, first *int, _, _ *string) int { return 1 + child*model.PageSize(first) }
	c.Query.Orders = func(child int, first *int, _ *string, _ *model.OrderStatus, _, _ *time.Time, _ *int) int {
		return 1 + child*model.PageSize(first)
	}
	c.Customer.Orders = func(child int, first *int, _ *string) int { return 1 + child*model.PageSize(first) }
	c.Order.Items = func(child int) int { return 1 + child*model.ItemsPerOrder }
	c.Query.WebhookEndpoints = func(child int, first *int, _ *string) int { return 1 + child*model.PageSize(first) }
	c.Query.WebhookDeliveries = func(child int, _ int, first *int, _ *string) int { return 1 + child*model.PageSize(first) }
	c.Query.__resolve_entities = func(child int, reps []map[string]any) int { return 1 + child*max(len(reps), 1) }
	return c
}
