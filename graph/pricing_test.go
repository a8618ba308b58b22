package graph_test

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/services"
)

// The seed's products (db/seed/seed.sql) used here: 1 costs 129,900
// cents, 8 5,999, 9 1,999 and 10 999; the store's currency is USD.

type priceListView struct {
	ID          string
	Name        string
	Currency    string
	Status      string
	Scope       string
	ValidFrom   *string
	ValidTo     *string
	Priority    int
	CustomerIds []string
	Entries     []struct {
		Product        struct{ ID, Sku string }
		MinQuantity    int
		UnitPriceCents int
	}
	Rules []struct {
		Product             struct{ ID string }
		Min, Max, Increment int
	}
	CreatedAt string
	UpdatedAt string
}

type pricedItem struct {
	Product          struct{ ID string }
	Quantity         int
	UnitPriceCents   int
	SubtotalCents    int
	PriceListID      *string
	PriceMinQuantity *int
}

type pricedOrder struct {
	ID         string
	Status     string
	Currency   string
	TotalCents int
	Items      []pricedItem
}

type productPriceView struct {
	Product  struct{ ID string }
	Currency string
	Breaks   []struct {
		MinQuantity    int
		UnitPriceCents int
		PriceListID    *string
	}
	QuantityRule *struct{ Min, Max, Increment int }
}

type unitPriceView struct {
	UnitPriceCents int
	Currency       string
	PriceListID    *string
	MinQuantity    *int
}

const (
	priceListFields = `id name currency status scope validFrom validTo priority customerIds
		entries { product { id sku } minQuantity unitPriceCents } rules { product { id } min max increment } createdAt updatedAt`
	createListOp  = `mutation($in: PriceListInput!) { createPriceList(input: $in) { ` + priceListFields + ` } }`
	replaceListOp = `mutation($id: ID!, $in: PriceListInput!) { replacePriceList(id: $id, input: $in) { ` + priceListFields + ` } }`
	pricedFields  = `id status currency totalCents items { product { id } quantity unitPriceCents subtotalCents priceListId priceMinQuantity }`
	pricesOp      = `query($c: ID, $p: [ID!]!) { prices(customerId: $c, productIds: $p) {
		product { id } currency breaks { minQuantity unitPriceCents priceListId } quantityRule { min max increment } } }`
	unitPriceOp = `query($id: ID!, $q: Int!, $c: ID) { product(id: $id) { price(quantity: $q, customerId: $c) { unitPriceCents currency priceListId minQuantity } } }`
)

// contractList is customer 1's contract: product 10 at 900 cents from 1
// and 800 from 10, product 9 at 1,500 from 12 in multiples of 12.
func contractList() map[string]any {
	return map[string]any{
		"name": " ACME contract ", "currency": "USD", "priority": 10, "customerIds": []any{"1"},
		"entries": []any{
			map[string]any{"productId": "10", "minQuantity": 10, "unitPriceCents": 800},
			map[string]any{"productId": "10", "minQuantity": 1, "unitPriceCents": 900},
			map[string]any{"productId": "9", "minQuantity": 12, "unitPriceCents": 1500},
		},
		"rules": []any{map[string]any{"productId": "9", "increment": 12}},
	}
}

// placePriced places and confirms an order of the lines (product id,
// quantity, …) for customer 1 under key.
func placePriced(t *testing.T, e *env, auth, key string, lines ...int) pricedOrder {
	t.Helper()
	var items []any
	for i := 0; i+1 < len(lines); i += 2 {
		items = append(items, map[string]any{"productId": fmt.Sprint(lines[i]), "quantity": lines[i+1]})
	}
	var got struct{ CreateAndConfirmOrder pricedOrder }
	e.ok(auth, `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { `+pricedFields+` } }`,
		vars("in", map[string]any{"customerId": "1", "items": items, "idempotencyKey": key}), &got)
	return got.CreateAndConfirmOrder
}

