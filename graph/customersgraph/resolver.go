// Package customers is the customers subgraph: Customer and its queries and
// mutations, and the customer's account (members, locations, API keys,
// who the caller is), each resolver one call into the customers or the
// accounts service, or a loader. The combined graph (package graph)
// reuses these resolvers.
package customersgraph

import (
	"github.com/b2b-orders/platform/services/accounts"
	customersvc "github.com/b2b-orders/platform/services/customers"
)

// Resolver is the customers subgraph's root resolver.
type Resolver struct {
	Service *customersvc.Service
	// Accounts manages members, locations and API keys; nil answers
	// their fields Unavailable.
	Accounts *accounts.Service
}
