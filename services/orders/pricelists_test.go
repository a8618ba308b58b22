package orders_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

func (f *fixture) priceList(t testing.TB, in orders.PriceListInput) orders.PriceList {
	t.Helper()
	if in.Currency == "" {
		in.Currency = "USD"
	}
	l, err := f.orders.CreatePriceList(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// linePrice says what gave an item its price: "own", or "list:break".
func linePrice(it orders.Item) string {
	if it.PriceListID == nil {
		return fmt.Sprintf("%d own", it.UnitPriceCents)
	}
	return fmt.Sprintf("%d list%d:%d+", it.UnitPriceCents, *it.PriceListID, *it.PriceMinQty)
}

// A customer with a contract list and breaks orders at its price; another
// customer gets the base list; the price, the list and the break are
// frozen on the line, its total and its events, and stay through a keyed
// replay and a later change of the list; a quantity rule refuses with the
// rule.
func TestContractPrices(t *testing.T) {
	f := newFixture(t)
	acme, other := f.customer(t, "acme@prices.com"), f.customer(t, "other@prices.com")
	bolt, nut := f.product(t, "BOLT", 100, 10_000), f.product(t, "NUT", 50, 10_000)
	base := f.priceList(t, orders.PriceListInput{Name: "Base", Priority: 0,
		Entries: []orders.PriceEntry{{ProductID: bolt, MinQty: 1, UnitPriceCents: 95}}})
	contract := f.priceList(t, orders.PriceListInput{Name: "ACME contract", Priority: 10, CustomerIDs: []int{acme},
		Entries: []orders.PriceEntry{{ProductID: bolt, MinQty: 1, UnitPriceCents: 90}, {ProductID: bolt, MinQty: 100, UnitPriceCents: 70}, {ProductID: bolt, MinQty: 10, UnitPriceCents: 80}},
		Rules:   []orders.QuantityRule{{ProductID: bolt, Increment: 5}}})
	if contract.Scope != orders.ScopeCustomers || contract.Status != orders.PriceListActive || len(contract.Entries) != 3 || contract.Entries[1].MinQty != 10 {
		t.Fatalf("created: %+v", contract)
	}

	o, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: acme, IdempotencyKey: "contract-1",
		Lines: []orders.Line{{ProductID: bolt, Qty: 10}, {ProductID: nut, Qty: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("80 list%d:10+", contract.ID), "50 own"}
	if got := []string{linePrice(o.Items[0]), linePrice(o.Items[1])}; strings.Join(got, ",") != strings.Join(want, ",") || o.TotalCents != 800+150 || o.Currency != "USD" {
		t.Fatalf("acme's order: %v, total %d, %q; want %v, 950", got, o.TotalCents, o.Currency, want)
	}
	// The event carries the frozen prices.
	var ev struct {
		Order struct {
			TotalCents int64 `json:"total_cents"`
			Items      []struct {
				UnitPriceCents int64 `json:"unit_price_cents"`
				PriceListID    *int  `json:"price_list_id"`
				PriceMinQty    *int  `json:"price_min_qty"`
			} `json:"items"`
		} `json:"order"`
	}
	if err := json.Unmarshal([]byte(f.events(t, o.ID)[0].Payload), &ev); err != nil {
		t.Fatal(err)
	}
	if it := ev.Order.Items[0]; ev.Order.TotalCents != 950 || it.UnitPriceCents != 80 || it.PriceListID == nil || *it.PriceListID != contract.ID || *it.PriceMinQty != 10 || ev.Order.Items[1].PriceListID != nil {
		t.Fatalf("event: %+v", ev.Order)
	}
	// Another customer pays the base list.
	p, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: other, Lines: []orders.Line{{ProductID: bolt, Qty: 10}}})
	if err != nil || linePrice(p.Items[0]) != fmt.Sprintf("95 list%d:1+", base.ID) {
		t.Fatalf("other's order: %+v, %v", p.Items, err)
	}
	// The contract's rule: multiples of 5.
	_, err = f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: acme, Lines: []orders.Line{{ProductID: bolt, Qty: 12}}})
	if services.KindOf(err) != services.Invalid || !strings.Contains(err.Error(), "order in multiples of 5") {
		t.Fatalf("12 bolts: %v", err)
	}

	// The list changes: new orders pay the new price; the replay of the
	// first and every read keep the old.
	if _, err := f.orders.ReplacePriceList(f.ctx, contract.ID, orders.PriceListInput{Name: "ACME contract", Currency: "USD", Priority: 10, CustomerIDs: []int{acme},
		Entries: []orders.PriceEntry{{ProductID: bolt, MinQty: 1, UnitPriceCents: 60}}}); err != nil {
		t.Fatal(err)
	}
	again, err := f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: acme, IdempotencyKey: "contract-1",
		Lines: []orders.Line{{ProductID: bolt, Qty: 10}, {ProductID: nut, Qty: 3}}})
	if err != nil || again.ID != o.ID || linePrice(again.Items[0]) != want[0] || again.TotalCents != 950 {
		t.Fatalf("replay after the change: %+v, %v", again, err)
	}
	read, err := f.orders.GetOrder(f.ctx, o.ID)
	if err != nil || linePrice(read.Items[0]) != want[0] || read.Currency != "USD" {
		t.Fatalf("read after the change: %+v, %v", read, err)
	}
	n, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: acme, Lines: []orders.Line{{ProductID: bolt, Qty: 12}}})
	if err != nil || linePrice(n.Items[0]) != fmt.Sprintf("60 list%d:1+", contract.ID) || n.TotalCents != 720 {
		t.Fatalf("after the change: %+v, %v", n, err)
	}
	// Archived, it no longer applies; deleted, the orders keep its id.
	if _, err := f.orders.ReplacePriceList(f.ctx, contract.ID, orders.PriceListInput{Name: "ACME contract", Currency: "USD", Status: "ARCHIVED", CustomerIDs: []int{acme},
		Entries: []orders.PriceEntry{{ProductID: bolt, MinQty: 1, UnitPriceCents: 60}}}); err != nil {
		t.Fatal(err)
	}
	if a, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: acme, Lines: []orders.Line{{ProductID: bolt, Qty: 1}}}); err != nil || linePrice(a.Items[0]) != fmt.Sprintf("95 list%d:1+", base.ID) {
		t.Fatalf("archived: %+v, %v", a, err)
	}
	if err := f.orders.DeletePriceList(f.ctx, contract.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.orders.DeletePriceList(f.ctx, contract.ID); services.KindOf(err) != services.NotFound {
		t.Fatalf("deleted twice: %v", err)
	}
	if read, err := f.orders.GetOrder(f.ctx, o.ID); err != nil || linePrice(read.Items[0]) != want[0] {
		t.Fatalf("read after the delete: %+v, %v", read, err)
	}
}

