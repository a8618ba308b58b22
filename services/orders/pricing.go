package orders

import (
	"fmt"
	"time"

	"github.com/b2b-orders/platform/services"
)

// PriceListStatus is whether a price list is in force.
type PriceListStatus string

// A list is in force only while ACTIVE; DRAFT is being prepared, ARCHIVED
// is kept for the orders that name it.
const (
	PriceListDraft    PriceListStatus = "DRAFT"
	PriceListActive   PriceListStatus = "ACTIVE"
	PriceListArchived PriceListStatus = "ARCHIVED"
)

// PriceScope is whom a price list is for.
type PriceScope string

// A base list (ALL) is for every customer; a CUSTOMERS list for the
// customers it names.
const (
	ScopeAll       PriceScope = "ALL"
	ScopeCustomers PriceScope = "CUSTOMERS"
)

// PriceList is a set of contract prices: per product, unit prices from a
// minimum quantity (its breaks), and optionally the product's quantity
// rule within the list.
type PriceList struct {
	ID       int
	Name     string
	Currency string
	Status   PriceListStatus
	// The list is valid from ValidFrom (inclusive) to ValidTo
	// (exclusive); nil is open-ended.
	ValidFrom, ValidTo *time.Time
	Priority           int
	Scope              PriceScope
	CustomerIDs        []int
	Entries            []PriceEntry
	Rules              []QuantityRule
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// PriceEntry is one break: the unit price of a product from MinQty on.
type PriceEntry struct {
	ProductID      int
	MinQty         int64
	UnitPriceCents int64
}

// QuantityRule bounds how much of a product one line may order: at least
// Min, at most Max, in multiples of Increment; 0 leaves a bound unset.
type QuantityRule struct {
	ProductID           int
	Min, Max, Increment int64
}

// Price is what a line pays per unit, and what gave it: a list's break
// (ListID and MinQty), or the product's own price (both nil).
type Price struct {
	UnitPriceCents int64
	ListID         *int
	MinQty         *int64
	// Rule is the quantity rule the line must meet: the giving list's for
	// the product, else the product's own.
	Rule QuantityRule
}

// PriceQuery is one line to price: whose, when, in which currency, and
// the product's own price and rule, which apply when no list gives one.
// Own is nil when the product has no price in Currency (its own price is
// in the default currency).
type PriceQuery struct {
	CustomerID int
	Currency   string
	At         time.Time
	ProductID  int
	Qty        int64
	Own        *int64
	OwnRule    QuantityRule
}

// ResolvePrice prices one line from the lists there are; the one rule,
// written here and in docs/pricing.md (internal/layers tests that the two
// tables agree):
//
//	step      rule
//	applies   status ACTIVE; currency equal to the order's; valid_from <= now < valid_to (null:
//	          open); scope ALL, or CUSTOMERS naming the customer
//	offers    an applying list offers a price for the line when it has a break of the product at
//	          or below the line's quantity; its price is the break with the highest such minimum
//	wins      of the lists that offer one: the highest priority; on equal priority the lowest
//	          price; then the lowest list id, so the answer never depends on the order lists are
//	          read in
//	fallback  no list offers one: the product's own price
//	rule      the line's quantity must meet the winning list's rule for the product, else the
//	          product's own: at least min, at most max, a multiple of increment
//
// Errors: Invalid (field items) when no price applies in the currency, or
// the quantity breaks the rule, which the message says ("order in
// multiples of 12").
func ResolvePrice(lists []PriceList, q PriceQuery) (Price, error) {
	best, err := priceOf(lists, q)
	if err != nil {
		return Price{}, err
	}
	if err := best.Rule.check(q.ProductID, q.Qty); err != nil {
		return Price{}, err
	}
	return best, nil
}

// priceOf is ResolvePrice without the quantity rule's check.
// Errors: Invalid when no price applies in the currency.
func priceOf(lists []PriceList, q PriceQuery) (Price, error) {
	var (
		best     Price
		bestPrio int
		found    bool
	)
	for i := range lists {
		l := &lists[i]
		if !l.appliesTo(q.CustomerID, q.Currency, q.At) {
			continue
		}
		e, ok := l.breakFor(q.ProductID, q.Qty)
		if !ok {
			continue
		}
		if found && !better(l.Priority, e.UnitPriceCents, l.ID, bestPrio, best.UnitPriceCents, *best.ListID) {
			continue
		}
		id, minQty := l.ID, e.MinQty
		best, bestPrio, found = Price{UnitPriceCents: e.UnitPriceCents, ListID: &id, MinQty: &minQty, Rule: q.OwnRule}, l.Priority, true
		if r, ok := l.ruleFor(q.ProductID); ok {
			best.Rule = r
		}
	}
	if !found {
		if q.Own == nil {
			return Price{}, services.InvalidField("items", fmt.Sprintf("Product %d has no price in %s", q.ProductID, q.Currency))
		}
		best = Price{UnitPriceCents: *q.Own, Rule: q.OwnRule}
	}
	return best, nil
}

// better reports whether a list of priority prio offering price, with id,
// wins over the best so far.
func better(prio int, price int64, id int, bestPrio int, bestPrice int64, bestID int) bool {
	if prio != bestPrio {
		return prio > bestPrio
	}
	if price != bestPrice {
		return price < bestPrice
	}
	return id < bestID
}

// appliesTo reports whether l is in force for the customer, in currency,
// at at.
func (l *PriceList) appliesTo(customerID int, currency string, at time.Time) bool {
	if l.Status != PriceListActive || l.Currency != currency {
		return false
	}
	if l.ValidFrom != nil && at.Before(*l.ValidFrom) || l.ValidTo != nil && !at.Before(*l.ValidTo) {
		return false
	}
	if l.Scope == ScopeAll {
		return true
	}
	for _, id := range l.CustomerIDs {
		if id == customerID {
			return true
		}
	}
	return false
}

// breakFor is l's break for a line of qty of the product: the one with
// the highest minimum at or below qty.
func (l *PriceList) breakFor(productID int, qty int64) (PriceEntry, bool) {
	var (
		best  PriceEntry
		found bool
	)
	for _, e := range l.Entries {
		if e.ProductID == productID && e.MinQty <= qty && (!found || e.MinQty > best.MinQty) {
			best, found = e, true
		}
	}
	return best, found
}

func (l *PriceList) ruleFor(productID int) (QuantityRule, bool) {
	for _, r := range l.Rules {
		if r.ProductID == productID {
			return r, true
		}
	}
	return QuantityRule{}, false
}

// check reports whether qty meets r.
// Errors: Invalid (field items), saying the rule.
func (r QuantityRule) check(productID int, qty int64) error {
	switch {
	case r.Min > 0 && qty < r.Min:
		return services.InvalidField("items", fmt.Sprintf("Product %d: order at least %d", productID, r.Min))
	case r.Max > 0 && qty > r.Max:
		return services.InvalidField("items", fmt.Sprintf("Product %d: order at most %d", productID, r.Max))
	case r.Increment > 1 && qty%r.Increment != 0:
		return services.InvalidField("items", fmt.Sprintf("Product %d: order in multiples of %d", productID, r.Increment))
	}
	return nil
}
