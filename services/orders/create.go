package orders

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/product"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
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
		return orderRequest{}, services.InvalidField("customer_id", services.MsgInvalidCustomerID)
	}
	if len(lines) == 0 {
		return orderRequest{}, services.InvalidField("items", services.MsgNoItems)
	}
	qty := make(map[int]int64, len(lines))
	req := orderRequest{customerID: customerID}
	for _, l := range lines {
		if l.ProductID < 1 {
			return orderRequest{}, services.InvalidField("product_id", services.MsgInvalidProductID)
		}
		if l.Qty < 1 {
			return orderRequest{}, services.InvalidField("qty", services.MsgQuantityBelowOne)
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
		return services.ErrPermissionDenied
	}
	ok, err := s.customers.Exists(ctx, customerID)
	if err != nil {
		return storeerr.Classify(err, "check customer")
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
	byID, err := orderedProducts(ctx, tx, req)
	if err != nil {
		return Order{}, err
	}
	if err := s.takeStock(ctx, tx, req, byID); err != nil {
		return Order{}, err
	}
	now := s.stamp()
	o := Order{CustomerID: req.customerID, Status: status, CreatedAt: now, Items: make([]Item, len(req.lines))}
	for i, l := range req.lines {
		p := byID[l.ProductID]
		o.Items[i] = Item{ProductID: p.ID, Qty: l.Qty, UnitPriceCents: p.PriceCents, SubtotalCents: p.PriceCents * l.Qty, ProductName: p.Name, ProductSKU: p.Sku}
		o.TotalCents += o.Items[i].SubtotalCents
	}
	if status == StatusConfirmed {
		o.ConfirmedAt = &now
	}
	if err := insertOrder(ctx, tx, &o); err != nil {
		return Order{}, err
	}
	return o, nil
}

// orderedProducts reads the products of req's lines by id.
// Errors: NotFound naming the ids no product has, in the order requested;
// Invalid when the order's total would pass MaxTotalCents.
func orderedProducts(ctx context.Context, tx *ent.Tx, req orderRequest) (map[int]*ent.Product, error) {
	ids := make([]int, len(req.lines))
	for i, l := range req.lines {
		ids[i] = l.ProductID
	}
	rows, err := tx.Product.Query().Where(product.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
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
		return nil, services.NotFoundf("Products not found: %s", strings.Join(missing, ", "))
	}
	var total int64
	for _, l := range req.lines {
		total += byID[l.ProductID].PriceCents * l.Qty // at most 100 × (2³¹−1) × 10⁶: no overflow
	}
	if total > MaxTotalCents {
		return nil, services.InvalidField("items", "Order total must be at most 2147483647 cents")
	}
	return byID, nil
}

// takeStock takes each line's quantity from its product's stock, in
// product-id order, by an update that applies only while enough is left.
// Errors: FailedPrecondition insufficient_stock, quoting the stock the
// refused update found.
func (s *Service) takeStock(ctx context.Context, tx *ent.Tx, req orderRequest, byID map[int]*ent.Product) error {
	for _, l := range req.lines {
		n, err := tx.Product.Update().
			Where(product.ID(l.ProductID), product.StockGTE(l.Qty)).
			AddStock(-l.Qty).
			Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			// The pre-read's stock may be stale by now: quote what the
			// update just found, read again under the update's lock.
			available, err := s.stockNow(ctx, tx, l.ProductID)
			if err != nil {
				return err
			}
			return services.Errorf(services.FailedPrecondition, services.CodeInsufficientStock,
				"Insufficient stock for product %s. Available: %d, Requested: %d", byID[l.ProductID].Name, available, l.Qty)
		}
	}
	return nil
}

// insertOrder inserts o and its items, and sets the ids the store gave
// them.
func insertOrder(ctx context.Context, tx *ent.Tx, o *Order) error {
	create := tx.Order.Create().
		SetCustomerID(o.CustomerID).
		SetStatus(order.Status(o.Status)).
		SetTotalCents(o.TotalCents).
		SetCreatedAt(o.CreatedAt)
	if o.ConfirmedAt != nil {
		create.SetConfirmedAt(*o.ConfirmedAt)
	}
	eo, err := create.Save(ctx)
	if err != nil {
		return err
	}
	o.ID = eo.ID
	builders := make([]*ent.OrderItemCreate, len(o.Items))
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
		return err
	}
	for i, it := range items {
		o.Items[i].ID, o.Items[i].OrderID = it.ID, o.ID
	}
	return nil
}

// stockNow reads a product's stock as it is, not as the transaction's
// snapshot saw it: on MySQL a plain read in REPEATABLE READ returns the
// snapshot of the transaction's first read, so it is a locking read, FOR
// UPDATE (MariaDB has no FOR SHARE), which costs nothing more: the failed
// conditional update holds the row's exclusive lock already. SQLite's
// transaction holds the database's write lock, so its read is current.
func (s *Service) stockNow(ctx context.Context, tx *ent.Tx, id int) (int64, error) {
	q := tx.Product.Query().Where(product.ID(id))
	if s.db.Dialect == dialect.MySQL {
		q = q.ForUpdate()
	}
	p, err := q.Only(ctx)
	if err != nil {
		return 0, err
	}
	return p.Stock, nil
}
