package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/graph"
	customersgraph "github.com/b2b-orders/platform/graph/customers"
	"github.com/b2b-orders/platform/graph/loaders"
	ordersgraph "github.com/b2b-orders/platform/graph/orders"
	"github.com/b2b-orders/platform/graph/playground"
	"github.com/b2b-orders/platform/graph/server"
)

// mountGraph hangs the GraphQL side of a role on r: the combined graph and
// GraphiQL on the graph role, each domain's federation subgraph at
// /graphql on its own role (so that a gateway can compose them when the
// roles run apart). charge, when set, takes an operation's extra root
// fields from the caller's rate budget.
func (a *app) mountGraph(roleName string, r chi.Router, charge func(http.ResponseWriter, *http.Request, int) bool) {
	opts := server.Options{Logger: a.log, Introspection: a.cfg.Introspection, Charge: charge}
	switch roleName {
	case "customers":
		r.Handle("/graphql", customersgraph.NewHandler(a.customers, opts))
	case "orders":
		r.Handle("/graphql", ordersgraph.NewHandler(a.orders, opts))
	case "graph":
		opts.Services = loaders.Services{Customers: a.customers, Orders: a.orders}
		r.Handle("/graphql", graph.NewHandler(opts))
		r.Get("/", playground.Page("B2B orders", "/graphql").ServeHTTP)
		r.Get(playground.AssetsPath+"*", playground.Assets().ServeHTTP)
	}
}
