package orders_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/internal/servicetest"
	"github.com/b2b-orders/platform/services/orders"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	db        *db.DB
	clock     *servicetest.Clock
	customers *customers.Service
	orders    *orders.Service
	ctx       context.Context
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store := dbtest.Open(t)
	clock := servicetest.NewClock(start)
	cs := customers.New(store, customers.Config{Now: clock.Now})
	return &fixture{
		db:        store,
		clock:     clock,
		customers: cs,
		orders:    orders.New(store, cs, orders.Config{Now: clock.Now, LiveCustomerInInsert: true}),
		ctx:       servicetest.Admin(),
	}
}

func (f *fixture) customer(t testing.TB, email string) int {
	t.Helper()
	c, err := f.customers.Create(f.ctx, customers.CreateInput{Name: "Customer " + email, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (f *fixture) product(t testing.TB, sku string, price, stock int64) int {
	t.Helper()
	p, err := f.orders.CreateProduct(f.ctx, orders.CreateProductInput{SKU: sku, Name: "Product " + sku, PriceCents: price, Stock: stock})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func (f *fixture) stock(t *testing.T, id int) int64 {
	t.Helper()
	p, err := f.orders.GetProduct(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Stock
}

func wantErr(t *testing.T, err error, kind services.Kind, msg string) {
	t.Helper()
	var se *services.Error
	if !errors.As(err, &se) {
		t.Fatalf("error = %v, want a services.Error %v %q", err, kind, msg)
	}
	if se.Kind != kind || se.Message != msg {
		t.Fatalf("error = %v %q, want %v %q", se.Kind, se.Message, kind, msg)
	}
}

func TestProducts(t *testing.T) {
	f := newFixture(t)
	p, err := f.orders.CreateProduct(f.ctx, orders.CreateProductInput{SKU: "LAPTOP-001", Name: "Laptop", PriceCents: 129900, Stock: 50})
	if err != nil || p.ID < 1 || p.Stock != 50 || !p.CreatedAt.Equal(start) {
		t.Fatalf("create = %+v, %v", p, err)
	}
	_, err = f.orders.CreateProduct(f.ctx, orders.CreateProductInput{SKU: "LAPTOP-001", Name: "Again", PriceCents: 1})
	wantErr(t, err, services.Conflict, "SKU already exists")
	for _, tc := range []struct {
		in  orders.CreateProductInput
		msg string
	}{
		{orders.CreateProductInput{SKU: "", Name: "x"}, "SKU is required"},
		{orders.CreateProductInput{SKU: "A", Name: ""}, "Name is required"},
		{orders.CreateProductInput{SKU: "A", Name: "x", PriceCents: -1}, "Price must be non-negative"},
		{orders.CreateProductInput{SKU: "A", Name: "x", Stock: -1}, "Stock must be non-negative"},
		{orders.CreateProductInput{SKU: "A", Name: "x", PriceCents: 1 << 40}, "Price must be at most 2147483647"},
	} {
		_, err := f.orders.CreateProduct(f.ctx, tc.in)
		wantErr(t, err, services.Invalid, tc.msg)
	}
	newName, newStock := "Pro Laptop", int64(7)
	up, err := f.orders.UpdateProduct(f.ctx, p.ID, orders.UpdateProductInput{Name: &newName, Stock: &newStock})
	if err != nil || up.Name != newName || up.Stock != 7 || up.SKU != "LAPTOP-001" {
		t.Fatalf("update = %+v, %v", up, err)
	}
	_, err = f.orders.UpdateProduct(f.ctx, p.ID, orders.UpdateProductInput{})
	wantErr(t, err, services.Invalid, "At least one field must be provided for update")
	_, err = f.orders.UpdateProduct(f.ctx, 999, orders.UpdateProductInput{Name: &newName})
	wantErr(t, err, services.NotFound, "Product not found")
	_, err = f.orders.GetProduct(f.ctx, 999)
	wantErr(t, err, services.NotFound, "Product not found")
	_, err = f.orders.GetProduct(f.ctx, -1)
	wantErr(t, err, services.Invalid, "Invalid product ID")

	f.product(t, "MOUSE-001", 2599, 200)
	f.product(t, "MOUSEPAD-001", 1999, 300)
	page, err := f.orders.ListProducts(f.ctx, orders.ListProductsParams{Search: "mouse", After: 0, Limit: 1})
	if err != nil || len(page.Items) != 1 || !page.HasMore {
		t.Fatalf("search page 1 = %+v, %v", page, err)
	}
	// The search stays grouped with the cursor: the laptop (id below the
	// cursor, name not matching) never reappears.
	page, err = f.orders.ListProducts(f.ctx, orders.ListProductsParams{Search: "MOUSE", After: page.Items[0].ID})
	if err != nil || len(page.Items) != 1 || page.HasMore || page.Items[0].SKU != "MOUSEPAD-001" {
		t.Fatalf("search page 2 = %+v, %v", page, err)
	}
	_, err = f.orders.CreateProduct(servicetest.As(services.RoleCustomer, 1), orders.CreateProductInput{SKU: "B", Name: "b"})
	wantErr(t, err, services.PermissionDenied, "Permission denied")
}

func TestCreateOrder(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "ops@acme.com")
	laptop := f.product(t, "LAPTOP-001", 129900, 50)
	mouse := f.product(t, "MOUSE-001", 2599, 200)

	o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: mouse, Qty: 2}, {ProductID: laptop, Qty: 1}, {ProductID: mouse, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.StatusCreated || o.CustomerID != c || o.TotalCents != 129900+3*2599 || len(o.Items) != 2 {
		t.Fatalf("order = %+v", o)
	}
	if it := o.Items[1]; it.ProductID != mouse || it.Qty != 3 || it.UnitPriceCents != 2599 || it.SubtotalCents != 3*2599 || it.ProductName != "Product MOUSE-001" {
		t.Fatalf("merged line = %+v", it)
	}
	if f.stock(t, laptop) != 49 || f.stock(t, mouse) != 197 {
		t.Fatalf("stock = %d, %d", f.stock(t, laptop), f.stock(t, mouse))
	}
	// The unit price is a snapshot: a later price change leaves the order alone.
	price := int64(1)
	if _, err := f.orders.UpdateProduct(f.ctx, laptop, orders.UpdateProductInput{PriceCents: &price}); err != nil {
		t.Fatal(err)
	}
	got, err := f.orders.GetOrder(f.ctx, o.ID)
	if err != nil || got.TotalCents != o.TotalCents || got.Items[0].UnitPriceCents != 129900 || got.Items[0].ProductSKU != "LAPTOP-001" {
		t.Fatalf("read back = %+v, %v", got, err)
	}
	if !got.CreatedAt.Equal(start) || got.Items[0].ID != o.Items[0].ID {
		t.Fatalf("read back %+v, created %+v", got, o)
	}
}

func TestCreateOrderErrors(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "ops@acme.com")
	gone := f.customer(t, "gone@acme.com")
	if err := f.customers.Delete(f.ctx, gone); err != nil {
		t.Fatal(err)
	}
	a := f.product(t, "A", 100, 5)
	b := f.product(t, "B", 200, 1)
	dear := f.product(t, "D", orders.MaxTotalCents, 3)
	cases := []struct {
		name     string
		customer int
		lines    []orders.Line
		kind     services.Kind
		msg      string
	}{
		{"no items", c, nil, services.Invalid, "At least one item is required"},
		{"zero qty", c, []orders.Line{{ProductID: a, Qty: 0}}, services.Invalid, "Quantity must be at least 1"},
		{"huge qty", c, []orders.Line{{ProductID: a, Qty: 1 << 62}}, services.Invalid, "Quantity must be at most 1000000"},
		{"bad customer id", 0, []orders.Line{{ProductID: a, Qty: 1}}, services.Invalid, "Invalid customer ID"},
		{"unknown customer", 999, []orders.Line{{ProductID: a, Qty: 1}}, services.NotFound, "Customer not found or inactive"},
		{"deleted customer", gone, []orders.Line{{ProductID: a, Qty: 1}}, services.NotFound, "Customer not found or inactive"},
		{"unknown products", c, []orders.Line{{ProductID: 999, Qty: 1}, {ProductID: a, Qty: 1}, {ProductID: 998, Qty: 1}}, services.NotFound, "Products not found: 999, 998"},
		{"a total past 32 bits", c, []orders.Line{{ProductID: dear, Qty: 2}}, services.Invalid, "Order total must be at most 2147483647 cents"},
		{"a total past 32 bits over lines", c, []orders.Line{{ProductID: dear, Qty: 1}, {ProductID: a, Qty: 1}}, services.Invalid, "Order total must be at most 2147483647 cents"},
		{"insufficient", c, []orders.Line{{ProductID: a, Qty: 2}, {ProductID: b, Qty: 2}}, services.FailedPrecondition, "Insufficient stock for product Product B. Available: 1, Requested: 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: tc.customer, Lines: tc.lines})
			wantErr(t, err, tc.kind, tc.msg)
		})
	}
	// The failed order took nothing, not even the line that fitted.
	if f.stock(t, a) != 5 || f.stock(t, b) != 1 || f.stock(t, dear) != 3 {
		t.Fatalf("stock after failures = %d, %d, %d", f.stock(t, a), f.stock(t, b), f.stock(t, dear))
	}
	// The largest total that fits is accepted.
	if o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: dear, Qty: 1}}}); err != nil || o.TotalCents != orders.MaxTotalCents {
		t.Fatalf("an order of exactly the maximum: %+v, %v", o, err)
	}
	var se *services.Error
	_, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: b, Qty: 9}}})
	if !errors.As(err, &se) || se.Code != services.CodeInsufficientStock {
		t.Fatalf("insufficient stock code = %v", err)
	}
}

