package orders

import (
	"context"
	stdsql "database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/orderitem"
	"github.com/b2b-orders/platform/ent/product"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// CustomerDirectory answers whether a customer may place orders. In one
// process it is the customers service; split, a client of the customers
// role's internal route. The orders service never reads the customers
// table itself.
type CustomerDirectory interface {
	// Exists reports whether a live customer has the id.
	Exists(ctx context.Context, id int) (bool, error)
	// Live returns those of ids that are live customers.
	Live(ctx context.Context, ids []int) ([]int, error)
}

// Config tunes the orders service. Zero fields take the defaults.
type Config struct {
	// CancelWindow is how long after creation a CONFIRMED order may still
	// be cancelled (default 10 minutes).
	CancelWindow time.Duration
	// KeyTTL is how long an idempotency key is remembered (default 24 h).
	KeyTTL time.Duration
	// Now is the clock (default: the system clock).
	Now func() time.Time
	// Events is told what each call did (default: nobody).
	Events Events
}

// Limits on one order.
const (
	MaxLines = 100
	MaxQty   = 1_000_000
	// MaxTotalCents bounds an order's total, and so every subtotal, to
	// what GraphQL's 32-bit Int can carry: a larger total could be
	// written and then not be read through a gateway, which refuses an Int
	// outside 32 bits after the subgraph has committed it.
	MaxTotalCents = 1<<31 - 1
)

// Service is the orders domain service. Its methods are safe for
// concurrent use; each one that writes runs in one transaction.
type Service struct {
	db        *db.DB
	customers CustomerDirectory
	cfg       Config
}

// New returns a Service over store that checks customers with dir.
func New(store *db.DB, dir CustomerDirectory, cfg Config) *Service {
	if cfg.CancelWindow <= 0 {
		cfg.CancelWindow = 10 * time.Minute
	}
	if cfg.KeyTTL <= 0 {
		cfg.KeyTTL = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Events == nil {
		cfg.Events = noEvents{}
	}
	return &Service{db: store, customers: dir, cfg: cfg}
}

// stamp is the current time as the database keeps it (UTC, milliseconds),
// so what a method returns equals what a later read returns.
func (s *Service) stamp() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

var (
	errDenied          = services.Errorf(services.PermissionDenied, services.CodePermissionDenied, "Permission denied")
	errOrderNotFound   = services.NotFoundf("Order not found")
	errProductNotFound = services.NotFoundf("Product not found")
	errCustomerUnknown = services.NotFoundf("Customer not found or inactive")
	// errRetry asks inTx to run the transaction again: a row it read
	// changed under it, or a concurrent duplicate key committed first.
	errRetry = errors.New("retry transaction")
)

// orderRequest is a parsed order: merged lines in product-id order (the
// order rows are locked in) and the ids in the order the caller gave them.
type orderRequest struct {
	customerID int
	lines      []Line
	requested  []int
}

// parseOrder validates and normalises an order.
// Errors: Invalid with the contract's messages.
func parseOrder(customerID int, lines []Line) (orderRequest, error) {
	if customerID < 1 {
		return orderRequest{}, services.InvalidField("customer_id", "Invalid customer ID")
	}
	if len(lines) == 0 {
		return orderRequest{}, services.InvalidField("items", "At least one item is required")
	}
	qty := make(map[int]int64, len(lines))
	req := orderRequest{customerID: customerID}
	for _, l := range lines {
		if l.ProductID < 1 {
			return orderRequest{}, services.InvalidField("product_id", "Invalid product ID")
		}
		if l.Qty < 1 {
			return orderRequest{}, services.InvalidField("qty", "Quantity must be at least 1")
		}
		if l.Qty > MaxQty || qty[l.ProductID]+l.Qty > MaxQty {
			return orderRequest{}, services.InvalidField("qty", "Quantity must be at most "+strconv.Itoa(MaxQty))
		}
		if _, seen := qty[l.ProductID]; !seen {
			req.requested = append(req.requested, l.ProductID)
		}
		qty[l.ProductID] += l.Qty
	}
	if len(qty) > MaxLines {
		return orderRequest{}, services.InvalidField("items", "An order can hold at most "+strconv.Itoa(MaxLines)+" different products")
	}
	for id, q := range qty {
		req.lines = append(req.lines, Line{ProductID: id, Qty: q})
	}
	slices.SortFunc(req.lines, func(a, b Line) int { return a.ProductID - b.ProductID })
	return req, nil
}

// authorizeOrder checks that the caller may order for the customer and
// that the customer is live. It runs before any transaction, because the
// directory may be a remote call.
func (s *Service) authorizeOrder(ctx context.Context, customerID int) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if !p.CanActFor(customerID) {
		return errDenied
	}
	ok, err := s.customers.Exists(ctx, customerID)
	if err != nil {
		return storeerr.Wrap(err, "check customer")
	}
	if !ok {
		return errCustomerUnknown
	}
	return nil
}

// CreateOrder places an order in state CREATED and takes its stock.
// Duplicate product lines are merged; unit prices are those of now.
// Errors: Unauthenticated; PermissionDenied when a customer principal
// orders for another customer; Invalid; NotFound ("Customer not found or
// inactive", "Products not found: 3, 9"); FailedPrecondition
// (insufficient_stock).
func (s *Service) CreateOrder(ctx context.Context, customerID int, lines []Line) (Order, error) {
	req, err := parseOrder(customerID, lines)
	if err != nil {
		return Order{}, err
	}
	if err := s.authorizeOrder(ctx, customerID); err != nil {
		return Order{}, err
	}
	var out Order
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		out, err = s.place(ctx, tx, req, StatusCreated)
		return err
	})
	s.report(effect{created: true}, err)
	return out, err
}