// A customer sees its own prices, with the breaks, by the rule an order
// follows; never another customer's; staff manage lists, customers not.
func TestPricesAsTheCustomerSeesThem(t *testing.T) {
	f := newFixture(t)
	acme, other := f.customer(t, "acme@see.com"), f.customer(t, "other@see.com")
	bolt, nut := f.product(t, "BOLT", 100, 100), f.product(t, "NUT", 50, 100)
	contract := f.priceList(t, orders.PriceListInput{Name: "ACME", Priority: 1, CustomerIDs: []int{acme},
		Entries: []orders.PriceEntry{{ProductID: bolt, MinQty: 10, UnitPriceCents: 80}, {ProductID: bolt, MinQty: 100, UnitPriceCents: 70}},
		Rules:   []orders.QuantityRule{{ProductID: bolt, Max: 500}}})
	_, asAcme := f.member(t, acme, "buyer@see.com", services.MemberBuyer)
	got, err := f.orders.Prices(asAcme, acme, []int{bolt, nut})
	if err != nil {
		t.Fatal(err)
	}
	show := func(pp orders.ProductPrice) string {
		var b []string
		for _, br := range pp.Breaks {
			from := "own"
			if br.ListID != nil {
				from = fmt.Sprint("list", *br.ListID)
			}
			b = append(b, fmt.Sprintf("%d+:%d(%s)", br.MinQty, br.UnitPriceCents, from))
		}
		return fmt.Sprintf("%d %s max%d [%s]", pp.ProductID, pp.Currency, pp.Rule.Max, strings.Join(b, " "))
	}
	l := contract.ID
	if s := show(got[0]); s != fmt.Sprintf("%d USD max0 [1+:100(own) 10+:80(list%d) 100+:70(list%d)]", bolt, l, l) {
		t.Fatalf("bolt: %s", s)
	}
	if s := show(got[1]); s != fmt.Sprintf("%d USD max0 [1+:50(own)]", nut) {
		t.Fatalf("nut: %s", s)
	}
	if _, err := f.orders.Prices(asAcme, other, []int{bolt}); services.KindOf(err) != services.NotFound {
		t.Fatalf("another customer's prices: %v", err)
	}
	if mine, err := f.orders.Prices(f.ctx, other, []int{bolt}); err != nil || show(mine[0]) != fmt.Sprintf("%d USD max0 [1+:100(own)]", bolt) {
		t.Fatalf("staff reading other's: %+v, %v", mine, err)
	}
	if _, err := f.orders.Prices(asAcme, acme, []int{bolt, 999}); services.KindOf(err) != services.NotFound {
		t.Fatalf("an unknown product: %v", err)
	}
	if _, err := f.orders.CreatePriceList(asAcme, orders.PriceListInput{Name: "Mine", Currency: "USD", Entries: []orders.PriceEntry{{ProductID: bolt, MinQty: 1, UnitPriceCents: 1}}}); services.KindOf(err) != services.PermissionDenied {
		t.Fatalf("a customer making a list: %v", err)
	}
	if _, err := f.orders.ListPriceLists(asAcme); services.KindOf(err) != services.PermissionDenied {
		t.Fatalf("a customer listing lists: %v", err)
	}
	if _, err := f.orders.GetPriceList(asAcme, contract.ID); services.KindOf(err) != services.PermissionDenied {
		t.Fatalf("a customer reading a list: %v", err)
	}
}

