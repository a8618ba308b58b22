// Package loaders batches the graph's list→item reads: every edge that
// would read one row per parent (Order.customer, Order.items,
// OrderItem.product, Customer.orders, Order.location, Order.decisions,
// Actor.member, Member.locations, the products of price lists' entries
// and rules and of prices, and Product.price) asks a per-request loader, which
// collects the keys of one execution step and reads them with one service
// batch call.
package loaders

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

// Services are the batch reads behind the loaders. A subgraph process may
// have only one of them; the loaders of the other are then unusable and
// must not be asked.
type Services struct {
	Customers *customers.Service
	Orders    *orders.Service
	// Accounts reads members and locations; both subgraphs and the
	// combined graph have it.
	Accounts *accounts.Service
	// Wait is how long a loader collects keys before it reads them; zero
	// means DefaultWait.
	Wait time.Duration
}

// Loaders are one request's loaders. They cache what they read for the
// request's lifetime, under the request's principal.
type Loaders struct {
	customer       *dataloadgen.Loader[int, *model.Customer]
	liveCustomer   *dataloadgen.Loader[int, bool]
	product        *dataloadgen.Loader[int, *model.Product]
	items          *dataloadgen.Loader[int, []*model.OrderItem]
	customerOrders *dataloadgen.Loader[CustomerOrdersKey, *model.OrderConnection]
	decisions      *dataloadgen.Loader[int, []*model.ApprovalDecision]
	member         *dataloadgen.Loader[int, *model.Member]
	location       *dataloadgen.Loader[int, *model.Location]
	price          *dataloadgen.Loader[PriceKey, *model.UnitPrice]
}

// PriceKey asks what a customer pays per unit for a quantity of a
// product (Product.price).
type PriceKey struct {
	CustomerID, ProductID int
	Quantity              int64
}

// CustomerOrdersKey asks for one page of a customer's orders.
type CustomerOrdersKey struct {
	CustomerID int
	After      int
	First      int
}

// DefaultWait is how long a loader collects keys by default. Resolvers of
// one level of a query ask within microseconds of each other on an idle
// server; dataloadgen's own default of 16 ms made every GraphQL request
// that touched a loader at least that slow (see docs/benchmarks.md), while
// 250 µs began to split batches. On a saturated machine a batch may still
// split, which costs a statement, never a wrong answer.
const DefaultWait = 2 * time.Millisecond

// New returns fresh loaders over svc.
func New(svc Services) *Loaders {
	l := &Loaders{}
	wait := svc.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	if svc.Customers != nil {
		l.customer = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([]*model.Customer, []error) {
			rows, err := svc.Customers.GetCustomers(ctx, ids)
			return byID(ids, rows, err, func(c customers.Customer) int { return c.ID }, model.FromCustomer)
		}, dataloadgen.WithWait(wait))
	}
	if svc.Orders != nil {
		l.liveCustomer = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([]bool, []error) {
			live, err := svc.Orders.LiveCustomers(ctx, ids)
			if err != nil {
				return nil, []error{err}
			}
			out := make([]bool, len(ids))
			for i, id := range ids {
				out[i] = slices.Contains(live, id)
			}
			return out, nil
		}, dataloadgen.WithWait(wait))
		l.product = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([]*model.Product, []error) {
			rows, err := svc.Orders.GetProducts(ctx, ids)
			return byID(ids, rows, err, func(p orders.Product) int { return p.ID }, model.FromProduct)
		}, dataloadgen.WithWait(wait))
		l.items = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([][]*model.OrderItem, []error) {
			got, err := svc.Orders.ItemsByOrder(ctx, ids)
			if err != nil {
				return nil, []error{err}
			}
			out := make([][]*model.OrderItem, len(ids))
			for i, id := range ids {
				out[i] = model.FromItems(got[id])
			}
			return out, nil
		}, dataloadgen.WithWait(wait))
		l.customerOrders = dataloadgen.NewLoader(func(ctx context.Context, keys []CustomerOrdersKey) ([]*model.OrderConnection, []error) {
			return customerOrders(ctx, svc.Orders, keys)
		}, dataloadgen.WithWait(wait))
		l.price = dataloadgen.NewLoader(func(ctx context.Context, keys []PriceKey) ([]*model.UnitPrice, []error) {
			return unitPrices(ctx, svc.Orders, keys)
		}, dataloadgen.WithWait(wait))
		l.decisions = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([][]*model.ApprovalDecision, []error) {
			got, err := svc.Orders.Decisions(ctx, ids)
			if err != nil {
				return nil, []error{err}
			}
			out := make([][]*model.ApprovalDecision, len(ids))
			for i, id := range ids {
				out[i] = model.FromDecisions(got[id])
			}
			return out, nil
		}, dataloadgen.WithWait(wait))
	}
	if svc.Accounts != nil {
		l.member = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([]*model.Member, []error) {
			rows, err := svc.Accounts.GetMembers(ctx, ids)
			return byID(ids, rows, err, func(m accounts.Member) int { return m.ID }, model.FromMember)
		}, dataloadgen.WithWait(wait))
		l.location = dataloadgen.NewLoader(func(ctx context.Context, ids []int) ([]*model.Location, []error) {
			rows, err := svc.Accounts.GetLocations(ctx, ids)
			return byID(ids, rows, err, func(l accounts.Location) int { return l.ID }, model.FromLocation)
		}, dataloadgen.WithWait(wait))
	}
	return l
}

