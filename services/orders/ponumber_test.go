package orders_test

import (
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/customers"
	"github.com/b2b-orders/platform/services/orders"
)

func ptr[T any](v T) *T { return &v }

// A customer that requires PO numbers unique gets each once, however many
// orders race for it, also under one idempotency key each; a canceled
// order gives its number back. The terms are copied at placement and the
// due date follows the confirmation.
func TestPONumbersAndTerms(t *testing.T) {
	for _, keyed := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "under keys"}[keyed], func(t *testing.T) {
			f := newFixture(t)
			c := f.customer(t, "po@acme.com")
			p := f.product(t, "PO", 100, 1000)
			if _, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{
				PONumberRequired: ptr(true), PONumberUnique: ptr(true), PaymentTerms: ptr("NET_30"),
			}); err != nil {
				t.Fatal(err)
			}
			place := func(po *string, key string) (orders.Order, error) {
				in := orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, PONumber: po}
				if keyed {
					in.IdempotencyKey = &key
				}
				return f.orders.CreateOrder(f.ctx, in)
			}
			_, err := place(nil, "no-po")
			if se := services.ErrorOf(err); se.Kind != services.Invalid || se.Code != services.CodePONumberRequired {
				t.Fatalf("without a PO number: %v", err)
			}
			const n = 16
			var wg sync.WaitGroup
			errs := make([]error, n)
			got := make([]orders.Order, n)
			for i := range n {
				wg.Go(func() { got[i], errs[i] = place(ptr("  PO-7 "), "k"+string(rune('a'+i))) })
			}
			wg.Wait()
			won := -1
			for i, err := range errs {
				switch {
				case err == nil && won < 0:
					won = i
				case err == nil:
					t.Fatalf("two orders got PO-7: %d and %d", got[won].ID, got[i].ID)
				case services.ErrorOf(err).Code != services.CodePONumberTaken:
					t.Fatalf("order %d: %v", i, err)
				}
			}
			if won < 0 {
				t.Fatal("nobody got PO-7")
			}
			o := got[won]
			if o.PONumber == nil || *o.PONumber != "PO-7" || o.PaymentTerms == nil || *o.PaymentTerms != "NET_30" || o.DueAt() != nil {
				t.Fatalf("order %+v", o)
			}
			if f.stock(t, p) != 999 {
				t.Fatalf("stock %d: refused orders took stock", f.stock(t, p))
			}
			// Changing the terms later changes no placed order.
			if _, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{PaymentTerms: ptr("DUE_ON_RECEIPT")}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			confirmed, err := f.orders.ConfirmOrder(f.ctx, o.ID, "confirm-po-7")
			if err != nil {
				t.Fatal(err)
			}
			if due := confirmed.DueAt(); *confirmed.PaymentTerms != "NET_30" || due == nil || !due.Equal(confirmed.ConfirmedAt.AddDate(0, 0, 30)) {
				t.Fatalf("confirmed %+v, due %v", confirmed, due)
			}
			page, err := f.orders.ListOrders(f.ctx, orders.ListOrdersParams{PONumber: "PO-7"})
			if err != nil || len(page.Items) != 1 || page.Items[0].ID != o.ID {
				t.Fatalf("filter by PO: %+v %v", page, err)
			}
			// Canceled, its number is free again.
			if _, err := f.orders.CancelOrder(f.ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			again, err := place(ptr("PO-7"), "again")
			if err != nil || *again.PaymentTerms != services.DueOnReceipt {
				t.Fatalf("PO-7 after the cancel: %+v %v", again, err)
			}
		})
	}
}

func TestPONumberValidation(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "v@acme.com")
	p := f.product(t, "V", 100, 10)
	for po, msg := range map[string]string{
		"   ":      "po_number must not be empty",
		"PO\x00-1": "po_number must not contain control characters",
		"PO\n1":    "po_number must not contain control characters",
		"12345678901234567890123456789012345678901234567890123456789012345": "po_number must be at most 64 characters",
	} {
		_, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}, PONumber: &po})
		wantErr(t, err, services.Invalid, msg)
	}
	for _, terms := range []string{"NET_0", "NET_366", "NET_030", "NET30", "net_30", "COD"} {
		_, err := f.customers.UpdateSettings(f.ctx, c, customers.SettingsUpdate{PaymentTerms: &terms})
		wantErr(t, err, services.Invalid, "payment_terms must be NET_<days> (1 to 365) or DUE_ON_RECEIPT")
	}
	// Without a required PO number or terms, an order has neither, as before.
	o, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
	if err != nil || o.PONumber != nil || o.PaymentTerms != nil || o.DueAt() != nil {
		t.Fatalf("a plain order: %+v %v", o, err)
	}
	// Customers set PO rules but not terms.
	cust := services.WithPrincipal(f.ctx, services.Principal{Role: services.RoleCustomer, CustomerID: c})
	if _, err := f.customers.UpdateSettings(cust, c, customers.SettingsUpdate{PONumberRequired: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.customers.UpdateSettings(cust, c, customers.SettingsUpdate{PaymentTerms: ptr("NET_90")})
	wantErr(t, err, services.PermissionDenied, "Permission denied")
}

// A key guards its whole request: the same key with another PO number is
// another request, refused; with the same one it replays.
func TestKeyCoversThePONumber(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "k@acme.com")
	p := f.product(t, "K", 100, 10)
	place := func(po string) (orders.Order, error) {
		return f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}},
			PONumber: &po, IdempotencyKey: "same-key"})
	}
	first, err := place("PO-1")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := place("PO-1"); err != nil || again.ID != first.ID {
		t.Fatalf("replay: %+v %v", again, err)
	}
	if _, err := place("PO-2"); services.ErrorOf(err).Code != services.CodeKeyReused {
		t.Fatalf("another PO number under the key: %v", err)
	}
	if f.stock(t, p) != 9 {
		t.Fatalf("stock %d", f.stock(t, p))
	}
}