// Bad lists get a coded error naming the field, and change nothing.
func TestPriceListValidation(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "v@prices.com")
	p := f.product(t, "V", 100, 100)
	entry := []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: 90}}
	day := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		in    orders.PriceListInput
		field string
		msg   string
	}{
		{"a break of quantity 0", orders.PriceListInput{Name: "L", Currency: "USD", Entries: []orders.PriceEntry{{ProductID: p, MinQty: 0, UnitPriceCents: 1}}}, "entries", "min_qty must be between 1"},
		{"a negative price", orders.PriceListInput{Name: "L", Currency: "USD", Entries: []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: -1}}}, "entries", "unit_price_cents must be between 0"},
		{"two entries for one product and minimum", orders.PriceListInput{Name: "L", Currency: "USD", Entries: []orders.PriceEntry{{ProductID: p, MinQty: 5, UnitPriceCents: 1}, {ProductID: p, MinQty: 5, UnitPriceCents: 2}}}, "entries", fmt.Sprintf("Product %d has two entries from 5", p)},
		{"another currency", orders.PriceListInput{Name: "L", Currency: "EUR", Entries: entry}, "currency", "currency must be USD"},
		{"no name", orders.PriceListInput{Name: "  ", Currency: "USD", Entries: entry}, "name", "name is required"},
		{"a control character", orders.PriceListInput{Name: "L\x07", Currency: "USD", Entries: entry}, "name", "control characters"},
		{"no entries", orders.PriceListInput{Name: "L", Currency: "USD"}, "entries", "1 to 10000 entries"},
		{"an unknown status", orders.PriceListInput{Name: "L", Currency: "USD", Status: "LIVE", Entries: entry}, "status", "DRAFT, ACTIVE or ARCHIVED"},
		{"customers on a list for all", orders.PriceListInput{Name: "L", Currency: "USD", Scope: "ALL", CustomerIDs: []int{c}, Entries: entry}, "customer_ids", "names none"},
		{"a list for customers naming none", orders.PriceListInput{Name: "L", Currency: "USD", Scope: "CUSTOMERS", Entries: entry}, "customer_ids", "names 1 to"},
		{"an unknown customer", orders.PriceListInput{Name: "L", Currency: "USD", CustomerIDs: []int{999}, Entries: entry}, "customer_ids", "Customer 999 not found"},
		{"an unknown product", orders.PriceListInput{Name: "L", Currency: "USD", Entries: []orders.PriceEntry{{ProductID: 999, MinQty: 1, UnitPriceCents: 1}}}, "entries", "Product 999 not found"},
		{"validity backwards", orders.PriceListInput{Name: "L", Currency: "USD", ValidFrom: &day, ValidTo: &day, Entries: entry}, "valid_to", "after valid_from"},
		{"a negative priority", orders.PriceListInput{Name: "L", Currency: "USD", Priority: -1, Entries: entry}, "priority", "between 0 and"},
		{"a rule with max below min", orders.PriceListInput{Name: "L", Currency: "USD", Entries: entry, Rules: []orders.QuantityRule{{ProductID: p, Min: 10, Max: 5}}}, "rules", "max must be at least min"},
		{"a validity past year 9999 in UTC", orders.PriceListInput{Name: "L", Currency: "USD", ValidTo: ptr(time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("EST", -5*3600))), Entries: entry}, "valid_to", "between 1970 and 9999"},
		{"a validity before 1970", orders.PriceListInput{Name: "L", Currency: "USD", ValidFrom: ptr(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)), Entries: entry}, "valid_from", "between 1970 and 9999"},
		{"a rule no quantity meets", orders.PriceListInput{Name: "L", Currency: "USD", Entries: entry, Rules: []orders.QuantityRule{{ProductID: p, Min: 5, Max: 7, Increment: 10}}}, "rules", "No quantity between min and max"},
		{"two rules for a product", orders.PriceListInput{Name: "L", Currency: "USD", Entries: entry, Rules: []orders.QuantityRule{{ProductID: p, Min: 1}, {ProductID: p, Max: 5}}}, "rules", "two rules"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.orders.CreatePriceList(f.ctx, c.in)
			e := services.ErrorOf(err)
			if e == nil || e.Kind != services.Invalid || e.Field != c.field || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("got %v; want Invalid %s %q", err, c.field, c.msg)
			}
		})
	}
	if lists, err := f.orders.ListPriceLists(f.ctx); err != nil || len(lists) != 0 {
		t.Fatalf("lists after the refusals: %+v, %v", lists, err)
	}
	if _, err := f.orders.ReplacePriceList(f.ctx, 999, orders.PriceListInput{Name: "L", Currency: "USD", Entries: entry}); services.KindOf(err) != services.NotFound {
		t.Fatalf("replacing a list that does not exist: %v", err)
	}
}