// place writes an order in the given state and takes its stock: the
// products are read, stock is taken by one conditional update per line in
// product-id order (so two orders never wait on each other in opposite
// order, and the items' foreign-key checks find the rows already locked),
// then the order and its items are inserted.
func (s *Service) place(ctx context.Context, tx *ent.Tx, req orderRequest, status Status) (Order, error) {
	ids := make([]int, len(req.lines))
	for i, l := range req.lines {
		ids[i] = l.ProductID
	}
	rows, err := tx.Product.Query().Where(product.IDIn(ids...)).All(ctx)
	if err != nil {
		return Order{}, err
	}
	byID := make(map[int]*ent.Product, len(rows))
	for _, p := range rows {
		byID[p.ID] = p
	}
	if len(byID) < len(ids) {
		var missing []string
		for _, id := range req.requested {
			if byID[id] == nil {
				missing = append(missing, strconv.Itoa(id))
			}
		}
		return Order{}, services.NotFoundf("Products not found: %s", strings.Join(missing, ", "))
	}
	var total int64
	for _, l := range req.lines {
		total += byID[l.ProductID].PriceCents * l.Qty // at most 100 × (2³¹−1) × 10⁶: no overflow
	}
	if total > MaxTotalCents {
		return Order{}, services.InvalidField("items", "Order total must be at most 2147483647 cents")
	}
	for _, l := range req.lines {
		n, err := tx.Product.Update().
			Where(product.ID(l.ProductID), product.StockGTE(l.Qty)).
			AddStock(-l.Qty).
			Save(ctx)
		if err != nil {
			return Order{}, err
		}
		if n == 0 {
			p := byID[l.ProductID]
			return Order{}, services.Errorf(services.FailedPrecondition, services.CodeInsufficientStock,
				"Insufficient stock for product %s. Available: %d, Requested: %d", p.Name, p.Stock, l.Qty)
		}
	}
	now := s.stamp()
	o := Order{CustomerID: req.customerID, Status: status, CreatedAt: now, Items: make([]Item, len(req.lines))}
	builders := make([]*ent.OrderItemCreate, len(req.lines))
	for i, l := range req.lines {
		p := byID[l.ProductID]
		o.Items[i] = Item{ProductID: p.ID, Qty: l.Qty, UnitPriceCents: p.PriceCents, SubtotalCents: p.PriceCents * l.Qty, ProductName: p.Name, ProductSKU: p.Sku}
		o.TotalCents += o.Items[i].SubtotalCents
	}
	create := tx.Order.Create().
		SetCustomerID(req.customerID).
		SetStatus(order.Status(status)).
		SetTotalCents(o.TotalCents).
		SetCreatedAt(now)
	if status == StatusConfirmed {
		o.ConfirmedAt = &now
		create.SetConfirmedAt(now)
	}
	eo, err := create.Save(ctx)
	if err != nil {
		return Order{}, err
	}
	o.ID = eo.ID
	for i, it := range o.Items {
		builders[i] = tx.OrderItem.Create().
			SetOrderID(o.ID).
			SetProductID(it.ProductID).
			SetQty(it.Qty).
			SetUnitPriceCents(it.UnitPriceCents).
			SetSubtotalCents(it.SubtotalCents)
	}
	items, err := tx.OrderItem.CreateBulk(builders...).Save(ctx)
	if err != nil {
		return Order{}, err
	}
	for i, it := range items {
		o.Items[i].ID, o.Items[i].OrderID = it.ID, o.ID
	}
	return o, nil
}