// checkItem fails unless it is quantity × price, from the list and break
// given (listID "" for the product's own price).
func checkItem(t *testing.T, it pricedItem, product string, quantity, price int, listID string, minQty int) {
	t.Helper()
	ok := it.Product.ID == product && it.Quantity == quantity && it.UnitPriceCents == price && it.SubtotalCents == quantity*price
	if listID == "" {
		ok = ok && it.PriceListID == nil && it.PriceMinQuantity == nil
	} else {
		ok = ok && it.PriceListID != nil && *it.PriceListID == listID && it.PriceMinQuantity != nil && *it.PriceMinQuantity == minQty
	}
	if !ok {
		t.Fatalf("item %+v (list %v, min %v), want product %s × %d at %d from list %q break %d",
			it, deref(it.PriceListID), deref(it.PriceMinQuantity), product, quantity, price, listID, minQty)
	}
}

// asJSON is v as JSON, to compare values that hold pointers.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// A contract list: staff create it; a member of its customer orders at
// its prices, each line saying which list and break gave its price, and
// sees the same prices (and nothing of another customer's); another
// customer's member neither sees them nor pays them; replacing the list
// prices later orders anew while the first keeps its price; deleting it
// leaves the orders as they were.
func TestContractPrices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staff := e.token(services.RoleStaff, 0)
	admin1, admin4 := e.member(1, 1), e.member(2, 4)

	var created struct{ CreatePriceList priceListView }
	e.ok(staff, createListOp, vars("in", contractList()), &created)
	l := created.CreatePriceList
	if l.Name != "ACME contract" || l.Currency != "USD" || l.Status != "ACTIVE" || l.Scope != "CUSTOMERS" || l.ValidFrom != nil ||
		l.ValidTo != nil || l.Priority != 10 || len(l.CustomerIds) != 1 || l.CustomerIds[0] != "1" || len(l.Entries) != 3 || len(l.Rules) != 1 {
		t.Fatalf("createPriceList: %+v", l)
	}
	// Entries by product, then minimum quantity.
	if en := l.Entries; en[0].Product.ID != "9" || en[0].MinQuantity != 12 || en[0].UnitPriceCents != 1500 ||
		en[1].Product.Sku != "CABLE-001" || en[1].MinQuantity != 1 || en[1].UnitPriceCents != 900 ||
		en[2].Product.ID != "10" || en[2].MinQuantity != 10 || en[2].UnitPriceCents != 800 {
		t.Fatalf("entries: %+v", en)
	}
	if r := l.Rules[0]; r.Product.ID != "9" || r.Min != 0 || r.Max != 0 || r.Increment != 12 {
		t.Fatalf("rules: %+v", l.Rules)
	}
	if at, err := time.Parse(time.RFC3339Nano, l.CreatedAt); err != nil || !at.Equal(e.now) || l.UpdatedAt != l.CreatedAt {
		t.Fatalf("createdAt %s, updatedAt %s, want %s (%v)", l.CreatedAt, l.UpdatedAt, e.now, err)
	}
	var read struct {
		PriceList  priceListView
		PriceLists []priceListView
	}
	e.ok(staff, `query($id: ID!) { priceList(id: $id) { `+priceListFields+` } priceLists { id name } }`, vars("id", l.ID), &read)
	if read.PriceList.Name != l.Name || len(read.PriceList.Entries) != 3 || len(read.PriceLists) != 1 || read.PriceLists[0].ID != l.ID {
		t.Fatalf("priceList, priceLists: %+v", read)
	}

	// A member of customer 1 pays the contract: 12 of product 10 from
	// the break at 10, 24 of product 9 from the break at 12, product 1 at
	// its own price.
	first := placePriced(t, e, admin1, "price-1", 10, 12, 9, 24, 1, 1)
	if first.Status != "CONFIRMED" || first.Currency != "USD" || first.TotalCents != 12*800+24*1500+129900 || len(first.Items) != 3 {
		t.Fatalf("the first order: %+v", first)
	}
	byProduct := map[string]pricedItem{}
	for _, it := range first.Items {
		byProduct[it.Product.ID] = it
	}
	checkItem(t, byProduct["10"], "10", 12, 800, l.ID, 10)
	checkItem(t, byProduct["9"], "9", 24, 1500, l.ID, 12)
	checkItem(t, byProduct["1"], "1", 1, 129900, "", 0)

	// Its prices, without naming its customer: the breaks of the list,
	// and the product's own price below the list's first break.
	var mine struct{ Prices []productPriceView }
	e.ok(admin1, pricesOp, vars("p", []any{"10", "9", "1"}), &mine)
	type brk struct {
		min, price int
		list       any
	}
	breaks := func(p productPriceView) []brk {
		var out []brk
		for _, b := range p.Breaks {
			out = append(out, brk{b.MinQuantity, b.UnitPriceCents, deref(b.PriceListID)})
		}
		return out
	}
	if len(mine.Prices) != 3 {
		t.Fatalf("prices: %+v", mine.Prices)
	}
	for i, want := range []struct {
		product string
		breaks  []brk
	}{
		{"10", []brk{{1, 900, l.ID}, {10, 800, l.ID}}},
		{"9", []brk{{1, 1999, nil}, {12, 1500, l.ID}}},
		{"1", []brk{{1, 129900, nil}}},
	} {
		p := mine.Prices[i]
		if p.Product.ID != want.product || p.Currency != "USD" || fmt.Sprint(breaks(p)) != fmt.Sprint(want.breaks) || p.QuantityRule != nil {
			t.Fatalf("prices[%d] = %+v %v, want product %s with %v", i, p, breaks(p), want.product, want.breaks)
		}
	}
	// Staff name the customer, and see the same.
	var byStaff struct{ Prices []productPriceView }
	e.ok(staff, pricesOp, vars("c", "1", "p", []any{"10", "9", "1"}), &byStaff)
	if asJSON(t, byStaff) != asJSON(t, mine) {
		t.Fatalf("staff's prices of customer 1: %+v, the customer's %+v", byStaff, mine)
	}
	// Another customer's member: customer 1's prices are not found, and
	// its own are the products' own.
	e.fails(admin4, pricesOp, vars("c", "1", "p", []any{"10"}), gqlcode.NotFound)
	e.fails(admin4, unitPriceOp, vars("id", "10", "q", 12, "c", "1"), gqlcode.NotFound)
	var theirs struct{ Prices []productPriceView }
	e.ok(admin4, pricesOp, vars("p", []any{"10"}), &theirs)
	if b := breaks(theirs.Prices[0]); fmt.Sprint(b) != fmt.Sprint([]brk{{1, 999, nil}}) {
		t.Fatalf("customer 2's prices: %v", b)
	}

	// Product.price for a quantity, for the caller's customer or the one
	// staff name.
	unitPrice := func(auth, product string, qty int, customer any) unitPriceView {
		t.Helper()
		var got struct{ Product struct{ Price unitPriceView } }
		v := vars("id", product, "q", qty)
		if customer != nil {
			v["c"] = customer
		}
		e.ok(auth, unitPriceOp, v, &got)
		return got.Product.Price
	}
	if p := unitPrice(admin1, "10", 12, nil); p.UnitPriceCents != 800 || p.Currency != "USD" || deref(p.PriceListID) != l.ID || deref(p.MinQuantity) != 10 {
		t.Fatalf("price of 12 × product 10: %+v", p)
	}
	if p := unitPrice(staff, "10", 5, "1"); p.UnitPriceCents != 900 || deref(p.PriceListID) != l.ID || deref(p.MinQuantity) != 1 {
		t.Fatalf("price of 5 × product 10, for staff: %+v", p)
	}
	if p := unitPrice(admin4, "10", 12, nil); p.UnitPriceCents != 999 || p.PriceListID != nil || p.MinQuantity != nil {
		t.Fatalf("price of 12 × product 10 for customer 2: %+v", p)
	}
	// Each product of a page, for its quantity.
	var page struct {
		Products struct {
			Edges []struct{ Node struct{ Price unitPriceView } }
		}
	}
	e.ok(admin1, `{ products(first: 10) { edges { node { price(quantity: 12) { unitPriceCents priceListId } } } } }`, nil, &page)
	if n := page.Products.Edges; len(n) != 10 || n[8].Node.Price.UnitPriceCents != 1500 || n[9].Node.Price.UnitPriceCents != 800 || n[0].Node.Price.PriceListID != nil {
		t.Fatalf("products → price: %+v", n)
	}

	// Replaced, the list prices later orders anew; the first order keeps
	// what it was placed at.
	e.clock.Advance(time.Minute)
	in := contractList()
	in["entries"] = []any{map[string]any{"productId": "10", "minQuantity": 1, "unitPriceCents": 700}}
	in["rules"] = nil
	var replaced struct{ ReplacePriceList priceListView }
	e.ok(staff, replaceListOp, vars("id", l.ID, "in", in), &replaced)
	r := replaced.ReplacePriceList
	if r.ID != l.ID || r.CreatedAt != l.CreatedAt || r.UpdatedAt == l.UpdatedAt || len(r.Entries) != 1 || len(r.Rules) != 0 {
		t.Fatalf("replacePriceList: %+v", r)
	}
	second := placePriced(t, e, admin1, "price-2", 10, 12, 9, 13)
	if len(second.Items) != 2 {
		t.Fatalf("the second order: %+v", second)
	}
	for _, it := range second.Items {
		switch it.Product.ID {
		case "10":
			checkItem(t, it, "10", 12, 700, l.ID, 1)
		case "9":
			// The list no longer prices product 9, nor sets its rule.
			checkItem(t, it, "9", 13, 1999, "", 0)
		}
	}
	var again struct{ Order pricedOrder }
	e.ok(admin1, `query($id: ID!) { order(id: $id) { `+pricedFields+` } }`, vars("id", first.ID), &again)
	if asJSON(t, again.Order) != asJSON(t, first) {
		t.Fatalf("the first order, read after the list changed: %+v, placed %+v", again.Order, first)
	}
	// A replay of the first order's key answers the first order.
	if replay := placePriced(t, e, admin1, "price-1", 10, 12, 9, 24, 1, 1); asJSON(t, replay) != asJSON(t, first) {
		t.Fatalf("the first order, replayed: %+v", replay)
	}

	// Deleted, the list prices nothing; orders keep its id.
	var deleted struct{ DeletePriceList bool }
	e.ok(staff, `mutation($id: ID!) { deletePriceList(id: $id) }`, vars("id", l.ID), &deleted)
	if !deleted.DeletePriceList {
		t.Fatal("deletePriceList: false")
	}
	e.fails(staff, `mutation($id: ID!) { deletePriceList(id: $id) }`, vars("id", l.ID), gqlcode.NotFound)
	e.fails(staff, `query($id: ID!) { priceList(id: $id) { id } }`, vars("id", l.ID), gqlcode.NotFound)
	if p := unitPrice(admin1, "10", 12, nil); p.UnitPriceCents != 999 || p.PriceListID != nil {
		t.Fatalf("price after the list was deleted: %+v", p)
	}
	e.ok(admin1, `query($id: ID!) { order(id: $id) { `+pricedFields+` } }`, vars("id", second.ID), &again)
	if asJSON(t, again.Order) != asJSON(t, second) {
		t.Fatalf("the second order, read after the list was deleted: %+v, placed %+v", again.Order, second)
	}
	var none struct{ PriceLists []priceListView }
	e.ok(staff, `{ priceLists { id } }`, nil, &none)
	if none.PriceLists == nil || len(none.PriceLists) != 0 {
		t.Fatalf("priceLists after the delete: %+v", none.PriceLists)
	}
	// An order placed before currencies is in the store's.
	var seed struct{ Order struct{ Currency string } }
	e.ok(admin1, `{ order(id: "1") { currency } }`, nil, &seed)
	if seed.Order.Currency != "USD" {
		t.Fatalf("the seed's order 1: currency %q", seed.Order.Currency)
	}
}

