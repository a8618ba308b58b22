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

// Complexity counts lists by the size they will have, from
// model.ListCosts, so that the complexity limit sees what a nested query
// really costs, as the combined graph does.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	customers := model.Cost("Query.customers", model.ListPaged)
	entities := model.Cost("Query._entities", model.ListRepresentations)
	c.Query.Customers = func(child int, first *int, _, _ *string) int { return customers.Of(child, first, 0) }
	c.Query.__resolve_entities = func(child int, reps []map[string]any) int { return entities.Of(child, nil, len(reps)) }
	return c
}