// A list change reaches every replica's next order, though each keeps the
// lists it read (by the pricing version).
func TestPriceChangesReachEveryReplica(t *testing.T) {
	f := newFixture(t)
	replicas := []*orders.Service{f.orders, orders.New(f.db, f.customers, orders.Config{Now: f.clock.Now, LiveCustomerInInsert: true})}
	c := f.customer(t, "r@prices.com")
	p := f.product(t, "R", 100, 10_000)
	price := func(step string, want int64) {
		t.Helper()
		for r, svc := range replicas {
			o, err := svc.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: c, Lines: []orders.Line{{ProductID: p, Qty: 1}}})
			if err != nil || o.Items[0].UnitPriceCents != want {
				t.Fatalf("%s, replica %d: %+v, %v; want %d", step, r, o.Items, err, want)
			}
		}
	}
	price("no list", 100)
	l := f.priceList(t, orders.PriceListInput{Name: "L", CustomerIDs: []int{c}, Entries: []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: 90}}})
	price("a list", 90)
	if _, err := replicas[1].ReplacePriceList(f.ctx, l.ID, orders.PriceListInput{Name: "L", Currency: "USD", CustomerIDs: []int{c}, Entries: []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: 85}}}); err != nil {
		t.Fatal(err)
	}
	price("the list changed on the other replica", 85)
	if err := replicas[1].DeletePriceList(f.ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	price("the list deleted", 100)
}

