package ordersgraph

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	orderssvc "github.com/b2b-orders/platform/services/orders"
	"github.com/b2b-orders/platform/services/webhooks"
)

func createProductInput(in model.CreateProductInput) orderssvc.CreateProductInput {
	out := orderssvc.CreateProductInput{SKU: in.Sku, Name: in.Name, PriceCents: in.PriceCents}
	if in.Stock != nil {
		out.Stock = *in.Stock
	}
	return out
}

// productsParams decodes the arguments of Query.products.
// Errors: Invalid for first below 1 or a cursor that is not a product's.
func productsParams(first *int, after, search *string) (orderssvc.ListProductsParams, error) {
	n, err := model.First(first)
	if err != nil {
		return orderssvc.ListProductsParams{}, err
	}
	a, err := model.After(model.CursorProduct, after)
	if err != nil {
		return orderssvc.ListProductsParams{}, err
	}
	p := orderssvc.ListProductsParams{After: a, Limit: n}
	if search != nil {
		p.Search = *search
	}
	return p, nil
}

// ordersParams decodes the arguments of Query.orders.
// Errors: Invalid for first below 1, a cursor that is not an order's, or
// a placedBy that is not "type:id".
func ordersParams(first *int, after *string, status *model.OrderStatus, from, to *time.Time, customerID *int,
	placedBy *string, locationID *int, poNumber *string) (orderssvc.ListOrdersParams, error) {
	n, err := model.First(first)
	if err != nil {
		return orderssvc.ListOrdersParams{}, err
	}
	a, err := model.After(model.CursorOrder, after)
	if err != nil {
		return orderssvc.ListOrdersParams{}, err
	}
	p := orderssvc.ListOrdersParams{After: a, Limit: n, From: from, To: to}
	if status != nil {
		st := orderssvc.Status(*status)
		p.Status = &st
	}
	if customerID != nil {
		p.CustomerID = *customerID
	}
	if placedBy != nil {
		a, err := model.ParseActor("placedBy", *placedBy)
		if err != nil {
			return orderssvc.ListOrdersParams{}, err
		}
		p.PlacedBy = &a
	}
	if locationID != nil {
		p.LocationID = *locationID
	}
	if poNumber != nil {
		p.PONumber = *poNumber
	}
	return p, nil
}

// memberOrdersParams decodes the arguments of Member.orders: the orders
// the member placed itself.
// Errors: Invalid for first below 1 or a cursor that is not an order's.
func memberOrdersParams(memberID int, first *int, after *string) (orderssvc.ListOrdersParams, error) {
	n, err := model.First(first)
	if err != nil {
		return orderssvc.ListOrdersParams{}, err
	}
	a, err := model.After(model.CursorOrder, after)
	if err != nil {
		return orderssvc.ListOrdersParams{}, err
	}
	by := services.Actor{Type: "member", ID: strconv.Itoa(memberID)}
	return orderssvc.ListOrdersParams{After: a, Limit: n, PlacedBy: &by}, nil
}

// MemberStubs answers _entities representations of Member in the orders
// subgraph, which knows members by id only: a key-only Member for each
// member the caller may see (accounts.Service.GetMembers decides), null
// for the others, so that another customer's member id yields nothing,
// not even an empty order list.
// Errors: those of GetMembers; Unavailable without the accounts service.
func MemberStubs(ctx context.Context, svc *accounts.Service, reps []*model.MemberByIDsInput) ([]*model.Member, error) {
	if svc == nil {
		return nil, loaders.ErrNoAccounts
	}
	read := func(ids []int) ([]accounts.Member, error) { return svc.GetMembers(ctx, ids) }
	stub := func(m accounts.Member) *model.Member { return &model.Member{ID: m.ID} }
	return model.Entities(model.Keys(reps), read, stub, func(m *model.Member) int { return m.ID })
}

// customerOrdersKey decodes the arguments of Customer.orders.
// Errors: Invalid for first below 1 or a cursor that is not an order's.
func customerOrdersKey(customerID int, first *int, after *string) (loaders.CustomerOrdersKey, error) {
	n, err := model.First(first)
	if err != nil {
		return loaders.CustomerOrdersKey{}, err
	}
	a, err := model.After(model.CursorOrder, after)
	if err != nil {
		return loaders.CustomerOrdersKey{}, err
	}
	return loaders.CustomerOrdersKey{CustomerID: customerID, After: a, First: n}, nil
}

