package customersgraph

import (
	"context"

	"github.com/b2b-orders/platform/graph/model"
	customersvc "github.com/b2b-orders/platform/services/customers"
)

// listParams decodes the arguments of Query.customers.
// Errors: Invalid for first below 1 or a cursor that is not a customer's.
func listParams(first *int, after, search *string) (customersvc.ListParams, error) {
	n, err := model.First(first)
	if err != nil {
		return customersvc.ListParams{}, err
	}
	a, err := model.After(model.CursorCustomer, after)
	if err != nil {
		return customersvc.ListParams{}, err
	}
	p := customersvc.ListParams{After: a, Limit: n}
	if search != nil {
		p.Search = *search
	}
	return p, nil
}

// FindCustomers resolves _entities representations of Customer with one
// batch read, in the representations' order; a customer that does not
// exist, or that the principal may not see, is null, and a representation
// whose id is not an id gets its own error.
// Errors: those of customers.Service.GetCustomers.
func FindCustomers(ctx context.Context, svc *customersvc.Service, reps []*model.CustomerByIDsInput) ([]*model.Customer, error) {
	read := func(ids []int) ([]customersvc.Customer, error) { return svc.GetCustomers(ctx, ids) }
	return model.Entities(model.Keys(reps), read, model.FromCustomer, func(c *model.Customer) int { return c.ID })
}
