// Package orders is the orders subgraph: products, orders and their items,
// and Customer as a key-only entity extended with its orders. Each
// resolver is one call into the orders service or a loader; the combined
// graph (package graph) reuses these resolvers.
package ordersgraph

import (
	"github.com/b2b-orders/platform/internal/relay"
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
}
