package orders_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

var priceAt = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// modelPrice is the resolution rule said plainly, to test ResolvePrice
// against: collect every applying list's best break, sort them by the
// rule's order, take the first; else the product's own price.
func modelPrice(lists []orders.PriceList, q orders.PriceQuery) (price int64, list int, minQty int64, rule orders.QuantityRule, ok bool) {
	type offer struct {
		prio  int
		price int64
		id    int
		min   int64
		rule  orders.QuantityRule
	}
	var offers []offer
	for _, l := range lists {
		if l.Status != orders.PriceListActive || l.Currency != q.Currency {
			continue
		}
		if l.ValidFrom != nil && q.At.Before(*l.ValidFrom) {
			continue
		}
		if l.ValidTo != nil && !q.At.Before(*l.ValidTo) {
			continue
		}
		if l.Scope != orders.ScopeAll && !slices.Contains(l.CustomerIDs, q.CustomerID) {
			continue
		}
		var breaks []orders.PriceEntry
		for _, e := range l.Entries {
			if e.ProductID == q.ProductID && e.MinQty <= q.Qty {
				breaks = append(breaks, e)
			}
		}
		if len(breaks) == 0 {
			continue
		}
		slices.SortFunc(breaks, func(a, b orders.PriceEntry) int { return int(b.MinQty - a.MinQty) })
		o := offer{prio: l.Priority, price: breaks[0].UnitPriceCents, id: l.ID, min: breaks[0].MinQty, rule: q.OwnRule}
		for _, r := range l.Rules {
			if r.ProductID == q.ProductID {
				o.rule = r
			}
		}
		offers = append(offers, o)
	}
	if len(offers) == 0 {
		if q.Own == nil {
			return 0, 0, 0, q.OwnRule, false
		}
		return *q.Own, 0, 0, q.OwnRule, true
	}
	slices.SortFunc(offers, func(a, b offer) int {
		if a.prio != b.prio {
			return b.prio - a.prio
		}
		if a.price != b.price {
			return int(a.price - b.price)
		}
		return a.id - b.id
	})
	o := offers[0]
	return o.price, o.id, o.min, o.rule, true
}

func meets(r orders.QuantityRule, qty int64) bool {
	return (r.Min == 0 || qty >= r.Min) && (r.Max == 0 || qty <= r.Max) && (r.Increment <= 1 || qty%r.Increment == 0)
}

// randomLists makes up to six lists over products 1–3 and customers 1–3,
// drawing priorities, prices and minimums from small sets so that ties
// and shared breaks are common.
func randomLists(r *rand.Rand) []orders.PriceList {
	n := r.IntN(7)
	ids := r.Perm(n)
	lists := make([]orders.PriceList, n)
	day := func() *time.Time {
		if r.IntN(2) == 0 {
			return nil
		}
		t := priceAt.Add(time.Duration(r.IntN(9)-4) * 24 * time.Hour)
		return &t
	}
	for i := range lists {
		l := orders.PriceList{ID: ids[i] + 1, Currency: []string{"USD", "EUR"}[r.IntN(2)],
			Status:   []orders.PriceListStatus{orders.PriceListActive, orders.PriceListActive, orders.PriceListDraft, orders.PriceListArchived}[r.IntN(4)],
			Priority: r.IntN(3), Scope: orders.ScopeAll, ValidFrom: day(), ValidTo: day()}
		if r.IntN(3) > 0 {
			l.Scope = orders.ScopeCustomers
			for c := 1; c <= 3; c++ {
				if r.IntN(2) == 0 {
					l.CustomerIDs = append(l.CustomerIDs, c)
				}
			}
		}
		seen := map[[2]int64]bool{}
		for range r.IntN(8) {
			e := orders.PriceEntry{ProductID: 1 + r.IntN(3), MinQty: []int64{1, 5, 10, 12, 100}[r.IntN(5)], UnitPriceCents: int64(50 + 10*r.IntN(10))}
			if k := [2]int64{int64(e.ProductID), e.MinQty}; !seen[k] {
				seen[k] = true
				l.Entries = append(l.Entries, e)
			}
		}
		if r.IntN(4) == 0 {
			l.Rules = append(l.Rules, orders.QuantityRule{ProductID: 1 + r.IntN(3), Min: int64(r.IntN(3) * 5), Increment: int64([]int{0, 6, 12}[r.IntN(3)])})
		}
		lists[i] = l
	}
	return lists
}