func TestCustomerPrincipal(t *testing.T) {
	f := newFixture(t)
	mine, theirs := f.customer(t, "me@a.com"), f.customer(t, "them@b.com")
	p := f.product(t, "P", 100, 100)
	theirOrder, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: theirs, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	me := servicetest.As(services.RoleCustomer, mine)
	myOrder, err := f.orders.CreateOrder(me, orders.CreateOrderInput{CustomerID: mine, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.orders.CreateOrder(me, orders.CreateOrderInput{CustomerID: theirs, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	wantErr(t, err, services.PermissionDenied, "Permission denied")
	_, err = f.orders.GetOrder(me, theirOrder.ID)
	wantErr(t, err, services.NotFound, "Order not found")
	_, err = f.orders.CancelOrder(me, theirOrder.ID)
	wantErr(t, err, services.NotFound, "Order not found")
	_, err = f.orders.ConfirmOrder(me, theirOrder.ID, "k1")
	wantErr(t, err, services.NotFound, "Order not found")
	page, err := f.orders.ListOrders(me, orders.ListOrdersParams{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != myOrder.ID {
		t.Fatalf("list as customer = %+v, %v", page, err)
	}
	got, err := f.orders.GetOrders(me, []int{myOrder.ID, theirOrder.ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("GetOrders as customer = %+v, %v", got, err)
	}
	items, err := f.orders.ItemsByOrder(me, []int{myOrder.ID, theirOrder.ID})
	if err != nil || len(items) != 1 || len(items[myOrder.ID]) != 1 {
		t.Fatalf("ItemsByOrder as customer = %+v, %v", items, err)
	}
	_, err = f.orders.GetOrder(context.Background(), myOrder.ID)
	wantErr(t, err, services.Unauthenticated, "Authentication required")
}

func TestConfirm(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "c@c.com")
	p := f.product(t, "P", 100, 100)
	place := func() orders.Order {
		o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	o := place()
	_, err := f.orders.ConfirmOrder(f.ctx, o.ID, "")
	wantErr(t, err, services.Invalid, "Idempotency key is required")
	got, err := f.orders.ConfirmOrder(f.ctx, o.ID, "key-1")
	if err != nil || got.Status != orders.StatusConfirmed || got.ConfirmedAt == nil || len(got.Items) != 1 {
		t.Fatalf("confirm = %+v, %v", got, err)
	}
	f.clock.Advance(time.Minute)
	again, err := f.orders.ConfirmOrder(f.ctx, o.ID, "key-1")
	if err != nil || again.Status != orders.StatusConfirmed || !again.ConfirmedAt.Equal(*got.ConfirmedAt) {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	// An already confirmed order with a new key: 200, unchanged.
	if again, err = f.orders.ConfirmOrder(f.ctx, o.ID, "key-2"); err != nil || !again.ConfirmedAt.Equal(*got.ConfirmedAt) {
		t.Fatalf("new key on confirmed = %+v, %v", again, err)
	}
	other := place()
	_, err = f.orders.ConfirmOrder(f.ctx, other.ID, "key-1")
	wantErr(t, err, services.Conflict, "Idempotency key already used for different operation")
	var se *services.Error
	if errors.As(err, &se); se.Code != services.CodeKeyReused {
		t.Fatalf("code = %s", se.Code)
	}
	if _, err := f.orders.CancelOrder(f.ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.orders.ConfirmOrder(f.ctx, other.ID, "key-3")
	wantErr(t, err, services.FailedPrecondition, "Order cannot be confirmed. Current status: CANCELED")
	// The failed confirm left no key behind: key-3 is still free.
	third := place()
	if _, err := f.orders.ConfirmOrder(f.ctx, third.ID, "key-3"); err != nil {
		t.Fatalf("key of a failed confirm reused: %v", err)
	}
	_, err = f.orders.ConfirmOrder(f.ctx, 999, "key-4")
	wantErr(t, err, services.NotFound, "Order not found")
	// After the key expires it may guard something else.
	f.clock.Advance(25 * time.Hour)
	if _, err := f.orders.ConfirmOrder(f.ctx, other.ID+1, "key-1"); err != nil {
		t.Fatalf("expired key reused: %v", err)
	}
}

func TestCancel(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "c@c.com")
	p := f.product(t, "P", 100, 10)
	o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 4}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.orders.CancelOrder(f.ctx, o.ID)
	if err != nil || got.Status != orders.StatusCanceled || got.CanceledAt == nil || len(got.Items) != 1 {
		t.Fatalf("cancel = %+v, %v", got, err)
	}
	if f.stock(t, p) != 10 {
		t.Fatalf("stock after cancel = %d", f.stock(t, p))
	}
	if got, err = f.orders.CancelOrder(f.ctx, o.ID); err != nil || got.Status != orders.StatusCanceled {
		t.Fatalf("second cancel = %+v, %v", got, err)
	}
	if f.stock(t, p) != 10 {
		t.Fatalf("stock after second cancel = %d, want 10 (restored once)", f.stock(t, p))
	}

	within, _ := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	late, _ := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	for i, o := range []orders.Order{within, late} {
		if _, err := f.orders.ConfirmOrder(f.ctx, o.ID, fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(10 * time.Minute)
	if _, err := f.orders.CancelOrder(f.ctx, within.ID); err != nil {
		t.Fatalf("cancel at exactly the window: %v", err)
	}
	f.clock.Advance(time.Millisecond)
	_, err = f.orders.CancelOrder(f.ctx, late.ID)
	wantErr(t, err, services.FailedPrecondition, "Confirmed orders can only be canceled within 10 minutes of creation")
	if f.stock(t, p) != 9 {
		t.Fatalf("stock = %d, want 9", f.stock(t, p))
	}
}

func TestCancelWindowConfigurable(t *testing.T) {
	f := newFixture(t)
	svc := orders.New(f.db, f.customers, orders.Config{Now: f.clock.Now, CancelWindow: 30 * time.Second})
	c := f.customer(t, "c@c.com")
	p := f.product(t, "P", 100, 10)
	o, _ := svc.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if _, err := svc.ConfirmOrder(f.ctx, o.ID, "k"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(31 * time.Second)
	_, err := svc.CancelOrder(f.ctx, o.ID)
	wantErr(t, err, services.FailedPrecondition, "Confirmed orders can only be canceled within 30s of creation")
}

func TestCreateAndConfirm(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "c@c.com")
	a := f.product(t, "A", 100, 10)
	b := f.product(t, "B", 250, 10)
	in := orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: a, Qty: 2}, {ProductID: b, Qty: 1}}, IdempotencyKey: "cc-1"}
	o, err := f.orders.CreateAndConfirm(f.ctx, in)
	if err != nil || o.Status != orders.StatusConfirmed || o.TotalCents != 450 || o.ConfirmedAt == nil {
		t.Fatalf("create and confirm = %+v, %v", o, err)
	}
	again, err := f.orders.CreateAndConfirm(f.ctx, in)
	if err != nil || again.ID != o.ID || again.TotalCents != 450 {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	// The same lines in another order and split are the same request.
	same := in
	same.Lines = []orders.Line{{ProductID: b, Qty: 1}, {ProductID: a, Qty: 1}, {ProductID: a, Qty: 1}}
	if again, err = f.orders.CreateAndConfirm(f.ctx, same); err != nil || again.ID != o.ID {
		t.Fatalf("equivalent replay = %+v, %v", again, err)
	}
	if f.stock(t, a) != 8 || f.stock(t, b) != 9 {
		t.Fatalf("stock = %d, %d (taken once?)", f.stock(t, a), f.stock(t, b))
	}
	diff := in
	diff.Lines = []orders.Line{{ProductID: a, Qty: 3}}
	_, err = f.orders.CreateAndConfirm(f.ctx, diff)
	wantErr(t, err, services.Conflict, "Idempotency key already used for a different request")
	_, err = f.orders.ConfirmOrder(f.ctx, o.ID, "cc-1")
	wantErr(t, err, services.Conflict, "Idempotency key already used for different operation")

	// The replay still answers after the customer is gone.
	if err := f.customers.Delete(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	if again, err = f.orders.CreateAndConfirm(f.ctx, in); err != nil || again.ID != o.ID {
		t.Fatalf("replay after delete = %+v, %v", again, err)
	}
	in.IdempotencyKey = "cc-2"
	_, err = f.orders.CreateAndConfirm(f.ctx, in)
	wantErr(t, err, services.NotFound, "Customer not found or inactive")
	in.IdempotencyKey = ""
	_, err = f.orders.CreateAndConfirm(f.ctx, in)
	wantErr(t, err, services.Invalid, "Idempotency key is required")
}

func TestPurgeExpiredKeys(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "c@c.com")
	p := f.product(t, "P", 100, 100)
	for i := range 5 {
		in := orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, IdempotencyKey: fmt.Sprint("k", i)}
		if _, err := f.orders.CreateAndConfirm(f.ctx, in); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
	}
	if n, err := f.orders.PurgeExpiredKeys(f.ctx, 10); n != 0 || err != nil {
		t.Fatalf("purge before expiry = %d, %v", n, err)
	}
	f.clock.Advance(21 * time.Hour) // the first three are now 24 h old or more
	n, err := f.orders.PurgeExpiredKeys(f.ctx, 2)
	if n != 2 || err != nil {
		t.Fatalf("first batch = %d, %v", n, err)
	}
	if n, err = f.orders.PurgeExpiredKeys(f.ctx, 2); n != 1 || err != nil {
		t.Fatalf("second batch = %d, %v", n, err)
	}
	if n, _ = f.orders.PurgeExpiredKeys(f.ctx, 2); n != 0 {
		t.Fatalf("third batch = %d", n)
	}
}

func TestListOrders(t *testing.T) {
	f := newFixture(t)
	c1, c2 := f.customer(t, "a@a.com"), f.customer(t, "b@b.com")
	p := f.product(t, "P", 100, 1000)
	var ids []int
	for i := range 12 {
		c := c1
		if i%3 == 0 {
			c = c2
		}
		o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: int64(i + 1)}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
		if i%4 == 0 {
			if _, err := f.orders.CancelOrder(f.ctx, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Advance(time.Hour)
	}
	page, err := f.orders.ListOrders(f.ctx, orders.ListOrdersParams{Limit: 5})
	if err != nil || len(page.Items) != 5 || !page.HasMore || page.Items[0].ID != ids[0] || len(page.Items[4].Items) != 1 {
		t.Fatalf("page 1 = %+v, %v", page, err)
	}
	canceled := orders.StatusCanceled
	page, err = f.orders.ListOrders(f.ctx, orders.ListOrdersParams{Status: &canceled})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("canceled = %d, %v", len(page.Items), err)
	}
	from, to := start.Add(2*time.Hour), start.Add(5*time.Hour)
	page, err = f.orders.ListOrders(f.ctx, orders.ListOrdersParams{From: &from, To: &to})
	if err != nil || len(page.Items) != 4 || page.Items[0].ID != ids[2] {
		t.Fatalf("from/to = %+v, %v", page.Items, err)
	}
	page, err = f.orders.ListOrders(f.ctx, orders.ListOrdersParams{CustomerID: c2, After: ids[3]})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("customer after cursor = %+v, %v", page.Items, err)
	}
	byCustomer, err := f.orders.OrdersByCustomer(f.ctx, []int{c1, c2, 999}, 0, 3)
	if err != nil || len(byCustomer[c1].Items) != 3 || !byCustomer[c1].HasMore || len(byCustomer[c2].Items) != 3 || !byCustomer[c2].HasMore || len(byCustomer[999].Items) != 0 {
		t.Fatalf("by customer = %+v, %v", byCustomer, err)
	}
	byCustomer, err = f.orders.OrdersByCustomer(f.ctx, []int{c2}, ids[3], 3)
	if err != nil || len(byCustomer[c2].Items) != 2 || byCustomer[c2].HasMore || byCustomer[c2].Items[0].ID != ids[6] {
		t.Fatalf("by customer after cursor = %+v, %v", byCustomer, err)
	}
	asC1 := servicetest.As(services.RoleCustomer, c1)
	byCustomer, err = f.orders.OrdersByCustomer(asC1, []int{c1, c2}, 0, 100)
	if err != nil || len(byCustomer) != 1 || len(byCustomer[c1].Items) != 8 {
		t.Fatalf("by customer as customer = %+v, %v", byCustomer, err)
	}
	visible, err := f.orders.VisibleCustomers(asC1, []int{c2, c1})
	if err != nil || len(visible) != 1 || visible[0] != c1 {
		t.Fatalf("visible = %v, %v", visible, err)
	}
}

// The original's seed keys mean completed in lower case and are bound to
// their order; this checks them while they are still live.
func TestSeedKeys(t *testing.T) {
	f := newFixture(t)
	if _, err := f.db.Seed(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.clock = servicetest.NewClock(time.Date(2024, 1, 1, 16, 0, 0, 0, time.UTC))
	svc := orders.New(f.db, f.customers, orders.Config{Now: f.clock.Now})
	o, err := svc.ConfirmOrder(f.ctx, 3, "order-confirm-002")
	if err != nil || o.ID != 3 || o.Status != orders.StatusConfirmed || o.TotalCents != 899700 || len(o.Items) != 5 {
		t.Fatalf("seed replay = %+v, %v", o, err)
	}
	_, err = svc.ConfirmOrder(f.ctx, 3, "order-confirm-001")
	wantErr(t, err, services.Conflict, "Idempotency key already used for different operation")
	_, err = svc.ConfirmOrder(f.ctx, 4, "order-cancel-001")
	wantErr(t, err, services.Conflict, "Idempotency key already used for different operation")
	// Seed totals that do not add up are served as they are.
	o2, err := svc.GetOrder(f.ctx, 2)
	if err != nil || o2.TotalCents != 159999 || o2.Items[1].SubtotalCents != 15999 {
		t.Fatalf("seed order 2 = %+v, %v", o2, err)
	}
}
