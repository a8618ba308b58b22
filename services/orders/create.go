package orders

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/customer"
	"github.com/b2b-orders/platform/ent/order"
	"github.com/b2b-orders/platform/ent/pricingstate"
	"github.com/b2b-orders/platform/ent/product"
	"github.com/b2b-orders/platform/ent/spendinglimit"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// orderRequest is a parsed order: merged lines in product-id order (the
// order rows are locked in) and the ids in the order the caller gave them.
type orderRequest struct {
	customerID int
	lines      []Line
	requested  []int
	// location is the location the order ships to, if any.
	location *int
	// poNumber is the buyer's purchase-order number, trimmed, if any.
	poNumber *string
	// member and role are who places it, for spending limits and approval
	// rules: the member (0 for a caller that is none) and its role in the
	// customer ("" for staff and services).
	member int
	role   services.MemberRole
}

// parseOrder validates and normalises an order.
// Errors: Invalid with the contract's messages.
func parseOrder(customerID int, lines []Line, location *int, poNumber *string) (orderRequest, error) {
	if customerID < 1 {
		return orderRequest{}, services.InvalidField("customer_id", services.MsgInvalidCustomerID)
	}
	if location != nil && *location < 1 {
		return orderRequest{}, services.InvalidField("location_id", "Invalid location ID")
	}
	if poNumber != nil {
		po, err := services.CheckPONumber(*poNumber)
		if err != nil {
			return orderRequest{}, err
		}
		poNumber = &po
	}
	if len(lines) == 0 {
		return orderRequest{}, services.InvalidField("items", services.MsgNoItems)
	}
	qty := make(map[int]int64, len(lines))
	req := orderRequest{customerID: customerID, location: location, poNumber: poNumber}
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

// orderFor checks that p may order for req's customer at req's location,
// and gives a principal limited to one location that location when req
// names none.
// Errors: PermissionDenied for another customer, or a member who may not
// order; Invalid (location_required) from a member limited to several
// locations naming none; NotFound "Location not found" for a location
// outside the member's limit.
func orderFor(p services.Principal, req *orderRequest) error {
	if !p.CanOrderFor(req.customerID) {
		return services.ErrPermissionDenied
	}
	req.member, req.role = p.MemberID, p.AccessIn()
	if req.location == nil && len(p.Locations) == 1 {
		req.location = &p.Locations[0]
	}
	if req.location == nil && p.Locations != nil {
		return &services.Error{Kind: services.Invalid, Code: services.CodeLocationRequired, Field: "location_id",
			Message: "location_id is required: the caller orders for some locations only"}
	}
	if !p.AtLocation(req.location) {
		return errLocationNotFound
	}
	return nil
}

// authorizeOrder checks that the caller may order for the customer and,
// unless the order's insert checks it (Config.LiveCustomerInInsert), that
// the customer is live. It runs before any transaction, because the
// directory may be a remote call.
func (s *Service) authorizeOrder(ctx context.Context, req *orderRequest) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if err := orderFor(p, req); err != nil {
		return err
	}
	customerID := req.customerID
	if s.cfg.LiveCustomerInInsert {
		return nil
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

// CreateOrderInput is an order to place in state CREATED.
type CreateOrderInput struct {
	CustomerID int
	Lines      []Line
	// LocationID names the customer's location the order ships to.
	LocationID *int
	// PONumber is the buyer's purchase-order number.
	PONumber *string
	// IdempotencyKey, when not nil, makes a retry of the same request
	// answer with the first order instead of placing another; an empty
	// key is refused, like a missing one where a key is required.
	IdempotencyKey *string
}

// CreateOrder places an order in state CREATED and takes its stock.
// Duplicate product lines are merged; unit prices are those of now. Under
// an idempotency key (REST's Idempotency-Key, the graph's idempotencyKey)
// a retry of a request whose answer was lost, with the same key and
// request, answers with the first order and places no other, also when
// the calls race.
// Errors: Unauthenticated; PermissionDenied when a customer principal
// orders for another customer; Invalid; NotFound ("Customer not found or
// inactive", "Products not found: 3, 9"); FailedPrecondition
// (insufficient_stock); Invalid (a key that is empty or too long);
// Conflict (idempotency_key_reused, when the key guarded another request).
func (s *Service) CreateOrder(ctx context.Context, in CreateOrderInput) (Order, error) {
	if in.IdempotencyKey != nil {
		keyed := CreateAndConfirmInput{CustomerID: in.CustomerID, Lines: in.Lines, LocationID: in.LocationID, PONumber: in.PONumber,
			IdempotencyKey: *in.IdempotencyKey}
		return s.placeUnderKey(ctx, keyed, StatusCreated, opCreateOrder)
	}
	req, err := parseOrder(in.CustomerID, in.Lines, in.LocationID, in.PONumber)
	if err != nil {
		return Order{}, err
	}
	if err := s.authorizeOrder(ctx, &req); err != nil {
		return Order{}, err
	}
	by, err := actorOf(ctx)
	if err != nil {
		return Order{}, err
	}
	var out Order
	err = s.inTx(ctx, func(tx *ent.Tx) error {
		out, err = s.place(ctx, tx, req, StatusCreated, by)
		return err
	})
	s.report(effect{created: true}, err)
	return out, err
}

// place writes an order in the given state — or PENDING_APPROVAL when
// the customer's approval rules ask for it — and takes its stock, its
// buyer's spend and, for a confirmed order, its customer's credit, in as
// few statements as the guarantees allow: the live customer's order
// settings (with whether it has spending limits and approval rules) and
// the products are read in one statement (an unknown customer is
// reported before unknown products, as the directory check before the
// transaction reports it); the buyer's limit, its spend and the rules
// cost a statement each only for a customer that has them, the credit one
// for a confirmed order; the order is inserted
// (checking again, with Config.LiveCustomerInInsert, that its customer is
// live), the stock of every line is taken by one conditional update, and
// the items are inserted. The update locks the products in id order, so
// two orders never wait on each other in opposite order; the counters
// come before the order's insert, whose foreign key share-locks the
// customer's row that the credit update locks exclusively.
func (s *Service) place(ctx context.Context, tx *ent.Tx, req orderRequest, status Status, by services.Actor) (Order, error) {
	byID, settings, err := s.orderedProducts(ctx, tx, req)
	if err != nil {
		return Order{}, err
	}
	if req.poNumber == nil && settings.poRequired {
		return Order{}, &services.Error{Kind: services.Invalid, Code: services.CodePONumberRequired, Field: "po_number",
			Message: "po_number is required: the customer requires a PO number on every order"}
	}
	now := s.stamp()
	o := Order{CustomerID: req.customerID, Status: status, CreatedAt: now, Items: make([]Item, len(req.lines)),
		LocationID: req.location, PlacedBy: &by, PONumber: req.poNumber, PaymentTerms: settings.terms, Currency: s.cfg.Currency}
	if settings.poUnique {
		o.poUniqueKey = req.poNumber
	}
	if req.location != nil {
		// Read in the order's transaction: the copy is the address as
		// it is when the order commits.
		if o.ShipTo, err = accounts.ShipTo(ctx, tx, req.customerID, *req.location); err != nil {
			return Order{}, err
		}
	}
	// Each line's price, from the lists as this transaction sees them.
	lists, err := s.priceLists(ctx, tx, settings.pricingVersion)
	if err != nil {
		return Order{}, err
	}
	for i, l := range req.lines {
		p := byID[l.ProductID]
		price, err := ResolvePrice(lists.of(p.ID), PriceQuery{CustomerID: req.customerID, Currency: o.Currency, At: now,
			ProductID: p.ID, Qty: l.Qty, Own: &p.PriceCents, OwnRule: ruleOf(p)})
		if err != nil {
			return Order{}, err
		}
		o.Items[i] = Item{ProductID: p.ID, Qty: l.Qty, UnitPriceCents: price.UnitPriceCents, SubtotalCents: price.UnitPriceCents * l.Qty,
			ProductName: p.Name, ProductSKU: p.Sku, PriceListID: price.ListID, PriceMinQty: price.MinQty}
		o.TotalCents += o.Items[i].SubtotalCents
	}
	// The sum cannot overflow: at most 100 × (2³¹−1) × 10⁶.
	if o.TotalCents > MaxTotalCents {
		return Order{}, services.InvalidField("items", fmt.Sprintf("Order total must be at most %d cents", MaxTotalCents))
	}
	events, err := s.govern(ctx, tx, req, settings, &o, now)
	if err != nil {
		return Order{}, err
	}
	if o.Status == StatusConfirmed {
		o.ConfirmedAt, o.ConfirmedBy = &now, &by
		if err := s.takeCreditFor(ctx, tx, &o); err != nil {
			return Order{}, err
		}
	}
	o.seq = len(events)
	if err := s.insertOrder(ctx, tx, &o); err != nil {
		return Order{}, err
	}
	if err := s.takeStock(ctx, tx, req, byID); err != nil {
		return Order{}, err
	}
	if err := insertItems(ctx, tx, &o); err != nil {
		return Order{}, err
	}
	// Its events, in its transaction (the outbox).
	o.seq = 0
	if err := writeEvents(ctx, tx, &o, now, by, "", events...); err != nil {
		return Order{}, err
	}
	return o, nil
}

// govern applies the customer's spending limit and approval rules to o,
// about to be placed in o.Status: it takes the buyer's spend, routes o to
// approval when a rule asks for it, and returns the events placing o
// makes.
// Errors: Conflict (spending_limit_exceeded).
func (s *Service) govern(ctx context.Context, tx *ent.Tx, req orderRequest, settings orderSettings, o *Order, now time.Time) ([]string, error) {
	over := false
	var limit *spendLimit
	if settings.hasLimits && req.member != 0 {
		var err error
		if limit, err = s.buyerLimit(ctx, tx, req, settings.governanceVersion); err != nil {
			return nil, err
		}
	}
	if l := limit; l != nil {
		if l.period == services.PeriodNone {
			over = o.TotalCents > l.cents
		} else if o.TotalCents > 0 {
			ref := spendRef{member: req.member, period: s.spendPeriod(l.period, now, settings.timeZone)}
			took, err := s.takeSpend(ctx, tx, req.customerID, ref, o.TotalCents, l.cents, true)
			if err != nil {
				return nil, err
			}
			if !took {
				over = true
				if settings.hasRules {
					// Routed to approval (checked below), the order
					// still counts against the buyer's spend.
					if _, err := s.takeSpend(ctx, tx, req.customerID, ref, o.TotalCents, l.cents, false); err != nil {
						return nil, err
					}
				}
			}
			o.spend = &ref
		}
	}
	var roles []services.MemberRole
	if settings.hasRules {
		rules, err := s.approvalRules(ctx, tx, req.customerID, settings.governanceVersion)
		if err != nil {
			return nil, err
		}
		if roles, err = approvalFor(rules, o.TotalCents, req.role, over); err != nil {
			return nil, err
		}
	} else if over {
		return nil, errSpendingLimit
	}
	if len(roles) == 0 {
		if o.Status == StatusConfirmed {
			return []string{EventCreated, EventConfirmed}, nil
		}
		return []string{EventCreated}, nil
	}
	expires := now.Add(s.cfg.ApprovalTTL)
	o.ConfirmOnApproval = o.Status == StatusConfirmed
	o.Status, o.ApprovalRoles, o.ApprovalExpiresAt = StatusPendingApproval, roles, &expires
	return []string{EventCreated, EventApprovalRequested}, nil
}

// orderSettings are the customer's settings an order follows.
type orderSettings struct {
	poRequired, poUnique bool
	terms                *services.PaymentTerms
	// The governance it applies: the customer's time zone, whether it
	// has spending limits and approval rules, and the version of those.
	timeZone            string
	hasLimits, hasRules bool
	governanceVersion   int64
	// pricingVersion is the price lists' version (pricing_state).
	pricingVersion int64
}

// orderedProducts reads, in one statement, the customer's order settings
// and the products of req's lines by id: the live customer joined with
// the products, so that no row means no live customer, and a row without
// a product a customer with none of them.
// Errors: NotFound ("Customer not found or inactive"; then the ids no
// product has, in the order requested).
func (s *Service) orderedProducts(ctx context.Context, tx *ent.Tx, req orderRequest) (map[int]*ent.Product, orderSettings, error) {
	args := make([]any, 0, len(req.lines)+1)
	for _, l := range req.lines {
		args = append(args, l.ProductID)
	}
	args = append(args, req.customerID)
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(customerWithProducts, "?"+strings.Repeat(", ?", len(req.lines)-1)), args...)
	if err != nil {
		return nil, orderSettings{}, err
	}
	defer rows.Close()
	var (
		settings orderSettings
		found    bool
		byID     = make(map[int]*ent.Product, len(req.lines))
	)
	for rows.Next() {
		var (
			terms                stdsql.NullString
			id, price            stdsql.NullInt64
			minQty, maxQty, step stdsql.NullInt64
			name, sku            stdsql.NullString
			required, uniq       bool
		)
		if err := rows.Scan(&required, &uniq, &terms, &settings.timeZone, &settings.hasLimits, &settings.hasRules,
			&settings.governanceVersion, &settings.pricingVersion, &id, &price, &name, &sku, &minQty, &maxQty, &step); err != nil {
			return nil, orderSettings{}, err
		}
		found = true
		settings.poRequired, settings.poUnique = required, uniq
		if terms.Valid {
			t := services.PaymentTerms(terms.String)
			settings.terms = &t
		}
		if id.Valid {
			byID[int(id.Int64)] = &ent.Product{ID: int(id.Int64), PriceCents: price.Int64, Name: name.String, Sku: sku.String,
				MinQty: minQty.Int64, MaxQty: maxQty.Int64, QtyIncrement: step.Int64}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, orderSettings{}, err
	}
	if !found {
		return nil, orderSettings{}, errCustomerUnknown
	}
	if len(byID) < len(req.lines) {
		var missing []string
		for _, id := range req.requested {
			if byID[id] == nil {
				missing = append(missing, strconv.Itoa(id))
			}
		}
		return nil, orderSettings{}, services.NotFoundf("Products not found: %s", strings.Join(missing, ", "))
	}
	return byID, settings, nil
}

// customerWithProducts reads a live customer's order settings — with
// whether it has spending limits and approval rules, which are read only
// then, and their version — and the price lists' version, joined with the products among ids (%s: their placeholders).
var customerWithProducts = "SELECT c." + customer.FieldPoNumberRequired + ", c." + customer.FieldPoNumberUnique + ", c." + customer.FieldPaymentTerms +
	", c." + customer.FieldTimeZone + ", c." + customer.FieldHasSpendingLimits + ", c." + customer.FieldHasApprovalRules +
	", c." + customer.FieldGovernanceVersion + ", ps." + pricingstate.FieldVersion +
	", p." + product.FieldID + ", p." + product.FieldPriceCents + ", p." + product.FieldName + ", p." + product.FieldSku +
	", p." + product.FieldMinQty + ", p." + product.FieldMaxQty + ", p." + product.FieldQtyIncrement +
	" FROM " + customer.Table + " c JOIN " + pricingstate.Table + " ps ON ps." + pricingstate.FieldID + " = 1" +
	" LEFT JOIN " + product.Table + " p ON p." + product.FieldID + " IN (%s)" +
	" WHERE c." + customer.FieldID + " = ? AND c." + customer.FieldDeletedAt + " IS NULL"

// limitOfMember reads the spending limit that applies to a member of a
// customer: its own, else its role's.
var limitOfMember = "SELECT " + spendinglimit.FieldPeriod + ", " + spendinglimit.FieldAmountCents + " FROM " + spendinglimit.Table +
	" WHERE " + spendinglimit.FieldCustomerID + " = ? AND (" + spendinglimit.FieldMemberID + " = ? OR " +
	spendinglimit.FieldMemberID + " IS NULL AND " + spendinglimit.FieldRole + " = ?) ORDER BY " + spendinglimit.FieldMemberID + " IS NULL LIMIT 1"

// buyerLimit is the spending limit of req's buyer, nil for none: as last
// read at the customer's governance version, else read in tx.
func (s *Service) buyerLimit(ctx context.Context, tx *ent.Tx, req orderRequest, version int64) (*spendLimit, error) {
	key := limitKey{customer: req.customerID, member: req.member, role: req.role}
	if l, ok := s.governance.limit(key, version); ok {
		return l, nil
	}
	l, err := readBuyerLimit(ctx, tx, req)
	if err != nil {
		return nil, err
	}
	s.governance.putLimit(key, version, l)
	return l, nil
}

// readBuyerLimit reads the spending limit of req's buyer, nil for none.
func readBuyerLimit(ctx context.Context, tx *ent.Tx, req orderRequest) (*spendLimit, error) {
	rows, err := tx.QueryContext(ctx, limitOfMember, req.customerID, req.member, string(req.role))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var l spendLimit
	if err := rows.Scan((*string)(&l.period), &l.cents); err != nil {
		return nil, err
	}
	return &l, rows.Err()
}

// takeStock takes every line's quantity from its product's stock in one
// update, which applies to a product only while enough is left; fewer
// rows than lines means some line found too little.
// Errors: FailedPrecondition insufficient_stock, naming the first such
// line in product-id order and quoting the stock it found.
func (s *Service) takeStock(ctx context.Context, tx *ent.Tx, req orderRequest, byID map[int]*ent.Product) error {
	query, args := takeStockSQL(req.lines)
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if int(n) == len(req.lines) {
		return nil
	}
	for _, l := range req.lines {
		// The pre-read's stock may be stale by now: quote what is there,
		// read again under the update's lock.
		available, err := s.stockNow(ctx, tx, l.ProductID)
		if err != nil {
			return err
		}
		if available < l.Qty {
			return services.Errorf(services.FailedPrecondition, services.CodeInsufficientStock,
				"Insufficient stock for product %s. Available: %d, Requested: %d", byID[l.ProductID].Name, available, l.Qty)
		}
	}
	// Every line has enough now, though the update found otherwise: the
	// stock changed in between. Run the transaction again.
	return errRetry
}

// The statements of the write path that ent cannot express, built from
// ent's generated table and column names, so that they follow a rename.
var (
	// takeStockPrefix and the CASE of takeStockSQL: stock = stock - qty
	// for each line's product, where stock >= qty.
	takeStockPrefix = "UPDATE " + product.Table + " SET " + product.FieldStock + " = " + product.FieldStock + " - CASE " + product.FieldID
	// insertOrderOfLiveCustomer inserts an order only if its customer is
	// live; no row inserted means it is not.
	insertOrderOfLiveCustomer = "INSERT INTO " + order.Table + " (" + order.FieldCustomerID + ", " + order.FieldStatus + ", " +
		order.FieldTotalCents + ", " + order.FieldCreatedAt + ", " + order.FieldConfirmedAt + ", " +
		order.FieldLocationID + ", " + order.FieldShipTo + ", " + order.FieldPlacedBy + ", " + order.FieldConfirmedBy + ", " +
		order.FieldPoNumber + ", " + order.FieldPoUniqueKey + ", " + order.FieldPaymentTerms + ", " + order.FieldEventSeq + ", " +
		order.FieldApprovalRoles + ", " + order.FieldConfirmOnApproval + ", " + order.FieldApprovalExpiresAt + ", " +
		order.FieldSpendMemberID + ", " + order.FieldSpendPeriod + ", " + order.FieldCurrency + ") SELECT " + customer.FieldID +
		", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM " + customer.Table + " WHERE " + customer.FieldID + " = ? AND " + customer.FieldDeletedAt + " IS NULL"
)

// takeStockSQL is the one update that takes the stock of lines, which are
// in product-id order and name each product once.
func takeStockSQL(lines []Line) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 5*len(lines))
	cases := func() {
		for _, l := range lines {
			b.WriteString(" WHEN ? THEN ?")
			args = append(args, l.ProductID, l.Qty)
		}
		b.WriteString(" END")
	}
	b.WriteString(takeStockPrefix)
	cases()
	b.WriteString(" WHERE " + product.FieldID + " IN (")
	for i, l := range lines {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, l.ProductID)
	}
	b.WriteString(") AND " + product.FieldStock + " >= CASE " + product.FieldID)
	cases()
	return b.String(), args
}