// A price change racing orders: every order has one of the two prices,
// the same on its line, its total and its event; none has a mix.
func TestPriceChangeRacingOrders(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "race@prices.com")
	p, q := f.product(t, "RA", 100, 1_000_000), f.product(t, "RB", 100, 1_000_000)
	entries := func(price int64) []orders.PriceEntry {
		return []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: price}, {ProductID: q, MinQty: 1, UnitPriceCents: price}}
	}
	l := f.priceList(t, orders.PriceListInput{Name: "Race", CustomerIDs: []int{c}, Entries: entries(70)})
	var (
		done    atomic.Bool
		changes int
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		for i := 0; !done.Load(); i++ {
			price := []int64{70, 90}[i%2]
			if _, err := f.orders.ReplacePriceList(f.ctx, l.ID, orders.PriceListInput{Name: "Race", Currency: "USD", CustomerIDs: []int{c}, Entries: entries(price)}); err != nil {
				if services.ErrorOf(err).Code != services.CodeBusy && services.KindOf(err) != services.Unavailable {
					t.Error(err)
					return
				}
			}
			changes++
			// A change a millisecond: the embedded store runs one
			// transaction at a time, and orders must get their turns.
			time.Sleep(time.Millisecond)
		}
	})
	// 16 buyers place 8 orders each, one after another, while the
	// price flips.
	const buyers, each = 16, 8
	got, errs := make([]orders.Order, buyers*each), make([]error, buyers*each)
	var placing sync.WaitGroup
	for b := range buyers {
		placing.Go(func() {
			for k := range each {
				i := b*each + k
				got[i], errs[i] = f.orders.CreateAndConfirm(f.ctx, orders.CreateAndConfirmInput{CustomerID: c, IdempotencyKey: fmt.Sprint("race-", i),
					Lines: []orders.Line{{ProductID: p, Qty: 1}, {ProductID: q, Qty: 2}}})
			}
		})
	}
	placing.Wait()
	done.Store(true)
	wg.Wait()
	seen := map[int64]int{}
	for i, o := range got {
		if errs[i] != nil {
			// Busy, or the embedded store's lock waited out: nothing
			// was placed; what is judged is the orders that were.
			if services.ErrorOf(errs[i]).Code == services.CodeBusy || services.KindOf(errs[i]) == services.Unavailable {
				continue
			}
			t.Fatalf("order %d: %v", i, errs[i])
		}
		a, b := o.Items[0].UnitPriceCents, o.Items[1].UnitPriceCents
		if a != b || (a != 70 && a != 90) || o.TotalCents != 3*a {
			t.Fatalf("order %d: prices %d and %d, total %d", i, a, b, o.TotalCents)
		}
		var ev struct {
			Order struct {
				TotalCents int64 `json:"total_cents"`
				Items      []struct {
					UnitPriceCents int64 `json:"unit_price_cents"`
				} `json:"items"`
			} `json:"order"`
		}
		if err := json.Unmarshal([]byte(f.events(t, o.ID)[0].Payload), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Order.TotalCents != o.TotalCents || ev.Order.Items[0].UnitPriceCents != a || ev.Order.Items[1].UnitPriceCents != a {
			t.Fatalf("order %d: event %+v, order total %d at %d", i, ev.Order, o.TotalCents, a)
		}
		seen[a]++
	}
	t.Logf("%d list changes; orders at each price: %v", changes, seen)
	if len(seen) != 2 {
		t.Fatalf("orders at each price: %v; the race never met a change", seen)
	}
}

