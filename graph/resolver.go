// Package graph is the combined graph: both domains' schemas served by one
// process, answering the same API that a federation gateway composes from
// the two subgraphs. It generates no resolvers of its own: Resolver hands
// each field to the subgraph resolver that owns it. The one difference is
// Order.customer, where the orders subgraph returns a key-only customer
// (a gateway would fetch the rest from the customers subgraph): here the
// full customer is read through the per-request customer loader.
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

// Customer returns the orders subgraph's Customer.orders.
func (r *Resolver) Customer() CustomerResolver { return r.Orders.Customer() }

// OrderItem returns the orders subgraph's OrderItem.product.
func (r *Resolver) OrderItem() OrderItemResolver { return r.Orders.OrderItem() }

// Order returns the orders subgraph's Order fields but Customer, which
// resolves the full customer.
func (r *Resolver) Order() OrderResolver { return orderResolver{r.Orders.Order()} }

type orderResolver struct{ ordersOrder }

// Customer returns the order's customer, or null when it was deleted
// since. Errors: those of customers.Service.GetCustomers.
func (orderResolver) Customer(ctx context.Context, obj *model.Order) (*model.Customer, error) {
	return loaders.From(ctx).Customer(ctx, obj.CustomerID)
}

// Entity resolves _entities: customers fully, through the customers
// subgraph's resolver, and orders and products through the orders
// subgraph's.
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

func (e entityResolver) FindManyOrderByIDs(ctx context.Context, reps []*model.OrderByIDsInput) ([]*model.Order, error) {
	return e.orders.FindManyOrderByIDs(ctx, reps)
}

func (e entityResolver) FindManyProductByIDs(ctx context.Context, reps []*model.ProductByIDsInput) ([]*model.Product, error) {
	return e.orders.FindManyProductByIDs(ctx, reps)
}

// NewHandler returns the combined graph's HTTP handler over the services
// in opts (both are required).
func NewHandler(opts server.Options) http.Handler {
	r := &Resolver{
		Customers: &customersgraph.Resolver{Service: opts.Services.Customers},
		Orders:    &ordersgraph.Resolver{Service: opts.Services.Orders, Events: opts.Events, Webhooks: opts.Webhooks},
	}
	opts.EntityKeyError = ErrTypeNotFound
	return server.New(server.Executable(NewExecutableSchema, Config{Resolvers: r, Complexity: Complexity()}), opts)
}