// Property: for random lists, breaks, quantities, dates and customers,
// ResolvePrice gives what the model gives (price, list, break, or the
// refusal), and the same for the lists in any order.
func TestResolvePriceAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 1))
	own := int64(120)
	var fromList, fromOwn, refused int
	for i := range 20_000 {
		lists := randomLists(r)
		q := orders.PriceQuery{CustomerID: 1 + r.IntN(3), Currency: []string{"USD", "EUR"}[r.IntN(2)],
			At: priceAt.Add(time.Duration(r.IntN(9*24)-4*24) * time.Hour), ProductID: 1 + r.IntN(3), Qty: int64(1 + r.IntN(150))}
		if q.Currency == "USD" {
			q.Own = &own
		}
		if r.IntN(4) == 0 {
			q.OwnRule = orders.QuantityRule{ProductID: q.ProductID, Min: 2, Max: 120}
		}
		price, list, minQty, rule, ok := modelPrice(lists, q)
		wantErr := !ok || !meets(rule, q.Qty)
		for shuffle := range 2 {
			if shuffle == 1 {
				r.Shuffle(len(lists), func(a, b int) { lists[a], lists[b] = lists[b], lists[a] })
			}
			got, err := orders.ResolvePrice(lists, q)
			if wantErr {
				if services.KindOf(err) != services.Invalid {
					t.Fatalf("case %d: %+v for %+v over %+v; want a refusal", i, got, q, lists)
				}
				continue
			}
			if err != nil {
				t.Fatalf("case %d: %v for %+v over %+v; want %d (list %d, from %d)", i, err, q, lists, price, list, minQty)
			}
			gotList, gotMin := 0, int64(0)
			if got.ListID != nil {
				gotList, gotMin = *got.ListID, *got.MinQty
			}
			if got.UnitPriceCents != price || gotList != list || gotMin != minQty {
				t.Fatalf("case %d: %d (list %d, from %d) for %+v over %+v; want %d (list %d, from %d)",
					i, got.UnitPriceCents, gotList, gotMin, q, lists, price, list, minQty)
			}
		}
		switch {
		case wantErr:
			refused++
		case list != 0:
			fromList++
		default:
			fromOwn++
		}
	}
	// The generator must reach every outcome often, or the property
	// says little.
	if fromList < 2_000 || fromOwn < 2_000 || refused < 2_000 {
		t.Fatalf("outcomes: %d from a list, %d own price, %d refused", fromList, fromOwn, refused)
	}
}