// A list for every customer applies to each, and one for a customer to
// that customer only: a customer sees the ids of the lists that price it,
// never another customer's list. A DRAFT list prices nothing.
func TestPriceListScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staff := e.token(services.RoleStaff, 0)
	admin1, admin4 := e.member(1, 1), e.member(2, 4)
	create := func(in map[string]any) string {
		t.Helper()
		var got struct {
			CreatePriceList struct{ ID, Scope, Status string }
		}
		e.ok(staff, `mutation($in: PriceListInput!) { createPriceList(input: $in) { id scope status } }`, vars("in", in), &got)
		return got.CreatePriceList.ID
	}
	base := create(map[string]any{"name": "Base", "currency": "USD", "entries": []any{
		map[string]any{"productId": "10", "minQuantity": 1, "unitPriceCents": 950},
		map[string]any{"productId": "10", "minQuantity": 100, "unitPriceCents": 850},
	}})
	contract := create(map[string]any{"name": "ACME", "currency": "USD", "priority": 5, "scope": "CUSTOMERS", "customerIds": []any{"1"},
		"entries": []any{map[string]any{"productId": "10", "minQuantity": 1, "unitPriceCents": 900}}})
	create(map[string]any{"name": "Next year", "currency": "USD", "status": "DRAFT",
		"entries": []any{map[string]any{"productId": "10", "minQuantity": 1, "unitPriceCents": 1}}})

	pricesOf := func(auth string) string {
		t.Helper()
		var got struct{ Prices []productPriceView }
		e.ok(auth, pricesOp, vars("p", []any{"10"}), &got)
		var parts []string
		for _, b := range got.Prices[0].Breaks {
			parts = append(parts, fmt.Sprintf("%d:%d@%v", b.MinQuantity, b.UnitPriceCents, deref(b.PriceListID)))
		}
		return strings.Join(parts, " ")
	}
	// Customer 1: its contract wins by priority at every quantity.
	if got, want := pricesOf(admin1), "1:900@"+contract; got != want {
		t.Fatalf("customer 1's prices: %s, want %s", got, want)
	}
	// Customer 2: the base list only, whose breaks it sees.
	if got, want := pricesOf(admin4), "1:950@"+base+" 100:850@"+base; got != want {
		t.Fatalf("customer 2's prices: %s, want %s", got, want)
	}
	var lists struct {
		PriceLists []struct{ Name, Scope, Status string }
	}
	e.ok(staff, `{ priceLists { name scope status } }`, nil, &lists)
	if fmt.Sprint(lists.PriceLists) != "[{Base ALL ACTIVE} {ACME CUSTOMERS ACTIVE} {Next year ALL DRAFT}]" {
		t.Fatalf("priceLists: %v", lists.PriceLists)
	}
}