// A product's own quantity rule holds for every customer without a list
// that sets its own; the error says the rule.
func TestProductQuantityRule(t *testing.T) {
	f := newFixture(t)
	c, d := f.customer(t, "carton@prices.com"), f.customer(t, "pallet@prices.com")
	p := f.product(t, "CARTON", 10, 1_000)
	got, err := f.orders.UpdateProduct(f.ctx, p, orders.UpdateProductInput{Rule: &orders.QuantityRule{Min: 12, Increment: 12}})
	if err != nil || got.Rule.Increment != 12 || got.Rule.Min != 12 {
		t.Fatalf("rule set: %+v, %v", got, err)
	}
	order := func(customer int, qty int64) error {
		_, err := f.orders.CreateOrder(f.ctx, orders.CreateOrderInput{CustomerID: customer, Lines: []orders.Line{{ProductID: p, Qty: qty}}})
		return err
	}
	if err := order(c, 13); services.KindOf(err) != services.Invalid || !strings.Contains(err.Error(), "order in multiples of 12") {
		t.Fatalf("13: %v", err)
	}
	if err := order(c, 24); err != nil {
		t.Fatalf("24: %v", err)
	}
	f.priceList(t, orders.PriceListInput{Name: "Pallets", CustomerIDs: []int{d},
		Entries: []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: 9}}, Rules: []orders.QuantityRule{{ProductID: p, Increment: 5}}})
	if err := order(d, 15); err != nil {
		t.Fatalf("15 under the list's rule: %v", err)
	}
	if err := order(c, 15); services.KindOf(err) != services.Invalid {
		t.Fatalf("15 for the customer without the list: %v", err)
	}
	if _, err := f.orders.UpdateProduct(f.ctx, p, orders.UpdateProductInput{Rule: &orders.QuantityRule{Min: 10, Max: 5}}); services.KindOf(err) != services.Invalid {
		t.Fatalf("max below min: %v", err)
	}
	if got, err := f.orders.UpdateProduct(f.ctx, p, orders.UpdateProductInput{Rule: &orders.QuantityRule{}}); err != nil || got.Rule != (orders.QuantityRule{ProductID: p}) {
		t.Fatalf("rule removed: %+v, %v", got, err)
	}
	if err := order(c, 13); err != nil {
		t.Fatalf("13 without a rule: %v", err)
	}
}

// PriceOf answers one quantity by the rule an order follows, and refuses
// what an order would refuse.
func TestPriceOf(t *testing.T) {
	f := newFixture(t)
	c, other := f.customer(t, "one@prices.com"), f.customer(t, "two@prices.com")
	p := f.product(t, "ONE", 100, 100)
	l := f.priceList(t, orders.PriceListInput{Name: "L", CustomerIDs: []int{c}, Entries: []orders.PriceEntry{{ProductID: p, MinQty: 10, UnitPriceCents: 80}},
		Rules: []orders.QuantityRule{{ProductID: p, Increment: 5}}})
	_, asC := f.member(t, c, "b@one.com", services.MemberBuyer)
	got, err := f.orders.PriceOf(asC, c, p, 10)
	if err != nil || got.UnitPriceCents != 80 || *got.ListID != l.ID || *got.MinQty != 10 {
		t.Fatalf("10: %+v, %v", got, err)
	}
	if got, err := f.orders.PriceOf(asC, c, p, 5); err != nil || got.UnitPriceCents != 100 || got.ListID != nil {
		t.Fatalf("5: %+v, %v", got, err)
	}
	if _, err := f.orders.PriceOf(asC, c, p, 12); services.KindOf(err) != services.Invalid || !strings.Contains(err.Error(), "multiples of 5") {
		t.Fatalf("12: %v", err)
	}
	if _, err := f.orders.PriceOf(asC, other, p, 10); services.KindOf(err) != services.NotFound {
		t.Fatalf("another customer's: %v", err)
	}
	if _, err := f.orders.PriceOf(asC, c, 999, 10); services.KindOf(err) != services.NotFound {
		t.Fatalf("an unknown product: %v", err)
	}
	if _, err := f.orders.PriceOf(asC, c, p, 0); services.KindOf(err) != services.Invalid {
		t.Fatalf("0: %v", err)
	}
}

