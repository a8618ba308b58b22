package customers

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
// exist, or that the principal may not see, is null.
// Errors: those of customers.Service.GetMany.
func FindCustomers(ctx context.Context, svc *customersvc.Service, reps []*model.CustomerByIDsInput) ([]*model.Customer, error) {
	ids := make([]int, len(reps))
	for i, r := range reps {
		ids[i] = r.ID
	}
	rows, err := svc.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*model.Customer, len(rows))
	for _, c := range rows {
		byID[c.ID] = model.FromCustomer(c)
	}
	out := make([]*model.Customer, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}
