// Package orders is the orders subgraph: products, orders and their items,
// price lists and prices, Customer and Member as key-only entities
// extended with their orders, and Location as a key-only reference. Each
// resolver is one call into the orders service or a loader; the combined
// graph (package graph) reuses these resolvers.
package ordersgraph

import (
	"github.com/b2b-orders/platform/internal/relay"
	"github.com/b2b-orders/platform/services/accounts"
	orderssvc "github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

// Resolver is the orders subgraph's root resolver.
type Resolver struct {
	Service *orderssvc.Service
	// Events feeds the orderEvents subscription; nil answers it
	// Unavailable.
	Events *relay.Bus
	// Webhooks manages webhook endpoints; nil answers their fields
	// Unavailable.
	Webhooks *webhooks.Service
	// Accounts decides which members the caller may see, for the Member
	// entities; nil answers them Unavailable.
	Accounts *accounts.Service
}
