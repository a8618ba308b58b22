package customersgraph

import (
	"net/http"

	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/graph/server"
	customersvc "github.com/b2b-orders/platform/services/customers"
)

// NewHandler returns the customers subgraph's HTTP handler over svc and
// opts' Services.Accounts (the account fields answer Unavailable without
// it); opts' Services.Customers is set to svc.
func NewHandler(svc *customersvc.Service, opts server.Options) http.Handler {
	opts.Services.Customers = svc
	opts.EntityKeyError = ErrTypeNotFound
	r := &Resolver{Service: svc, Accounts: opts.Services.Accounts}
	return server.New(server.Executable(NewExecutableSchema, Config{Resolvers: r, Complexity: Complexity()}), opts)
}

// Complexity counts lists by the size they will have, from
// model.ListCosts, so that the complexity limit sees what a nested query
// really costs, as the combined graph does.
func Complexity() ComplexityRoot {
	var c ComplexityRoot
	customers := model.Cost("Query.customers", model.ListPaged)
	entities := model.Cost("Query._entities", model.ListRepresentations)
	members, locations := model.Cost("Customer.members", model.ListPaged), model.Cost("Customer.locations", model.ListPaged)
	keys := model.Cost("Customer.apiKeys", model.ListPaged)
	memberLocations, keyLocations := model.Cost("Member.locations", model.ListFixed), model.Cost("ApiKey.locations", model.ListFixed)
	meLocations := model.Cost("Me.locations", model.ListFixed)
	limits, rules := model.Cost("Customer.spendingLimits", model.ListFixed), model.Cost("Customer.approvalRules", model.ListFixed)
	c.Query.Customers = func(child int, first *int, _, _ *string) int { return customers.Of(child, first, 0) }
	c.Query.__resolve_entities = func(child int, reps []map[string]any) int { return entities.Of(child, nil, len(reps)) }
	c.Customer.Members = func(child int, first *int, _ *string) int { return members.Of(child, first, 0) }
	c.Customer.Locations = func(child int, first *int, _ *string) int { return locations.Of(child, first, 0) }
	c.Customer.APIKeys = func(child int, first *int, _ *string) int { return keys.Of(child, first, 0) }
	c.Member.Locations = func(child int) int { return memberLocations.Of(child, nil, 0) }
	c.ApiKey.Locations = func(child int) int { return keyLocations.Of(child, nil, 0) }
	c.Me.Locations = func(child int) int { return meLocations.Of(child, nil, 0) }
	c.Customer.SpendingLimits = func(child int) int { return limits.Of(child, nil, 0) }
	c.Customer.ApprovalRules = func(child int) int { return rules.Of(child, nil, 0) }
	return c
}
