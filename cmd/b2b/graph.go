package main

import (
	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/graph/customersgraph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/ordersgraph"
	"github.com/b2b-orders/platform/graph/playground"
	"github.com/b2b-orders/platform/graph/server"
)

// graphOptions are the options of every graph the process serves.
func (a *app) graphOptions() server.Options {
	return server.Options{Logger: a.log, Introspection: a.cfg.Introspection, Charge: a.charge,
		Events: a.bus, Authenticate: a.auth.Authenticate, Recheck: a.auth.Recheck, Webhooks: a.hooks}
}

// mountCustomers hangs the customers role's REST routes and its federation
// subgraph, which a gateway composes with the orders role's.
func mountCustomers(r chi.Router, a *app) {
	mountCustomersREST(r, a)
	r.Handle("/graphql", customersgraph.NewHandler(a.customers, a.graphOptions()))
}

// mountOrders hangs the orders role's REST routes and its federation subgraph.
func mountOrders(r chi.Router, a *app) {
	mountOrdersREST(r, a)
	r.Handle("/graphql", ordersgraph.NewHandler(a.orders, a.graphOptions()))
}

// mountCombinedGraph hangs the combined graph and GraphiQL.
func mountCombinedGraph(r chi.Router, a *app) {
	opts := a.graphOptions()
	opts.Services = loaders.Services{Customers: a.customers, Orders: a.orders}
	r.Handle("/graphql", graph.NewHandler(opts))
	r.Get("/", playground.Page("B2B orders", "/graphql").ServeHTTP)
	r.Get(playground.AssetsPath+"*", playground.Assets().ServeHTTP)
}