// Who may manage lists, and the refusals of bad input, each coded with
// the service's message and field.
func TestPriceListRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staff := e.token(services.RoleStaff, 0)
	admin1 := e.member(1, 1)

	// A customer's callers neither manage nor read lists.
	for _, auth := range []string{admin1, e.customer(1)} {
		e.fails(auth, createListOp, vars("in", contractList()), gqlcode.Forbidden)
		e.fails(auth, `{ priceLists { id } }`, nil, gqlcode.Forbidden)
		e.fails(auth, `{ priceList(id: "1") { id } }`, nil, gqlcode.Forbidden)
		e.fails(auth, replaceListOp, vars("id", "1", "in", contractList()), gqlcode.Forbidden)
		e.fails(auth, `mutation { deletePriceList(id: "1") }`, nil, gqlcode.Forbidden)
	}
	e.fails("", `{ priceLists { id } }`, nil, gqlcode.Unauthenticated)

	bad := func(change func(map[string]any), field, message string) {
		t.Helper()
		in := contractList()
		change(in)
		g := e.fails(staff, createListOp, vars("in", in), gqlcode.BadUserInput)
		if g.field() != field || !strings.Contains(g.Message, message) {
			t.Fatalf("field %q, message %q; want %q, %q", g.field(), g.Message, field, message)
		}
	}
	bad(func(in map[string]any) { in["currency"] = "EUR" }, "currency", "currency must be USD, the store's currency")
	bad(func(in map[string]any) { in["name"] = " " }, "name", "name is required")
	bad(func(in map[string]any) { in["entries"] = []any{} }, "entries", "A list has 1 to 10000 entries")
	bad(func(in map[string]any) {
		in["entries"] = []any{map[string]any{"productId": "10", "minQuantity": 0, "unitPriceCents": 1}}
	}, "entries", "min_qty must be between 1 and")
	bad(func(in map[string]any) {
		in["entries"] = []any{map[string]any{"productId": "10", "minQuantity": 1, "unitPriceCents": -1}}
	}, "entries", "unit_price_cents must be between 0 and")
	bad(func(in map[string]any) {
		in["entries"] = []any{map[string]any{"productId": "10", "minQuantity": 5, "unitPriceCents": 1},
			map[string]any{"productId": "10", "minQuantity": 5, "unitPriceCents": 2}}
	}, "entries", "Product 10 has two entries from 5")
	bad(func(in map[string]any) {
		in["entries"] = []any{map[string]any{"productId": "999", "minQuantity": 1, "unitPriceCents": 1}}
	}, "entries", "Product 999 not found")
	bad(func(in map[string]any) { in["customerIds"] = []any{"999"} }, "customer_ids", "Customer 999 not found")
	bad(func(in map[string]any) { in["scope"] = "ALL" }, "customer_ids", "A list for ALL customers names none")
	bad(func(in map[string]any) { in["scope"] = "CUSTOMERS"; in["customerIds"] = []any{} }, "customer_ids", "A list for CUSTOMERS names 1 to")
	bad(func(in map[string]any) {
		in["validFrom"], in["validTo"] = "2025-04-01T00:00:00Z", "2025-03-01T00:00:00Z"
	}, "valid_to", "valid_to must be after valid_from")
	bad(func(in map[string]any) { in["priority"] = 1001 }, "priority", "priority must be between 0 and 1000")
	bad(func(in map[string]any) {
		in["rules"] = []any{map[string]any{"productId": "9", "min": 5, "max": 2}}
	}, "rules", "max must be at least min")
	e.fails(staff, `mutation { createPriceList(input: {name: "x", currency: "USD", status: RETIRED, entries: []}) { id } }`, nil,
		gqlcode.ValidationFailed)
	e.fails(staff, replaceListOp, vars("id", "999", "in", contractList()), gqlcode.NotFound)
	e.fails(staff, `mutation { deletePriceList(id: "999") }`, nil, gqlcode.NotFound)
	e.fails(staff, `{ priceList(id: "999") { id } }`, nil, gqlcode.NotFound)

	// prices: staff name the customer; 1 to 100 products that exist.
	g := e.fails(staff, pricesOp, vars("p", []any{"10"}), gqlcode.BadUserInput)
	if g.field() != "customer_id" {
		t.Fatalf("prices without a customer, for staff: %+v", g)
	}
	e.fails(staff, unitPriceOp, vars("id", "10", "q", 1), gqlcode.BadUserInput)
	many := make([]any, 101)
	for i := range many {
		many[i] = fmt.Sprint(1 + i%10)
	}
	e.fails(admin1, pricesOp, vars("p", many), gqlcode.BadUserInput)
	e.fails(admin1, pricesOp, vars("p", []any{}), gqlcode.BadUserInput)
	e.fails(admin1, pricesOp, vars("p", []any{"10", "999"}), gqlcode.NotFound)
	e.fails(admin1, unitPriceOp, vars("id", "10", "q", 0), gqlcode.BadUserInput)
}

