package orders

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/orderitem"
	"github.com/b2b-orders/platform/ent/predicate"
	"github.com/b2b-orders/platform/ent/product"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// GetOrder returns an order with its items.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound, also for
// another customer's order when the principal is a customer.
func (s *Service) GetOrder(ctx context.Context, id int) (Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Order{}, err
	}
	if id < 1 {
		return Order{}, services.InvalidField("id", services.MsgInvalidOrderID)
	}
	o, err := readOrder(ctx, s.db.Client, p, id)
	return o, storeerr.Classify(err, "get order")
}

// firstOrdersOfCustomers selects the first orders after a cursor of each
// of several customers (%s: their ids' placeholders), at most a page each,
// with a window function: one statement for the graph's Customer.orders.
const firstOrdersOfCustomers = `id IN (SELECT id FROM (
		SELECT id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY id) AS n
		FROM orders WHERE customer_id IN (%s) AND id > ?%s
	) AS ranked WHERE n <= ?)`

// orderWithItems reads an order joined with its items and their products'
// names and skus, items in id order: one statement, the hot path of every
// order read and of confirm and cancel.
const orderWithItems = `SELECT o.id, o.customer_id, o.status, o.total_cents, o.created_at, o.confirmed_at, o.canceled_at,
	o.location_id, o.ship_to, o.placed_by, o.confirmed_by, o.canceled_by, o.po_number, o.payment_terms,
	o.event_seq, o.approval_roles, o.approvals, o.confirm_on_approval, o.approval_expires_at,
	o.spend_member_id, o.spend_period, o.paid_at, o.paid_by, o.currency,
	i.id, i.product_id, i.qty, i.unit_price_cents, i.subtotal_cents, p.name, p.sku, i.price_list_id, i.price_min_qty
FROM orders o
LEFT JOIN order_items i ON i.order_id = o.id
LEFT JOIN products p ON p.id = i.product_id
WHERE o.id = ?`

// readOrder reads an order and its items as p may see it.
func readOrder(ctx context.Context, c *ent.Client, p services.Principal, id int) (Order, error) {
	query, args := orderWithItems, []any{id}
	if p.IsCustomer() {
		query += " AND o.customer_id = ?"
		args = append(args, p.CustomerID)
	}
	if p.Locations != nil {
		query += " AND o.location_id IN (?" + strings.Repeat(", ?", len(p.Locations)-1) + ")"
		for _, l := range p.Locations {
			args = append(args, l)
		}
	}
	rows, err := c.QueryContext(ctx, query+" ORDER BY i.id", args...)
	if err != nil {
		return Order{}, err
	}
	defer rows.Close()
	var (
		o              Order
		found          bool
		confirmed      stdsql.NullTime
		canceled       stdsql.NullTime
		itemID, prodID stdsql.NullInt64
		qty, unit, sub stdsql.NullInt64
		name, sku      stdsql.NullString
		location       stdsql.NullInt64
		shipTo         stdsql.NullString
		by             [3]stdsql.NullString
		po, terms      stdsql.NullString
		roles, period  stdsql.NullString
		expires, paid  stdsql.NullTime
		spender        stdsql.NullInt64
		paidBy         stdsql.NullString
		currency       stdsql.NullString
		list, from     stdsql.NullInt64
	)
	for rows.Next() {
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Status, &o.TotalCents, &o.CreatedAt, &confirmed, &canceled,
			&location, &shipTo, &by[0], &by[1], &by[2], &po, &terms,
			&o.seq, &roles, &o.Approvals, &o.ConfirmOnApproval, &expires, &spender, &period, &paid, &paidBy, &currency,
			&itemID, &prodID, &qty, &unit, &sub, &name, &sku, &list, &from); err != nil {
			return Order{}, err
		}
		found = true
		if itemID.Valid {
			it := Item{ID: int(itemID.Int64), OrderID: o.ID, ProductID: int(prodID.Int64),
				Qty: qty.Int64, UnitPriceCents: unit.Int64, SubtotalCents: sub.Int64, ProductName: name.String, ProductSKU: sku.String}
			if list.Valid {
				l, m := int(list.Int64), from.Int64
				it.PriceListID, it.PriceMinQty = &l, &m
			}
			o.Items = append(o.Items, it)
		}
	}
	if err := rows.Err(); err != nil {
		return Order{}, err
	}
	if !found {
		return Order{}, errOrderNotFound
	}
	o.CreatedAt = o.CreatedAt.UTC()
	o.ConfirmedAt, o.CanceledAt = nullTime(confirmed), nullTime(canceled)
	o.Currency = currency.String
	if location.Valid {
		l := int(location.Int64)
		o.LocationID = &l
	}
	if shipTo.Valid {
		o.ShipTo, _ = accounts.ParseAddress(&shipTo.String)
	}
	o.PlacedBy, o.ConfirmedBy, o.CanceledBy = parseActor(nullString(by[0])), parseActor(nullString(by[1])), parseActor(nullString(by[2]))
	o.PONumber = nullString(po)
	o.ApprovalRoles, o.ApprovalExpiresAt = parseApprovalRoles(nullString(roles)), nullTime(expires)
	o.PaidAt, o.PaidBy = nullTime(paid), parseActor(nullString(paidBy))
	if spender.Valid && period.Valid {
		o.spend = &spendRef{member: int(spender.Int64), period: period.String}
	}
	if terms.Valid {
		t := services.PaymentTerms(terms.String)
		o.PaymentTerms = &t
	}
	return o, nil
}

