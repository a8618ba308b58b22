package app

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/graph/customersgraph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/ordersgraph"
	"github.com/b2b-orders/platform/graph/playground"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/lambda/orchestrator"
	"github.com/b2b-orders/platform/rest"
)

// Role is one of the processes the binary can run. `b2b serve` runs all of
// them in one process; `--roles` picks some, as docker-compose does.
type Role struct {
	Name string
	// Port is the role's default listen port.
	Port int
	// routes hangs everything the role serves on r but what Handler gives
	// every role: the common middleware, the probes, /metrics and the 404
	// answer. charge takes a GraphQL operation's extra root fields from
	// the caller's rate budget (nil: no rate limit).
	routes func(r chi.Router, a *App, charge chargeFunc)
}

// Roles is the role table, in start order: everything each role serves.
func Roles() []Role {
	return []Role{
		// /api/v1/customers…, the internal customer route, the customers subgraph.
		{Name: "customers", Port: 3001, routes: mountCustomers},
		// /api/v1/products… and /api/v1/orders…, the orders subgraph.
		{Name: "orders", Port: 3002, routes: mountOrders},
		// The Lambda's local form.
		{Name: "orchestrator", Port: 3003, routes: mountOrchestrator},
		// The combined graph and GraphiQL.
		{Name: "graph", Port: 4000, routes: mountCombinedGraph},
	}
}

// chargeFunc takes cost more units from the caller's rate budget, and
// answers 429 itself when the budget is spent (web.RateLimiter.Charge).
type chargeFunc = func(w http.ResponseWriter, r *http.Request, cost int) bool

// RoleNames are the names of rs, in order.
func RoleNames(rs []Role) []string {
	names := make([]string, len(rs))
	for i, rl := range rs {
		names[i] = rl.Name
	}
	return names
}

// RolesNamed returns the roles of the table with these names, in the
// table's order.
// Errors: a name that is no role.
func RolesNamed(names ...string) ([]Role, error) {
	table := Roles()
	for _, n := range names {
		if !slices.ContainsFunc(table, func(rl Role) bool { return rl.Name == n }) {
			return nil, fmt.Errorf("unknown role %q (want %s)", n, strings.Join(RoleNames(table), ", "))
		}
	}
	return slices.DeleteFunc(table, func(rl Role) bool { return !slices.Contains(names, rl.Name) }), nil
}

// graphOptions are the options of every graph the process serves: each
// reads members and locations through the accounts service.
func (a *App) graphOptions(charge chargeFunc) server.Options {
	return server.Options{Logger: a.log, Introspection: a.cfg.Introspection, Charge: charge,
		Events: a.bus, Authenticate: a.auth.Authenticate, Recheck: a.auth.Recheck, Webhooks: a.services.Webhooks,
		Services: loaders.Services{Accounts: a.services.Accounts}}
}

func (a *App) restOptions() rest.Options {
	return rest.Options{Auth: a.auth, Log: a.log, CORSOrigins: a.cfg.CORSOrigins}
}

// mountCustomers hangs the customers role's /api/v1 routes and its
// federation subgraph, which a gateway composes with the orders role's.
func mountCustomers(r chi.Router, a *App, charge chargeFunc) {
	r.Mount(rest.Prefix, rest.NewCustomersAPI(a.services.Customers, a.services.Accounts, a.restOptions()))
	r.Handle("/graphql", customersgraph.NewHandler(a.services.Customers, a.graphOptions(charge)))
}

// mountOrders hangs the orders role's /api/v1 routes and its federation
// subgraph.
func mountOrders(r chi.Router, a *App, charge chargeFunc) {
	r.Mount(rest.Prefix, rest.NewOrdersAPI(a.services.Orders, a.services.Webhooks, a.restOptions()))
	r.Handle("/graphql", ordersgraph.NewHandler(a.services.Orders, a.graphOptions(charge)))
}

// mountCombinedGraph hangs the combined graph and GraphiQL.
func mountCombinedGraph(r chi.Router, a *App, charge chargeFunc) {
	opts := a.graphOptions(charge)
	opts.Services = loaders.Services{Customers: a.services.Customers, Orders: a.services.Orders, Accounts: a.services.Accounts}
	r.Handle("/graphql", graph.NewHandler(opts))
	r.Get("/", playground.Page("B2B orders", "/graphql").ServeHTTP)
	r.Get(playground.AssetsPath+"*", playground.Assets().ServeHTTP)
}

// mountOrchestrator hangs the Lambda's local form on the orchestrator
// role: the same handler code that runs on AWS.
func mountOrchestrator(r chi.Router, a *App, _ chargeFunc) {
	h := &orchestrator.Handler{
		Graph: &orchestrator.GraphClient{
			URL:          a.graphURL,
			ServiceToken: a.cfg.ServiceToken,
			HTTP:         &http.Client{Timeout: a.cfg.GraphTimeout},
		},
		Logger: a.log,
	}
	h.Register(r)
}