// Quantity rules: a list's for its customers, and a product's own, set
// and removed with updateProduct; an order, Product.price and prices
// all follow the one that applies, and a refusal says the rule.
func TestQuantityRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staff := e.token(services.RoleStaff, 0)
	admin1, admin4 := e.member(1, 1), e.member(2, 4)
	e.ok(staff, createListOp, vars("in", contractList()), nil)

	ruleRefused := func(g gqlError, want string) {
		t.Helper()
		if g.Message != want {
			t.Fatalf("message %q, want %q", g.Message, want)
		}
	}
	order := `mutation($in: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $in) { id } }`
	line := func(customer, product string, qty int, key string) map[string]any {
		return vars("in", map[string]any{"customerId": customer, "idempotencyKey": key,
			"items": []any{map[string]any{"productId": product, "quantity": qty}}})
	}
	// The contract's rule for product 9 holds from its break at 12 on.
	ruleRefused(e.fails(admin1, order, line("1", "9", 13, "q-1"), gqlcode.BadUserInput), "Product 9: order in multiples of 12")
	ruleRefused(e.fails(admin1, unitPriceOp, vars("id", "9", "q", 13), gqlcode.BadUserInput), "Product 9: order in multiples of 12")
	e.ok(admin1, order, line("1", "9", 24, "q-2"), nil)
	// Customer 2 is not the contract's: any quantity.
	e.ok(admin4, order, line("2", "9", 13, "q-3"), nil)
	// Each break of its prices says the rule there: none below 12, the
	// contract's from 12 on.
	var breaks struct {
		Prices []struct {
			Breaks []struct {
				MinQuantity  int
				QuantityRule *struct{ Increment int }
			}
		}
	}
	e.ok(admin1, `{ prices(productIds: ["9"]) { breaks { minQuantity quantityRule { increment } } } }`, nil, &breaks)
	if b := breaks.Prices[0].Breaks; len(b) != 2 || b[0].QuantityRule != nil || b[1].MinQuantity != 12 || b[1].QuantityRule == nil || b[1].QuantityRule.Increment != 12 {
		t.Fatalf("breaks of product 9: %+v", b)
	}

	// Product 8's own rule, set by staff, and kept by an update that does
	// not name it.
	type productRule struct {
		UpdateProduct struct {
			Stock        int
			QuantityRule *struct{ Min, Max, Increment int }
		}
	}
	update := `mutation($in: UpdateProductInput!) { updateProduct(id: "8", input: $in) { stock quantityRule { min max increment } } }`
	var set productRule
	e.ok(staff, update, vars("in", map[string]any{"quantityRule": map[string]any{"min": 2, "max": 10}}), &set)
	if q := set.UpdateProduct.QuantityRule; q == nil || q.Min != 2 || q.Max != 10 || q.Increment != 0 {
		t.Fatalf("updateProduct's rule: %+v", q)
	}
	e.ok(staff, update, vars("in", map[string]any{"stock": 140}), &set)
	if q := set.UpdateProduct.QuantityRule; set.UpdateProduct.Stock != 140 || q == nil || q.Min != 2 {
		t.Fatalf("updateProduct without a rule: %+v", set.UpdateProduct)
	}
	e.fails(admin1, update, vars("in", map[string]any{"quantityRule": map[string]any{}}), gqlcode.Forbidden)
	g := e.fails(staff, update, vars("in", map[string]any{"quantityRule": map[string]any{"min": 5, "max": 2}}), gqlcode.BadUserInput)
	if g.field() != "quantity_rule" || g.Message != "max must be at least min" {
		t.Fatalf("a bad rule: %+v", g)
	}
	ruleRefused(e.fails(admin4, order, line("2", "8", 1, "q-4"), gqlcode.BadUserInput), "Product 8: order at least 2")
	ruleRefused(e.fails(admin4, order, line("2", "8", 11, "q-5"), gqlcode.BadUserInput), "Product 8: order at most 10")
	ruleRefused(e.fails(admin4, unitPriceOp, vars("id", "8", "q", 1), gqlcode.BadUserInput), "Product 8: order at least 2")
	var read struct {
		Product struct {
			QuantityRule *struct{ Min, Max, Increment int }
		}
		Prices []productPriceView
	}
	e.ok(admin4, `{ product(id: "8") { quantityRule { min max increment } } prices(productIds: ["8"]) { quantityRule { min max increment } } }`, nil, &read)
	if q := read.Product.QuantityRule; q == nil || q.Min != 2 || q.Max != 10 {
		t.Fatalf("Product.quantityRule: %+v", q)
	}
	if q := read.Prices[0].QuantityRule; q == nil || q.Min != 2 || q.Max != 10 {
		t.Fatalf("ProductPrice.quantityRule: %+v", q)
	}
	// All bounds 0 remove it.
	e.ok(staff, update, vars("in", map[string]any{"quantityRule": map[string]any{"min": 0}}), &set)
	if set.UpdateProduct.QuantityRule != nil {
		t.Fatalf("updateProduct, the rule removed: %+v", set.UpdateProduct.QuantityRule)
	}
	e.ok(admin4, order, line("2", "8", 1, "q-6"), nil)
}