func nullString(s stdsql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// visible keeps the orders p may see: its customer's and, for a principal
// limited to locations, those of its locations.
func visible(p services.Principal) []predicate.Order {
	var ps []predicate.Order
	if p.IsCustomer() {
		ps = append(ps, order.CustomerID(p.CustomerID))
	}
	if p.Locations != nil {
		ps = append(ps, order.LocationIDIn(p.Locations...))
	}
	return ps
}

func nullTime(t stdsql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// ListOrdersParams selects a page of orders ordered by id.
type ListOrdersParams struct {
	Status *Status
	// From and To bound created_at, both inclusive.
	From, To *time.Time
	// CustomerID, when not 0, keeps that customer's orders.
	CustomerID int
	// PlacedBy, when set, keeps the orders that actor placed.
	PlacedBy *services.Actor
	// LocationID, when not 0, keeps the orders shipping to that location.
	LocationID int
	// PONumber, when not empty, keeps the orders with that PO number.
	PONumber string
	After    int
	Limit    int
}

// ListOrders returns one page of orders, each with its items, in three
// statements whatever the page size. Customer principals see their own.
// Errors: Unauthenticated; Internal.
func (s *Service) ListOrders(ctx context.Context, params ListOrdersParams) (services.Page[Order], error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return services.Page[Order]{}, err
	}
	limit := services.ClampLimit(params.Limit)
	q := s.db.Client.Order.Query().
		Where(order.IDGT(params.After)).
		Order(ent.Asc(order.FieldID)).
		Limit(limit + 1)
	if params.Status != nil {
		q.Where(order.StatusEQ(order.Status(*params.Status)))
	}
	if params.From != nil {
		q.Where(order.CreatedAtGTE(params.From.UTC()))
	}
	if params.To != nil {
		q.Where(order.CreatedAtLTE(params.To.UTC()))
	}
	if params.CustomerID != 0 {
		q.Where(order.CustomerID(params.CustomerID))
	}
	if params.PlacedBy != nil {
		q.Where(order.PlacedBy(params.PlacedBy.String()))
	}
	if params.LocationID != 0 {
		q.Where(order.LocationID(params.LocationID))
	}
	if params.PONumber != "" {
		q.Where(order.PoNumber(params.PONumber))
	}
	q.Where(visible(p)...)
	rows, err := q.All(ctx)
	if err != nil {
		return services.Page[Order]{}, storeerr.Classify(err, "list orders")
	}
	page := services.PageOf(rows, limit, orderFromEnt)
	if err := s.attachItems(ctx, page.Items); err != nil {
		return services.Page[Order]{}, err
	}
	return page, nil
}

// GetOrders returns the orders among ids that the principal may see,
// without their items (ItemsByOrder reads those), in no particular order.
// It is the batch read behind the graph's loaders.
// Errors: Unauthenticated; Internal.
func (s *Service) GetOrders(ctx context.Context, ids []int) ([]Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	q := s.db.Client.Order.Query().Where(order.IDIn(ids...)).Where(visible(p)...)
	rows, err := q.All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "get orders")
	}
	return services.Map(rows, orderFromEnt), nil
}