// insertOrder inserts o and sets the id the store gave it; with
// Config.LiveCustomerInInsert, only if its customer is live.
// Errors: NotFound ("Customer not found or inactive").
func (s *Service) insertOrder(ctx context.Context, tx *ent.Tx, o *Order) error {
	if s.cfg.LiveCustomerInInsert {
		var confirmed, location, expires, spender, period any
		if o.ConfirmedAt != nil {
			confirmed = *o.ConfirmedAt
		}
		if o.LocationID != nil {
			location = *o.LocationID
		}
		if o.ApprovalExpiresAt != nil {
			expires = *o.ApprovalExpiresAt
		}
		if o.spend != nil {
			spender, period = o.spend.member, o.spend.period
		}
		res, err := tx.ExecContext(ctx, insertOrderOfLiveCustomer, string(o.Status), o.TotalCents, o.CreatedAt, confirmed,
			location, nullable(shipToJSON(o.ShipTo)), nullable(actorString(o.PlacedBy)), nullable(actorString(o.ConfirmedBy)),
			nullable(o.PONumber), nullable(o.poUniqueKey), nullable((*string)(o.PaymentTerms)), o.seq,
			nullable(approvalRolesString(o.ApprovalRoles)), o.ConfirmOnApproval, expires, spender, period, o.Currency, o.CustomerID)
		if err != nil {
			return poTaken(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errCustomerUnknown
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		o.ID = int(id)
		return nil
	}
	create := tx.Order.Create().
		SetCustomerID(o.CustomerID).
		SetStatus(order.Status(o.Status)).
		SetTotalCents(o.TotalCents).
		SetCreatedAt(o.CreatedAt)
	if o.ConfirmedAt != nil {
		create.SetConfirmedAt(*o.ConfirmedAt)
	}
	create.SetNillableLocationID(o.LocationID).SetNillablePlacedBy(actorString(o.PlacedBy)).
		SetNillableConfirmedBy(actorString(o.ConfirmedBy)).SetNillablePoNumber(o.PONumber).SetNillablePoUniqueKey(o.poUniqueKey).
		SetNillableShipTo(shipToJSON(o.ShipTo)).SetNillablePaymentTerms((*string)(o.PaymentTerms)).
		SetEventSeq(o.seq).SetNillableApprovalRoles(approvalRolesString(o.ApprovalRoles)).SetConfirmOnApproval(o.ConfirmOnApproval).
		SetNillableApprovalExpiresAt(o.ApprovalExpiresAt).SetCurrency(o.Currency)
	if o.spend != nil {
		create.SetSpendMemberID(o.spend.member).SetSpendPeriod(o.spend.period)
	}
	eo, err := create.Save(ctx)
	if err != nil {
		return poTaken(err)
	}
	o.ID = eo.ID
	return nil
}

// poTaken turns a duplicate key from an order's insert into its one
// meaning: the only unique index an order's insert can meet is the PO
// number's (customer_id, po_unique_key), the id being the store's.
func poTaken(err error) error {
	if isUnique(err) {
		return services.Errorf(services.Conflict, services.CodePONumberTaken,
			"PO number already used by another order of this customer")
	}
	return err
}

// shipToJSON is the address as the order stores it, nil for none.
func shipToJSON(a *accounts.Address) *string {
	if a == nil {
		return nil
	}
	s := a.JSON()
	return &s
}

// nullable is s for a nullable column.
func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// insertItems inserts o's items in one statement and sets their ids.
func insertItems(ctx context.Context, tx *ent.Tx, o *Order) error {
	builders := make([]*ent.OrderItemCreate, len(o.Items))
	for i, it := range o.Items {
		builders[i] = tx.OrderItem.Create().
			SetOrderID(o.ID).
			SetProductID(it.ProductID).
			SetQty(it.Qty).
			SetUnitPriceCents(it.UnitPriceCents).
			SetSubtotalCents(it.SubtotalCents).
			SetNillablePriceListID(it.PriceListID).
			SetNillablePriceMinQty(it.PriceMinQty)
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