// productFromItem answers OrderItem.product from the item itself when the
// selection asks only for what the item carries (id, sku, name): the
// orchestrator's `product { id }` then costs no read. Otherwise nil, and
// the product loader answers.
func productFromItem(ctx context.Context, it *model.OrderItem) *model.Product {
	if it.ProductSKU == "" {
		return nil
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "id", "sku", "name", "__typename":
		default:
			return nil
		}
	}
	return &model.Product{ID: it.ProductID, Sku: it.ProductSKU, Name: it.ProductName}
}

// productOf answers an edge to a product through the product loader.
// Errors: those of orders.Service.GetProducts; NotFound when there is no
// such product.
func productOf(ctx context.Context, id int) (*model.Product, error) {
	p, err := loaders.From(ctx).Product(ctx, id)
	if err == nil && p == nil {
		err = orderssvc.ErrProductNotFound
	}
	return p, err
}

// pricesCustomer is whose prices Query.prices and Product.price answer:
// the customerId given, else 0, which the orders service reads as the
// caller's own customer (refused to a caller that acts for none).
func pricesCustomer(customerID *int) int {
	if customerID != nil {
		return *customerID
	}
	return 0 // the caller's own: the service decides
}

// CustomerStubs answers _entities representations of Customer in the
// orders subgraph, which knows customers by id only: a key-only Customer
// for each visible id (see orders.Service.VisibleCustomers), null for the
// others, so a customer token asking for another customer learns nothing,
// not even an empty order list. The customers subgraph decides whether the
// customer exists. Errors: those of VisibleCustomers.
func CustomerStubs(ctx context.Context, svc *orderssvc.Service, reps []*model.CustomerByIDsInput) ([]*model.Customer, error) {
	read := func(ids []int) ([]int, error) { return svc.VisibleCustomers(ctx, ids) }
	stub := func(id int) *model.Customer { return &model.Customer{ID: id} }
	return model.Entities(model.Keys(reps), read, stub, func(c *model.Customer) int { return c.ID })
}

// errNoWebhooks answers the webhook fields of a handler built without the
// webhooks service.
var errNoWebhooks = services.Outage(errors.New("graph: no webhooks service"))

// hooks returns the webhooks service.
// Errors: Unavailable when the handler has none.
func (r *Resolver) hooks() (*webhooks.Service, error) {
	if r.Webhooks == nil {
		return nil, errNoWebhooks
	}
	return r.Webhooks, nil
}

// webhookPage decodes the page arguments of the webhook lists.
// Errors: Invalid for first below 1 or a cursor of another kind.
func webhookPage(kind string, first *int, after *string) (webhooks.ListParams, error) {
	n, err := model.First(first)
	if err != nil {
		return webhooks.ListParams{}, err
	}
	a, err := model.After(kind, after)
	if err != nil {
		return webhooks.ListParams{}, err
	}
	return webhooks.ListParams{After: a, Limit: n}, nil
}

// decisions answers Order.decisions: none for an order that asked for no
// approval (no read); through the decisions loader for the others, but
// for an order as an event carried it, whose decisions are read afresh
// and kept to those taken by the event: the approvals its approval
// counts, and a rejection once it is canceled (a rejection ends the
// decisions; an order canceled otherwise has none).
// Errors: those of orders.Service.Decisions.
func decisions(ctx context.Context, svc *orderssvc.Service, o *model.Order) ([]*model.ApprovalDecision, error) {
	if o.Approval == nil {
		return []*model.ApprovalDecision{}, nil
	}
	if !o.FromEvent {
		return loaders.From(ctx).Decisions(ctx, o.ID)
	}
	got, err := svc.Decisions(ctx, []int{o.ID})
	if err != nil {
		return nil, err
	}
	taken := func(d orderssvc.Decision) bool {
		if d.Approved {
			return d.Level <= o.Approval.Approved
		}
		return o.Status == model.OrderStatusCanceled
	}
	out := make([]orderssvc.Decision, 0, len(got[o.ID]))
	for _, d := range got[o.ID] {
		if taken(d) {
			out = append(out, d)
		}
	}
	return model.FromDecisions(out), nil
}
