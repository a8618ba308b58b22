package main

import (
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/internal/directory"
	"github.com/b2b-orders/platform/rest"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// mountCustomersREST and mountOrdersREST hang the original's /api/v1
// routes on the customers and orders roles.
func mountCustomersREST(r chi.Router, a *app) {
	r.Mount(rest.Prefix, rest.NewCustomersAPI(a.customers, a.restOptions()))
}

func mountOrdersREST(r chi.Router, a *app) {
	r.Mount(rest.Prefix, rest.NewOrdersAPI(a.orders, a.hooks, a.restOptions()))
}

func (a *app) restOptions() rest.Options {
	return rest.Options{Auth: a.auth, Log: a.log, CORSOrigins: a.cfg.CORSOrigins}
}

// customerDirectory is how the orders service learns whether a customer
// exists: the customers service itself when this process serves customers
// already (the customers role, or the combined graph, which reads
// customers itself), and otherwise the customers role's internal route at
// CUSTOMERS_API_BASE with the service token, as the original's orders API
// did.
func customerDirectory(cfg Config, running []role, local *customers.Service) orders.CustomerDirectory {
	if slices.ContainsFunc(running, func(rl role) bool { return rl.name == "customers" || rl.name == "graph" }) {
		return local
	}
	return &directory.Client{Base: cfg.CustomersAPIBase, ServiceToken: cfg.ServiceToken}
}

// servesCustomerData reports whether a process with these roles answers
// with a customer's data, and so must refuse the token of a deleted
// customer itself. An orchestrator alone does not: it passes the caller's
// token on to the graph, which checks it.
func servesCustomerData(running []role) bool {
	return slices.ContainsFunc(running, func(rl role) bool { return rl.name != "orchestrator" })
}
