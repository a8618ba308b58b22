package customersgraph

import (
	"net/http"

	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/graph/server"
	customersvc "github.com/b2b-orders/platform/services/customers"
)

// NewHandler returns the customers subgraph's HTTP handler over svc; opts'
// Services.Customers is set to svc.
func NewHandler(svc *customersvc.Service, opts server.Options) http.Handler {
	opts.Services.Customers = svc
	opts.EntityKeyError = ErrTypeNotFound
	return server.New(server.Executable(NewExecutableSchema, Config{Resolvers: &Resolver{Service: svc}, Complexity: Complexity()}), opts)
}

// Complexity counts lists by the size they will have, so that the
// complexity limit sees what a nested query really costs.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Customers = func(child int, first *int, _, _ *string) int { return 1 + child*model.PageSize(first) }
	c.Query.__resolve_entities = func(child int, reps []map[string]any) int { return 1 + child*max(len(reps), 1) }
	return c
}