// OrdersByCustomer returns, for each of the customers, one page of its
// orders after the given id, ordered by id. It is the batch read behind
// Customer.orders in the graph: one statement, which ranks each customer's
// orders and keeps limit+1 of them, so its cost does not grow with a
// customer's history.
// Errors: Unauthenticated; Internal.
func (s *Service) OrdersByCustomer(ctx context.Context, customerIDs []int, after, limit int) (map[int]services.Page[Order], error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	customerIDs, err = s.VisibleCustomers(ctx, customerIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int]services.Page[Order], len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	limit = services.ClampLimit(limit)
	args := make([]any, 0, len(customerIDs)+2)
	for _, id := range customerIDs {
		args = append(args, id)
	}
	args = append(args, after)
	atLocations := ""
	if p.Locations != nil {
		atLocations = " AND location_id IN (?" + strings.Repeat(", ?", len(p.Locations)-1) + ")"
		for _, l := range p.Locations {
			args = append(args, l)
		}
	}
	args = append(args, limit+1)
	firstOrders := sql.ExprP(fmt.Sprintf(firstOrdersOfCustomers, "?"+strings.Repeat(", ?", len(customerIDs)-1), atLocations), args...)
	rows, err := s.db.Client.Order.Query().
		Where(func(sel *sql.Selector) { sel.Where(firstOrders) }).
		Order(ent.Asc(order.FieldCustomerID), ent.Asc(order.FieldID)).
		All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "orders by customer")
	}
	grouped := make(map[int][]*ent.Order, len(customerIDs))
	for _, o := range rows {
		grouped[o.CustomerID] = append(grouped[o.CustomerID], o)
	}
	for id, os := range grouped {
		out[id] = services.PageOf(os, limit, orderFromEnt)
	}
	return out, nil
}

// VisibleCustomers returns those of ids whose orders the principal may
// see, in the order given: all of them, except for customer principals,
// who see only their own. The graph's orders subgraph uses it to answer
// for customers it knows by key only.
// Errors: Unauthenticated.
func (s *Service) VisibleCustomers(ctx context.Context, ids []int) ([]int, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(slices.Clone(ids), func(id int) bool { return !p.CanActFor(id) }), nil
}

// LiveCustomers returns those of ids that are live customers whose orders
// the principal may see, in the order given: the orders subgraph answers
// Order.customer with it, null for a customer deleted since, as the
// customers subgraph would (a gateway then asks it nothing).
// Errors: Unauthenticated; those of the CustomerDirectory.
func (s *Service) LiveCustomers(ctx context.Context, ids []int) ([]int, error) {
	visible, err := s.VisibleCustomers(ctx, ids)
	if err != nil || len(visible) == 0 {
		return nil, err
	}
	live, err := s.customers.Live(ctx, visible)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(visible, func(id int) bool { return !slices.Contains(live, id) }), nil
}

// ItemsByOrder returns the items of the given orders that the principal
// may see, keyed by order id, in one statement.
// Errors: Unauthenticated; Internal.
func (s *Service) ItemsByOrder(ctx context.Context, orderIDs []int) (map[int][]Item, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	items, err := loadItems(ctx, s.db.Client, visible(p), orderIDs...)
	return items, storeerr.Classify(err, "items by order")
}

func (s *Service) attachItems(ctx context.Context, os []Order) error {
	if len(os) == 0 {
		return nil
	}
	ids := make([]int, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	items, err := loadItems(ctx, s.db.Client, nil, ids...)
	if err != nil {
		return storeerr.Classify(err, "load items")
	}
	for i := range os {
		os[i].Items = items[os[i].ID]
	}
	return nil
}

// loadItems reads the items of orders joined with their products' name
// and sku, in one statement, keeping the items of orders that match
// visible (all for none).
func loadItems(ctx context.Context, c *ent.Client, visible []predicate.Order, orderIDs ...int) (map[int][]Item, error) {
	var rows []struct {
		ID             int    `sql:"id"`
		OrderID        int    `sql:"order_id"`
		ProductID      int    `sql:"product_id"`
		Qty            int64  `sql:"qty"`
		UnitPriceCents int64  `sql:"unit_price_cents"`
		SubtotalCents  int64  `sql:"subtotal_cents"`
		ProductName    string `sql:"product_name"`
		ProductSKU     string `sql:"product_sku"`
		PriceListID    *int   `sql:"price_list_id"`
		PriceMinQty    *int64 `sql:"price_min_qty"`
	}
	q := c.OrderItem.Query().Where(orderitem.OrderIDIn(orderIDs...))
	if len(visible) > 0 {
		q.Where(orderitem.HasOrderWith(visible...))
	}
	err := q.Order(ent.Asc(orderitem.FieldID)).
		Modify(func(s *sql.Selector) {
			p := sql.Table(product.Table)
			s.Join(p).On(s.C(orderitem.FieldProductID), p.C(product.FieldID))
			s.AppendSelect(sql.As(p.C(product.FieldName), "product_name"), sql.As(p.C(product.FieldSku), "product_sku"))
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[int][]Item, len(orderIDs))
	for _, r := range rows {
		out[r.OrderID] = append(out[r.OrderID], Item(r))
	}
	return out, nil
}
