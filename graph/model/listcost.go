package model

import (
	"fmt"
	"maps"

	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// ListKind says how a list field counts in the complexity limit.
type ListKind string

// The kinds of ListCost.
const (
	// ListPaged is a connection: 1 plus its selection times the page its
	// `first` asks for (PageSize).
	ListPaged ListKind = "paged"
	// ListFixed is a list no argument bounds: 1 plus its selection times
	// an estimate of its length (ListCost.Items).
	ListFixed ListKind = "fixed"
	// ListRepresentations is _entities: 1 plus its selection times the
	// number of representations asked for.
	ListRepresentations ListKind = "representations"
	// ListOnce is counted as one element, like any other field: 1 plus
	// its selection. ListCost.Why says why that is right.
	ListOnce ListKind = "once"
)

// ListCost is how one field that returns a list, or a page of one, counts
// in the complexity limit.
type ListCost struct {
	Kind ListKind
	// Items is a ListFixed list's estimated length.
	Items int
	// Why a ListOnce field is exempt from being multiplied.
	Why string
}

// Multiplier is what the field's selection is multiplied by: first is
// the field's `first` argument, representations the length of its
// `representations` argument (each used by its kind only).
func (l ListCost) Multiplier(first *int, representations int) int {
	switch l.Kind {
	case ListPaged:
		return PageSize(first)
	case ListFixed:
		return l.Items
	case ListRepresentations:
		return max(representations, 1)
	}
	return 1
}

// The edges of a connection are its page, which the field that returns
// the connection has already multiplied by.
const edgesWhy = "a connection's page: the field returning the connection is paged"

// A list of roles is of enum values: leaves, like eventTypes' strings.
const rolesWhy = "a list of enum values: a leaf's selection costs nothing, so no multiplier would change its cost"

// listCosts is the one table of what the graph's lists count for in the
// complexity limit, by field coordinate: the Complexity of the combined
// graph and of both subgraphs read it, and deploy/limits.mjs has it
// generated for the gateways (graph/internal/limitsgen). Every field of the combined schema that
// returns a list or a …Connection has an entry, exempt ones included
// with their reason; graph/limits_test.go walks the schema to keep it so.
// Introspection's own types are not here: graph/server costs an
// introspection answer by its real size.
var listCosts = map[string]ListCost{
	"Query.customers":         {Kind: ListPaged},
	"Query.products":          {Kind: ListPaged},
	"Query.orders":            {Kind: ListPaged},
	"Customer.orders":         {Kind: ListPaged},
	"Query.webhookEndpoints":  {Kind: ListPaged},
	"Query.webhookDeliveries": {Kind: ListPaged},
	"Order.items":             {Kind: ListFixed, Items: ItemsPerOrder},
	"Customer.members":        {Kind: ListPaged},
	"Customer.locations":      {Kind: ListPaged},
	"Customer.apiKeys":        {Kind: ListPaged},
	"Member.orders":           {Kind: ListPaged},
	"Member.locations":        {Kind: ListFixed, Items: LocationsPerLimit},
	"ApiKey.locations":        {Kind: ListFixed, Items: LocationsPerLimit},
	"Me.locations":            {Kind: ListFixed, Items: LocationsPerLimit},
	"Order.decisions":         {Kind: ListFixed, Items: DecisionsPerOrder},
	"Customer.spendingLimits": {Kind: ListFixed, Items: SpendingLimitsPerCustomer},
	"Customer.approvalRules":  {Kind: ListFixed, Items: customers.MaxApprovalRules},
	"Query.priceLists":        {Kind: ListFixed, Items: PriceListsPerStore},
	"PriceList.entries":       {Kind: ListFixed, Items: EntriesPerPriceList},
	"PriceList.rules":         {Kind: ListFixed, Items: RulesPerPriceList},
	// prices answers one price per product id, at most orders.MaxLines
	// (the service refuses more). It counts as that bound rather than as
	// the length of productIds: the gateways' counting (deploy/limits.mjs)
	// has no kind for an argument's length, and counting at the bound
	// never prices a query below what it reads.
	"Query.prices":        {Kind: ListFixed, Items: orders.MaxLines},
	"ProductPrice.breaks": {Kind: ListFixed, Items: BreaksPerPrice},
	// Only the subgraphs' gateways send it; a gateway's own schema has no
	// _entities.
	"Query._entities": {Kind: ListRepresentations},

	"CustomerConnection.edges":        {Kind: ListOnce, Why: edgesWhy},
	"ProductConnection.edges":         {Kind: ListOnce, Why: edgesWhy},
	"OrderConnection.edges":           {Kind: ListOnce, Why: edgesWhy},
	"WebhookEndpointConnection.edges": {Kind: ListOnce, Why: edgesWhy},
	"WebhookDeliveryConnection.edges": {Kind: ListOnce, Why: edgesWhy},
	"MemberConnection.edges":          {Kind: ListOnce, Why: edgesWhy},
	"LocationConnection.edges":        {Kind: ListOnce, Why: edgesWhy},
	"ApiKeyConnection.edges":          {Kind: ListOnce, Why: edgesWhy},
	"WebhookEndpoint.eventTypes": {Kind: ListOnce,
		Why: "a list of strings: a leaf's selection costs nothing, so no multiplier would change its cost"},
	"OrderApproval.levels": {Kind: ListOnce, Why: rolesWhy},
	"PriceList.customerIds": {Kind: ListOnce,
		Why: "a list of ids: a leaf's selection costs nothing, so no multiplier would change its cost"},
	"ApprovalRule.placedByRoles": {Kind: ListOnce, Why: rolesWhy},
	"ApprovalRule.approverRoles": {Kind: ListOnce, Why: rolesWhy},
	"WebhookDelivery.log": {Kind: ListOnce,
		Why: "about twenty attempts at most (services/webhooks.DefaultRetry), admin-only; counted once, as it always was, until pricing it is decided on its own"},
}

// ListCosts returns a copy of the table of what the graph's lists count
// for in the complexity limit, keyed by "Type.field".
func ListCosts() map[string]ListCost { return maps.Clone(listCosts) }

// Cost returns the table's entry for coord, which must be of kind: a
// Complexity function that disagrees with the table is a bug, found by
// any test that builds a graph.
func Cost(coord string, kind ListKind) ListCost {
	l, ok := listCosts[coord]
	if !ok || l.Kind != kind {
		panic(fmt.Sprintf("model: listCosts[%q] is %+v, not %s", coord, l, kind))
	}
	return l
}

// Of is the complexity of the field: 1 plus its selection's, child,
// times the Multiplier.
func (l ListCost) Of(child int, first *int, representations int) int {
	return 1 + child*l.Multiplier(first, representations)
}