// The classes of pricing bugs other platforms shipped, each pinned by a
// case: breaks not applied at their minimum, the wrong list for a
// customer in two, expired or future lists applied, another customer's
// list leaking, a list without the product hiding a lower-priority one.
func TestResolvePriceBugClasses(t *testing.T) {
	day := func(d int) *time.Time { t := priceAt.AddDate(0, 0, d); return &t }
	own := int64(100)
	contract := orders.PriceList{ID: 1, Currency: "USD", Status: orders.PriceListActive, Priority: 1, Scope: orders.ScopeCustomers, CustomerIDs: []int{1},
		Entries: []orders.PriceEntry{{ProductID: 1, MinQty: 1, UnitPriceCents: 90}, {ProductID: 1, MinQty: 10, UnitPriceCents: 80}, {ProductID: 1, MinQty: 100, UnitPriceCents: 70}}}
	base := orders.PriceList{ID: 2, Currency: "USD", Status: orders.PriceListActive, Priority: 0, Scope: orders.ScopeAll,
		Entries: []orders.PriceEntry{{ProductID: 1, MinQty: 1, UnitPriceCents: 95}, {ProductID: 2, MinQty: 1, UnitPriceCents: 45}}}
	with := func(l orders.PriceList, f func(*orders.PriceList)) orders.PriceList { f(&l); return l }
	for _, c := range []struct {
		name     string
		lists    []orders.PriceList
		customer int
		product  int
		qty      int64
		currency string
		rule     orders.QuantityRule
		want     int64
		list     int
		err      string
	}{
		{name: "a break applies at exactly its minimum", lists: []orders.PriceList{contract}, customer: 1, product: 1, qty: 10, want: 80, list: 1},
		{name: "a break does not apply below its minimum", lists: []orders.PriceList{contract}, customer: 1, product: 1, qty: 9, want: 90, list: 1},
		{name: "the highest break at or below the quantity", lists: []orders.PriceList{contract}, customer: 1, product: 1, qty: 250, want: 70, list: 1},
		{name: "the customer's list over the base list by priority", lists: []orders.PriceList{base, contract}, customer: 1, product: 1, qty: 1, want: 90, list: 1},
		{name: "another customer gets the base list", lists: []orders.PriceList{base, contract}, customer: 2, product: 1, qty: 10, want: 95, list: 2},
		{name: "a customer in two lists of one priority pays the lower price", customer: 1, product: 1, qty: 10, want: 75, list: 3,
			lists: []orders.PriceList{contract, with(contract, func(l *orders.PriceList) {
				l.ID, l.Entries = 3, []orders.PriceEntry{{ProductID: 1, MinQty: 5, UnitPriceCents: 75}}
			})}},
		{name: "equal priority and price: the lower list id", customer: 1, product: 1, qty: 1, want: 90, list: 1,
			lists: []orders.PriceList{with(contract, func(l *orders.PriceList) { l.ID = 7 }), contract}},
		{name: "a list without the product falls through to the next list", lists: []orders.PriceList{contract, base}, customer: 1, product: 2, qty: 1, want: 45, list: 2},
		{name: "a list whose breaks all start above the quantity falls through", customer: 1, product: 1, qty: 5, want: 95, list: 2,
			lists: []orders.PriceList{base, with(contract, func(l *orders.PriceList) { l.Entries = l.Entries[1:] })}},
		{name: "an expired list does not apply (valid to is exclusive)", customer: 1, product: 1, qty: 1, want: 95, list: 2,
			lists: []orders.PriceList{base, with(contract, func(l *orders.PriceList) { l.ValidTo = &priceAt })}},
		{name: "a list applies from its first instant", customer: 1, product: 1, qty: 1, want: 90, list: 1,
			lists: []orders.PriceList{base, with(contract, func(l *orders.PriceList) { l.ValidFrom = &priceAt; l.ValidTo = day(1) })}},
		{name: "a future list does not apply", customer: 1, product: 1, qty: 1, want: 95, list: 2,
			lists: []orders.PriceList{base, with(contract, func(l *orders.PriceList) { l.ValidFrom = day(1) })}},
		{name: "a draft list does not apply", customer: 1, product: 1, qty: 1, want: 95, list: 2,
			lists: []orders.PriceList{base, with(contract, func(l *orders.PriceList) { l.Status = orders.PriceListDraft })}},
		{name: "an archived list does not apply", customer: 1, product: 1, qty: 1, want: 100,
			lists: []orders.PriceList{with(contract, func(l *orders.PriceList) { l.Status = orders.PriceListArchived })}},
		{name: "a list in another currency does not apply", customer: 1, product: 1, qty: 1, want: 95, list: 2,
			lists: []orders.PriceList{base, with(contract, func(l *orders.PriceList) { l.Currency = "EUR" })}},
		{name: "no list and no own price in the currency", lists: []orders.PriceList{contract}, customer: 1, product: 1, qty: 1, currency: "EUR",
			err: "Product 1 has no price in EUR"},
		{name: "no list: the product's own price", customer: 3, product: 3, qty: 1, want: 100, lists: []orders.PriceList{contract, base}},
		{name: "the product's rule: multiples of the carton", customer: 3, product: 3, qty: 13, rule: orders.QuantityRule{ProductID: 3, Increment: 12},
			err: "Product 3: order in multiples of 12"},
		{name: "the product's rule: a minimum", customer: 3, product: 3, qty: 1, rule: orders.QuantityRule{ProductID: 3, Min: 6},
			err: "Product 3: order at least 6"},
		{name: "the product's rule: a maximum", customer: 3, product: 3, qty: 50, rule: orders.QuantityRule{ProductID: 3, Max: 40},
			err: "Product 3: order at most 40"},
		{name: "the winning list's rule overrides the product's", customer: 1, product: 1, qty: 10, want: 80, list: 1,
			rule:  orders.QuantityRule{ProductID: 1, Increment: 12},
			lists: []orders.PriceList{with(contract, func(l *orders.PriceList) { l.Rules = []orders.QuantityRule{{ProductID: 1, Increment: 5}} })}},
		{name: "a losing list's rule does not apply", customer: 1, product: 1, qty: 10, want: 80, list: 1,
			lists: []orders.PriceList{contract, with(base, func(l *orders.PriceList) { l.Rules = []orders.QuantityRule{{ProductID: 1, Increment: 12}} })}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := orders.PriceQuery{CustomerID: c.customer, Currency: "USD", At: priceAt, ProductID: c.product, Qty: c.qty, OwnRule: c.rule}
			if c.currency != "" {
				q.Currency = c.currency
			} else {
				q.Own = &own
			}
			got, err := orders.ResolvePrice(c.lists, q)
			if c.err != "" {
				if services.KindOf(err) != services.Invalid || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %+v, %v; want %q", got, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			list := 0
			if got.ListID != nil {
				list = *got.ListID
			}
			if got.UnitPriceCents != c.want || list != c.list {
				t.Fatalf("got %d from list %d; want %d from list %d", got.UnitPriceCents, list, c.want, c.list)
			}
		})
	}

}