// GetOrder returns an order with its items.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound, also for
// another customer's order when the principal is a customer.
func (s *Service) GetOrder(ctx context.Context, id int) (Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Order{}, err
	}
	if id < 1 {
		return Order{}, services.InvalidField("id", "Invalid order ID")
	}
	o, err := readOrder(ctx, s.db.Client, p, id)
	return o, storeerr.Wrap(err, "get order")
}

// orderWithItems reads an order joined with its items and their products'
// names and skus, items in id order: one statement, the hot path of every
// order read and of confirm and cancel.
const orderWithItems = `SELECT o.id, o.customer_id, o.status, o.total_cents, o.created_at, o.confirmed_at, o.canceled_at,
	i.id, i.product_id, i.qty, i.unit_price_cents, i.subtotal_cents, p.name, p.sku
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
	)
	for rows.Next() {
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Status, &o.TotalCents, &o.CreatedAt, &confirmed, &canceled,
			&itemID, &prodID, &qty, &unit, &sub, &name, &sku); err != nil {
			return Order{}, err
		}
		found = true
		if itemID.Valid {
			o.Items = append(o.Items, Item{ID: int(itemID.Int64), OrderID: o.ID, ProductID: int(prodID.Int64),
				Qty: qty.Int64, UnitPriceCents: unit.Int64, SubtotalCents: sub.Int64, ProductName: name.String, ProductSKU: sku.String})
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
	return o, nil
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
	After      int
	Limit      int
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
	if p.IsCustomer() {
		q.Where(order.CustomerID(p.CustomerID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return services.Page[Order]{}, storeerr.Wrap(err, "list orders")
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
	q := s.db.Client.Order.Query().Where(order.IDIn(ids...))
	if p.IsCustomer() {
		q.Where(order.CustomerID(p.CustomerID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, storeerr.Wrap(err, "get orders")
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
	customerIDs, err := s.VisibleCustomers(ctx, customerIDs)
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
	args = append(args, after, limit+1)
	firstOrders := sql.ExprP(`id IN (SELECT id FROM (
		SELECT id, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY id) AS n
		FROM orders WHERE customer_id IN (?`+strings.Repeat(", ?", len(customerIDs)-1)+`) AND id > ?
	) AS ranked WHERE n <= ?)`, args...)
	rows, err := s.db.Client.Order.Query().
		Where(func(sel *sql.Selector) { sel.Where(firstOrders) }).
		Order(ent.Asc(order.FieldCustomerID), ent.Asc(order.FieldID)).
		All(ctx)
	if err != nil {
		return nil, storeerr.Wrap(err, "orders by customer")
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
	var only *int
	if p.IsCustomer() {
		only = &p.CustomerID
	}
	items, err := loadItems(ctx, s.db.Client, only, orderIDs...)
	return items, storeerr.Wrap(err, "items by order")
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
		return storeerr.Wrap(err, "load items")
	}
	for i := range os {
		os[i].Items = items[os[i].ID]
	}
	return nil
}

// loadItems reads the items of orders joined with their products' name
// and sku, in one statement. customerID, when set, keeps the items of that
// customer's orders.
func loadItems(ctx context.Context, c *ent.Client, customerID *int, orderIDs ...int) (map[int][]Item, error) {
	var rows []struct {
		ID             int    `sql:"id"`
		OrderID        int    `sql:"order_id"`
		ProductID      int    `sql:"product_id"`
		Qty            int64  `sql:"qty"`
		UnitPriceCents int64  `sql:"unit_price_cents"`
		SubtotalCents  int64  `sql:"subtotal_cents"`
		ProductName    string `sql:"product_name"`
		ProductSKU     string `sql:"product_sku"`
	}
	q := c.OrderItem.Query().Where(orderitem.OrderIDIn(orderIDs...))
	if customerID != nil {
		q.Where(orderitem.HasOrderWith(order.CustomerID(*customerID)))
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

// CancelOrder cancels an order and gives its stock back, exactly once: a
// CANCELED order is returned unchanged. A CONFIRMED order can be cancelled
// only within the cancel window.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound;
// FailedPrecondition (cancel_window_expired).
func (s *Service) CancelOrder(ctx context.Context, id int) (Order, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Order{}, err
	}
	if id < 1 {
		return Order{}, services.InvalidField("id", "Invalid order ID")
	}
	var out Order
	var done effect
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		done = effect{}
		o, err := readOrder(ctx, tx.Client(), p, id)
		if err != nil {
			return err
		}
		was := o.Status
		changed, err := o.Cancel(s.stamp(), s.cfg.CancelWindow)
		if err != nil || !changed {
			out = o
			return err
		}
		done.canceled = true
		if err := s.transition(ctx, tx, &o, was); err != nil {
			return err
		}
		// Items are in id order; give stock back in product-id order like
		// every writer takes it.
		back := slices.Clone(o.Items)
		slices.SortFunc(back, func(a, b Item) int { return a.ProductID - b.ProductID })
		for _, it := range back {
			if _, err := tx.Product.Update().Where(product.ID(it.ProductID)).AddStock(it.Qty).Save(ctx); err != nil {
				return err
			}
		}
		out = o
		return nil
	})
	s.report(done, err)
	return out, err
}

// transition writes o's new status if the stored one is still was; when
// another transaction moved it first, the whole transaction runs again.
func (s *Service) transition(ctx context.Context, tx *ent.Tx, o *Order, was Status) error {
	n, err := tx.Order.Update().
		Where(order.ID(o.ID), order.StatusEQ(order.Status(was))).
		SetStatus(order.Status(o.Status)).
		SetNillableConfirmedAt(o.ConfirmedAt).
		SetNillableCanceledAt(o.CanceledAt).
		Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errRetry
	}
	return nil
}

// maxAttempts bounds how often a call runs its transaction again after
// another transaction changed what it read.
const maxAttempts = 5

// errBusy answers a call whose transaction kept losing races.
var errBusy = services.Errorf(services.Conflict, services.CodeConflict, "The order changed concurrently; try again")

// inTx runs fn in a transaction, again when it asks for a retry, and
// translates what comes out.
func (s *Service) inTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	for range maxAttempts {
		err := s.db.WithTx(ctx, fn)
		if !errors.Is(err, errRetry) {
			return storeerr.Wrap(err, "orders transaction")
		}
	}
	return errBusy
}

func orderFromEnt(o *ent.Order) Order {
	out := Order{
		ID:          o.ID,
		CustomerID:  o.CustomerID,
		Status:      Status(o.Status),
		TotalCents:  o.TotalCents,
		CreatedAt:   o.CreatedAt.UTC(),
		ConfirmedAt: utcPtr(o.ConfirmedAt),
		CanceledAt:  utcPtr(o.CanceledAt),
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func isUnique(err error) bool { return db.IsUniqueViolation(err) }
