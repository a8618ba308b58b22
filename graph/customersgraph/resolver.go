// Package customers is the customers subgraph: Customer and its queries and
// mutations, each resolver one call into the customers service. The
// combined graph (package graph) reuses these resolvers.
package customersgraph

import (
	customersvc "github.com/b2b-orders/platform/services/customers"
)

// Resolver is the customers subgraph's root resolver.
type Resolver struct {
	Service *customersvc.Service
}