// byID orders rows as ids asked for them; an id without a row gets nil,
// which the resolvers turn into null (a customer deleted since, or one the
// principal may not see).
func byID[S, T any](ids []int, rows []S, err error, id func(S) int, conv func(S) *T) ([]*T, []error) {
	if err != nil {
		return nil, []error{err}
	}
	found := make(map[int]S, len(rows))
	for _, r := range rows {
		found[id(r)] = r
	}
	out := make([]*T, len(ids))
	for i, k := range ids {
		if r, ok := found[k]; ok {
			out[i] = conv(r)
		}
	}
	return out, nil
}

// customerOrders reads the pages of several customers' orders, one service
// call per distinct page position (in practice one: every Customer.orders
// of a query usually has the same arguments).
func customerOrders(ctx context.Context, svc *orders.Service, keys []CustomerOrdersKey) ([]*model.OrderConnection, []error) {
	type window struct{ after, first int }
	groups := map[window][]int{}
	for _, k := range keys {
		w := window{k.After, k.First}
		groups[w] = append(groups[w], k.CustomerID)
	}
	pages := make(map[CustomerOrdersKey]services.Page[orders.Order], len(keys))
	for w, ids := range groups {
		got, err := svc.OrdersByCustomer(ctx, ids, w.after, w.first)
		if err != nil {
			return nil, []error{err}
		}
		for id, p := range got {
			pages[CustomerOrdersKey{CustomerID: id, After: w.after, First: w.first}] = p
		}
	}
	out := make([]*model.OrderConnection, len(keys))
	for i, k := range keys {
		out[i] = model.OrderConnectionOf(pages[k])
	}
	return out, nil
}

// unitPrices reads the prices of keys, one service call per customer (in
// practice one: a page of products priced for one caller).
func unitPrices(ctx context.Context, svc *orders.Service, keys []PriceKey) ([]*model.UnitPrice, []error) {
	byCustomer := map[int][]int{}
	for i, k := range keys {
		byCustomer[k.CustomerID] = append(byCustomer[k.CustomerID], i)
	}
	out, errs := make([]*model.UnitPrice, len(keys)), make([]error, len(keys))
	for customer, at := range byCustomer {
		lines := make([]orders.Line, len(at))
		for j, i := range at {
			lines[j] = orders.Line{ProductID: keys[i].ProductID, Qty: keys[i].Quantity}
		}
		prices, lineErrs, err := svc.PricesOf(ctx, customer, lines)
		for j, i := range at {
			switch {
			case err != nil:
				errs[i] = err
			case lineErrs[j] != nil:
				errs[i] = lineErrs[j]
			default:
				out[i] = model.FromPrice(prices[j], svc.Currency())
			}
		}
	}
	return out, errs
}

type ctxKey struct{}

