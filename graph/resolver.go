// Package graph is the combined graph: both domains' schemas served by one
// process, answering the same API that a federation gateway composes from
// the two subgraphs. It generates no resolvers of its own: Resolver hands
// each field to the subgraph resolver that owns it. The differences are
// where the orders subgraph returns a key-only entity that a gateway would
// complete from the customers subgraph: Order.customer, Order.location and
// Actor.member (of an order or event) are read here in full, through the
// per-request loaders, and Member and Location entities are the customers
// subgraph's.
package graph

import (
	"context"
	"net/http"

	"github.com/b2b-orders/platform/graph/customersgraph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/graph/ordersgraph"
	"github.com/b2b-orders/platform/graph/server"
)

// Resolver is the combined graph's root resolver, made of the subgraphs'.
type Resolver struct {
	Customers *customersgraph.Resolver
	Orders    *ordersgraph.Resolver
}

var _ ResolverRoot = (*Resolver)(nil)

// The subgraphs' resolver interfaces, renamed so that one struct can
// embed one of each: an embedded field is named after its type.
type (
	customersQuery    = customersgraph.QueryResolver
	ordersQuery       = ordersgraph.QueryResolver
	customersMutation = customersgraph.MutationResolver
	ordersMutation    = ordersgraph.MutationResolver
	ordersOrder       = ordersgraph.OrderResolver
	customersCustomer = customersgraph.CustomerResolver
	ordersCustomer    = ordersgraph.CustomerResolver
	customersMember   = customersgraph.MemberResolver
	ordersMember      = ordersgraph.MemberResolver
)

type queryResolver struct {
	customersQuery
	ordersQuery
}

type mutationResolver struct {
	customersMutation
	ordersMutation
}

// Query returns the Query fields of both subgraphs.
func (r *Resolver) Query() QueryResolver {
	return queryResolver{r.Customers.Query(), r.Orders.Query()}
}

// Mutation returns the Mutation fields of both subgraphs.
func (r *Resolver) Mutation() MutationResolver {
	return mutationResolver{r.Customers.Mutation(), r.Orders.Mutation()}
}

// Subscription returns the orders subgraph's subscriptions.
func (r *Resolver) Subscription() SubscriptionResolver { return r.Orders.Subscription() }

// Customer returns the customers subgraph's Customer fields (its account)
// and the orders subgraph's Customer.orders.
func (r *Resolver) Customer() CustomerResolver {
	return customerResolver{r.Customers.Customer(), r.Orders.Customer()}
}

type customerResolver struct {
	customersCustomer
	ordersCustomer
}

// Member returns the customers subgraph's Member fields and the orders
// subgraph's Member.orders.
func (r *Resolver) Member() MemberResolver {
	return memberResolver{r.Customers.Member(), r.Orders.Member()}
}

type memberResolver struct {
	customersMember
	ordersMember
}

// ApiKey returns the customers subgraph's ApiKey fields.
func (r *Resolver) ApiKey() ApiKeyResolver { return r.Customers.ApiKey() }

// SpendingLimit returns the customers subgraph's SpendingLimit.member.
func (r *Resolver) SpendingLimit() SpendingLimitResolver { return r.Customers.SpendingLimit() }

// Me returns the customers subgraph's Me fields.
func (r *Resolver) Me() MeResolver { return r.Customers.Me() }

// Actor returns the customers subgraph's Actor.member, which reads the
// full member (the orders subgraph's is key-only).
func (r *Resolver) Actor() ActorResolver { return r.Customers.Actor() }

// OrderItem returns the orders subgraph's OrderItem.product.
func (r *Resolver) OrderItem() OrderItemResolver { return r.Orders.OrderItem() }

// Product returns the orders subgraph's Product.price.
func (r *Resolver) Product() ProductResolver { return r.Orders.Product() }

// PriceEntry, PriceListRule and ProductPrice return the orders subgraph's
// edges to their products.
func (r *Resolver) PriceEntry() PriceEntryResolver       { return r.Orders.PriceEntry() }
func (r *Resolver) PriceListRule() PriceListRuleResolver { return r.Orders.PriceListRule() }
func (r *Resolver) ProductPrice() ProductPriceResolver   { return r.Orders.ProductPrice() }

// Order returns the orders subgraph's Order fields but Customer and
// Location, which resolve the full customer and location.
func (r *Resolver) Order() OrderResolver { return orderResolver{r.Orders.Order()} }

type orderResolver struct{ ordersOrder }

// Customer returns the order's customer, or null when it was deleted
// since. Errors: those of customers.Service.GetCustomers.
func (orderResolver) Customer(ctx context.Context, obj *model.Order) (*model.Customer, error) {
	return loaders.From(ctx).Customer(ctx, obj.CustomerID)
}

// Location returns the location the order ships to, or null when it names
// none. Errors: those of accounts.Service.GetLocations.
func (orderResolver) Location(ctx context.Context, obj *model.Order) (*model.Location, error) {
	if obj.LocationID == nil {
		return nil, nil
	}
	return loaders.From(ctx).Location(ctx, *obj.LocationID)
}

// Entity resolves _entities: customers, members and locations fully,
// through the customers subgraph's resolver, and orders and products
// through the orders subgraph's.
func (r *Resolver) Entity() EntityResolver {
	return entityResolver{r.Customers.Entity(), r.Orders.Entity()}
}

type entityResolver struct {
	customers customersgraph.EntityResolver
	orders    ordersgraph.EntityResolver
}

func (e entityResolver) FindManyCustomerByIDs(ctx context.Context, reps []*model.CustomerByIDsInput) ([]*model.Customer, error) {
	return e.customers.FindManyCustomerByIDs(ctx, reps)
}

func (e entityResolver) FindManyMemberByIDs(ctx context.Context, reps []*model.MemberByIDsInput) ([]*model.Member, error) {
	return e.customers.FindManyMemberByIDs(ctx, reps)
}

func (e entityResolver) FindManyLocationByIDs(ctx context.Context, reps []*model.LocationByIDsInput) ([]*model.Location, error) {
	return e.customers.FindManyLocationByIDs(ctx, reps)
}

func (e entityResolver) FindManyOrderByIDs(ctx context.Context, reps []*model.OrderByIDsInput) ([]*model.Order, error) {
	return e.orders.FindManyOrderByIDs(ctx, reps)
}

func (e entityResolver) FindManyProductByIDs(ctx context.Context, reps []*model.ProductByIDsInput) ([]*model.Product, error) {
	return e.orders.FindManyProductByIDs(ctx, reps)
}

// NewHandler returns the combined graph's HTTP handler over the services
// in opts (Customers and Orders are required; without Accounts the
// account fields answer Unavailable).
func NewHandler(opts server.Options) http.Handler {
	svc := opts.Services
	r := &Resolver{
		Customers: &customersgraph.Resolver{Service: svc.Customers, Accounts: svc.Accounts},
		Orders:    &ordersgraph.Resolver{Service: svc.Orders, Events: opts.Events, Webhooks: opts.Webhooks, Accounts: svc.Accounts},
	}
	opts.EntityKeyError = ErrTypeNotFound
	return server.New(server.Executable(NewExecutableSchema, Config{Resolvers: r, Complexity: Complexity()}), opts)
}