// Staff asking the prices of a customer that does not exist get NotFound,
// as a customer asking another's does; each break says the rule that
// binds a line there.
func TestPricesOfNoCustomerAndRulePerBreak(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "rules@prices.com")
	p := f.product(t, "RULES", 100, 100)
	if _, err := f.orders.UpdateProduct(f.ctx, p, orders.UpdateProductInput{Rule: &orders.QuantityRule{Increment: 2}}); err != nil {
		t.Fatal(err)
	}
	f.priceList(t, orders.PriceListInput{Name: "Cartons", CustomerIDs: []int{c},
		Entries: []orders.PriceEntry{{ProductID: p, MinQty: 12, UnitPriceCents: 80}}, Rules: []orders.QuantityRule{{ProductID: p, Increment: 12}}})
	if _, err := f.orders.Prices(f.ctx, 999, []int{p}); services.KindOf(err) != services.NotFound {
		t.Fatalf("prices of no customer: %v", err)
	}
	if _, err := f.orders.PriceOf(f.ctx, 999, p, 1); services.KindOf(err) != services.NotFound {
		t.Fatalf("a price for no customer: %v", err)
	}
	got, err := f.orders.Prices(f.ctx, c, []int{p})
	if err != nil {
		t.Fatal(err)
	}
	if b := got[0].Breaks; len(b) != 2 || b[0].Rule.Increment != 2 || b[1].MinQty != 12 || b[1].Rule.Increment != 12 || got[0].Rule.Increment != 2 {
		t.Fatalf("breaks: %+v", got[0])
	}
}

// A replace is the whole list: a validity window it leaves out is open,
// whatever the list had before.
func TestReplaceOpensTheWindow(t *testing.T) {
	f := newFixture(t)
	c := f.customer(t, "window@prices.com")
	p := f.product(t, "WIN", 100, 100)
	ended := start.Add(-time.Hour)
	l := f.priceList(t, orders.PriceListInput{Name: "Ended", CustomerIDs: []int{c}, ValidTo: &ended,
		Entries: []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: 80}}})
	price := func() int64 {
		t.Helper()
		got, err := f.orders.PriceOf(f.ctx, c, p, 1)
		if err != nil {
			t.Fatal(err)
		}
		return got.UnitPriceCents
	}
	if got := price(); got != 100 {
		t.Fatalf("an ended list priced %d", got)
	}
	replaced, err := f.orders.ReplacePriceList(f.ctx, l.ID, orders.PriceListInput{Name: "Open", Currency: "USD", CustomerIDs: []int{c},
		Entries: []orders.PriceEntry{{ProductID: p, MinQty: 1, UnitPriceCents: 80}}})
	if err != nil || replaced.ValidTo != nil {
		t.Fatalf("replaced: %+v, %v", replaced, err)
	}
	if got, err := f.orders.GetPriceList(f.ctx, l.ID); err != nil || got.ValidTo != nil {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	if got := price(); got != 80 {
		t.Fatalf("the reopened list priced %d", got)
	}
	_, asC := f.member(t, c, "b@window.com", services.MemberBuyer)
	if _, err := f.orders.ReplacePriceList(asC, 0, orders.PriceListInput{}); services.KindOf(err) != services.PermissionDenied {
		t.Fatalf("a customer replacing list 0: %v", err)
	}
	if _, err := f.orders.ReplacePriceList(f.ctx, 0, orders.PriceListInput{}); services.KindOf(err) != services.NotFound {
		t.Fatalf("staff replacing list 0: %v", err)
	}
}