// The price lists' edges to products go through the product loader: the
// lists with their entries' and rules' products, and a customer's prices
// with theirs, cost a fixed number of statements. Not parallel: it counts
// the statements ent logs through the standard logger.
func TestPricingStatementCount(t *testing.T) {
	counter := &statementCounter{}
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(counter)
	log.SetFlags(0)
	t.Cleanup(func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) })
	e := newEnv(t, func(c *envConfig) {
		c.store = func(d *db.DB) *db.DB { return &db.DB{Client: d.Client.Debug(), SQL: d.SQL, Dialect: d.Dialect} }
		c.opts.Services.Wait = 100 * time.Millisecond
	})
	staff := e.token(services.RoleStaff, 0)
	for i := range 5 {
		var entries []any
		for p := 1; p <= 10; p++ {
			entries = append(entries, map[string]any{"productId": fmt.Sprint(p), "minQuantity": 1 + i, "unitPriceCents": 100 * p})
		}
		e.ok(staff, createListOp, vars("in", map[string]any{"name": fmt.Sprint("List ", i), "currency": "USD", "entries": entries,
			"rules": []any{map[string]any{"productId": fmt.Sprint(1 + i), "increment": 2}}}), nil)
	}
	counter.reset()
	var lists struct {
		PriceLists []struct {
			Entries []struct{ Product struct{ Sku string } }
			Rules   []struct{ Product struct{ Sku string } }
		}
	}
	e.ok(staff, `{ priceLists { entries { product { sku } } rules { product { sku } } } }`, nil, &lists)
	stmts := counter.reset()
	if len(lists.PriceLists) != 5 || len(lists.PriceLists[4].Entries) != 10 || lists.PriceLists[4].Rules[0].Product.Sku == "" {
		t.Fatalf("priceLists: %+v", lists)
	}
	// The lists, their customers, entries and rules, and the products.
	if len(stmts) > 5 {
		t.Fatalf("%d statements for 5 lists of 10 entries with their products, want at most 5:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	// The member, the pricing version, then (once per version) the
	// version again in a transaction with the lists' four reads, the
	// products the prices are of, and the products again through the
	// loader; once the lists are kept, the version alone.
	counter.reset()
	pricesOp := `{ prices(productIds: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]) { product { sku name } breaks { unitPriceCents } } }`
	e.ok(e.member(1, 1), pricesOp, nil, nil)
	if stmts := counter.reset(); len(stmts) > 9 {
		t.Fatalf("%d statements for the prices of 10 products with the products, want at most 9:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	e.ok(e.member(1, 1), pricesOp, nil, nil)
	if stmts := counter.reset(); len(stmts) > 4 {
		t.Fatalf("%d statements for the prices of 10 products again, want at most 4:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	// Product.price over a page goes through the price loader: the page,
	// then for all its products at once the member, the pricing version
	// (the lists are kept at it) and the products.
	var page struct {
		Products struct {
			Edges []struct {
				Node struct{ Price struct{ UnitPriceCents int } }
			}
		}
	}
	e.ok(e.member(1, 1), `{ products(first: 10) { edges { node { price(quantity: 6) { unitPriceCents } } } } }`, nil, &page)
	if len(page.Products.Edges) != 10 || page.Products.Edges[9].Node.Price.UnitPriceCents != 1000 {
		t.Fatalf("prices of a page: %+v", page)
	}
	if stmts := counter.reset(); len(stmts) > 6 {
		t.Fatalf("%d statements for Product.price over a page of 10, want at most 6:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
}