// Middleware gives every request its own loaders, so nothing read under
// one principal is served to another.
func Middleware(svc Services, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), New(svc))))
	})
}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From returns the loaders in ctx. A handler built without Middleware is a
// programming error, so it panics, and the graph's recover answers
// INTERNAL_SERVER_ERROR.
func From(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in the context; wrap the handler with loaders.Middleware")
	}
	return l
}

// Price returns what k's customer pays per unit for k's quantity of k's
// product.
// Errors: those of orders.Service.PricesOf, the batch's or the line's.
func (l *Loaders) Price(ctx context.Context, k PriceKey) (*model.UnitPrice, error) {
	return l.price.Load(ctx, k)
}

// Customer returns the customer with the given id, or nil when there is no
// such live customer that the principal may see.
// Errors: those of customers.Service.GetCustomers.
func (l *Loaders) Customer(ctx context.Context, id int) (*model.Customer, error) {
	return l.customer.Load(ctx, id)
}

// LiveCustomer reports whether the customer with the given id is live and
// its orders visible to the principal, for the orders subgraph.
// Errors: those of orders.Service.LiveCustomers.
func (l *Loaders) LiveCustomer(ctx context.Context, id int) (bool, error) {
	return l.liveCustomer.Load(ctx, id)
}

// Product returns the product with the given id, or nil when there is none.
// Errors: those of orders.Service.GetProducts.
func (l *Loaders) Product(ctx context.Context, id int) (*model.Product, error) {
	return l.product.Load(ctx, id)
}

// Items returns the items of an order that the principal may see.
// Errors: those of orders.Service.ItemsByOrder.
func (l *Loaders) Items(ctx context.Context, orderID int) ([]*model.OrderItem, error) {
	return l.items.Load(ctx, orderID)
}

// CustomerOrders returns a page of a customer's orders.
// Errors: those of orders.Service.OrdersByCustomer.
func (l *Loaders) CustomerOrders(ctx context.Context, k CustomerOrdersKey) (*model.OrderConnection, error) {
	return l.customerOrders.Load(ctx, k)
}

// Decisions returns the approval decisions on an order that the principal
// may see, in level order; empty for one it may not see.
// Errors: those of orders.Service.Decisions.
func (l *Loaders) Decisions(ctx context.Context, orderID int) ([]*model.ApprovalDecision, error) {
	return l.decisions.Load(ctx, orderID)
}

// ForgetDecisions drops what the loader read of an order's decisions, for
// a mutation that has just decided it: a later field of the same request
// reads them again.
func (l *Loaders) ForgetDecisions(orderID int) {
	if l.decisions != nil {
		l.decisions.Clear(orderID)
	}
}

// ErrNoAccounts answers the account fields (and the loaders of members and
// locations) of a graph built without the accounts service.
var ErrNoAccounts = services.Outage(errors.New("graph: no accounts service"))

// Member returns the member with the given id, removed ones included, or
// nil when there is none that the principal may see.
// Errors: those of accounts.Service.GetMembers; Unavailable without the
// accounts service.
func (l *Loaders) Member(ctx context.Context, id int) (*model.Member, error) {
	if l.member == nil {
		return nil, ErrNoAccounts
	}
	return l.member.Load(ctx, id)
}

// Location returns the location with the given id, archived ones
// included, or nil when there is none that the principal may see.
// Errors: those of accounts.Service.GetLocations; Unavailable without the
// accounts service.
func (l *Loaders) Location(ctx context.Context, id int) (*model.Location, error) {
	if l.location == nil {
		return nil, ErrNoAccounts
	}
	return l.location.Load(ctx, id)
}

// Locations returns those of the locations with the given ids that the
// principal may see, in the order given, with one batch read shared with
// every other location asked for at the same step.
// Errors: as Location's.
func (l *Loaders) Locations(ctx context.Context, ids []int) ([]*model.Location, error) {
	if len(ids) == 0 {
		return []*model.Location{}, nil
	}
	if l.location == nil {
		return nil, ErrNoAccounts
	}
	got, err := l.location.LoadAll(ctx, ids)
	if errs, ok := errors.AsType[dataloadgen.ErrorSlice](err); ok {
		// One batch read failed for every id alike: its first error.
		for _, e := range errs {
			if e != nil {
				return nil, e
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(got, func(l *model.Location) bool { return l == nil }), nil
}
