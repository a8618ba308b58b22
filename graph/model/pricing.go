package model

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

// Estimated list sizes of pricing for the complexity limit. Price lists
// are staff's and few; a list may hold up to orders.MaxPriceEntries
// breaks, but a contract names tens of products, a product a handful of
// breaks.
const (
	// PriceListsPerStore is what Query.priceLists counts for.
	PriceListsPerStore = 20
	// EntriesPerPriceList is what PriceList.entries counts for.
	EntriesPerPriceList = 100
	// RulesPerPriceList is what PriceList.rules counts for.
	RulesPerPriceList = 10
	// BreaksPerPrice is what ProductPrice.breaks counts for: 1 and the
	// minimum of each break of the lists that apply.
	BreaksPerPrice = 5
)

// PriceListStatus is whether a price list is in force.
type PriceListStatus string

// The price list states, as the services name them.
const (
	PriceListStatusDraft    = PriceListStatus(orders.PriceListDraft)
	PriceListStatusActive   = PriceListStatus(orders.PriceListActive)
	PriceListStatusArchived = PriceListStatus(orders.PriceListArchived)
)

// MarshalGQL writes the enum value.
func (s PriceListStatus) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(s)))
}

// UnmarshalGQL reads an enum value.
// Errors: Invalid for anything but the three states.
func (s *PriceListStatus) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	switch st := PriceListStatus(str); st {
	case PriceListStatusDraft, PriceListStatusActive, PriceListStatusArchived:
		*s = st
		return nil
	}
	return services.InvalidField("status", fmt.Sprintf("Invalid price list status: %v", v))
}

// PriceScope is whom a price list is for.
type PriceScope string

// The scopes, as the services name them.
const (
	PriceScopeAll       = PriceScope(orders.ScopeAll)
	PriceScopeCustomers = PriceScope(orders.ScopeCustomers)
)

// MarshalGQL writes the enum value.
func (s PriceScope) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(s)))
}

// UnmarshalGQL reads an enum value.
// Errors: Invalid for anything but ALL and CUSTOMERS.
func (s *PriceScope) UnmarshalGQL(v any) error {
	str, _ := v.(string)
	switch sc := PriceScope(str); sc {
	case PriceScopeAll, PriceScopeCustomers:
		*s = sc
		return nil
	}
	return services.InvalidField("scope", fmt.Sprintf("Invalid price scope: %v", v))
}

// PriceList is a price list with its customers, breaks and rules.
type PriceList struct {
	ID                 int
	Name               string
	Currency           string
	Status             PriceListStatus
	Scope              PriceScope
	ValidFrom, ValidTo *time.Time
	Priority           int
	CustomerIDs        []int
	Entries            []*PriceEntry
	Rules              []*PriceListRule
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// PriceEntry is one break of a list; its product is resolved through the
// product loader.
type PriceEntry struct {
	ProductID      int
	MinQuantity    int64
	UnitPriceCents int64
}

// PriceListRule is a list's quantity rule for one product, resolved
// through the product loader.
type PriceListRule struct {
	ProductID           int
	Min, Max, Increment int64
}

// QuantityRule bounds the quantity of a line; 0 sets no bound.
type QuantityRule struct {
	Min, Max, Increment int64
}

// ProductPrice is what a customer pays now for a product; its product is
// resolved through the product loader.
type ProductPrice struct {
	ProductID    int
	Currency     string
	Breaks       []*PriceBreak
	QuantityRule *QuantityRule
}

// PriceBreak is a unit price from MinQuantity on, the list that gives it
// (nil: the product's own price), and the rule that binds a line there.
type PriceBreak struct {
	MinQuantity    int64
	UnitPriceCents int64
	PriceListID    *int
	QuantityRule   *QuantityRule
}

// UnitPrice is what one unit costs in a line of a given quantity.
type UnitPrice struct {
	UnitPriceCents int64
	Currency       string
	PriceListID    *int
	MinQuantity    *int64
}

// PriceListInput is the argument of createPriceList and replacePriceList.
type PriceListInput struct {
	Name               string
	Currency           string
	Status             *PriceListStatus
	Scope              *PriceScope
	ValidFrom, ValidTo *time.Time
	Priority           *int
	CustomerIDs        []int
	Entries            []*PriceEntryInput
	Rules              []*PriceListRuleInput
}

// PriceEntryInput is one break of a PriceListInput.
type PriceEntryInput struct {
	ProductID      int
	MinQuantity    int64
	UnitPriceCents int64
}

// PriceListRuleInput is a list's quantity rule for one product; a bound
// left out (or null) is none.
type PriceListRuleInput struct {
	ProductID           int
	Min, Max, Increment *int64
}

// QuantityRuleInput is a product's own quantity rule; a bound left out
// (or null) is none.
type QuantityRuleInput struct {
	Min, Max, Increment *int64
}

// Service converts the input for the orders service, which validates it
// and applies its defaults (status ACTIVE, the scope from customerIds).
func (in PriceListInput) Service() orders.PriceListInput {
	out := orders.PriceListInput{Name: in.Name, Currency: in.Currency, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo,
		CustomerIDs: in.CustomerIDs}
	if in.Status != nil {
		out.Status = string(*in.Status)
	}
	if in.Scope != nil {
		out.Scope = string(*in.Scope)
	}
	if in.Priority != nil {
		out.Priority = *in.Priority
	}
	out.Entries = services.Map(in.Entries, func(e *PriceEntryInput) orders.PriceEntry {
		return orders.PriceEntry{ProductID: e.ProductID, MinQty: e.MinQuantity, UnitPriceCents: e.UnitPriceCents}
	})
	out.Rules = services.Map(in.Rules, func(r *PriceListRuleInput) orders.QuantityRule {
		return orders.QuantityRule{ProductID: r.ProductID, Min: orZero(r.Min), Max: orZero(r.Max), Increment: orZero(r.Increment)}
	})
	return out
}

// Service converts the input for the orders service; nil leaves the
// product's rule unchanged.
func (in *QuantityRuleInput) Service() *orders.QuantityRule {
	if in == nil {
		return nil
	}
	return &orders.QuantityRule{Min: orZero(in.Min), Max: orZero(in.Max), Increment: orZero(in.Increment)}
}

func orZero(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}

// FromPriceList converts a service price list.
func FromPriceList(l orders.PriceList) *PriceList {
	return &PriceList{ID: l.ID, Name: l.Name, Currency: l.Currency, Status: PriceListStatus(l.Status), Scope: PriceScope(l.Scope),
		ValidFrom: l.ValidFrom, ValidTo: l.ValidTo, Priority: l.Priority, CustomerIDs: nonNil(l.CustomerIDs),
		Entries: services.Map(l.Entries, func(e orders.PriceEntry) *PriceEntry {
			return &PriceEntry{ProductID: e.ProductID, MinQuantity: e.MinQty, UnitPriceCents: e.UnitPriceCents}
		}),
		Rules: services.Map(l.Rules, func(r orders.QuantityRule) *PriceListRule {
			return &PriceListRule{ProductID: r.ProductID, Min: r.Min, Max: r.Max, Increment: r.Increment}
		}),
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

// FromProductPrice converts a service product price.
func FromProductPrice(p orders.ProductPrice) *ProductPrice {
	return &ProductPrice{ProductID: p.ProductID, Currency: p.Currency, QuantityRule: RuleOf(p.Rule),
		Breaks: services.Map(p.Breaks, func(b orders.PriceBreak) *PriceBreak {
			return &PriceBreak{MinQuantity: b.MinQty, UnitPriceCents: b.UnitPriceCents, PriceListID: b.ListID, QuantityRule: RuleOf(b.Rule)}
		})}
}

// FromPrice converts a service price, in currency.
func FromPrice(p orders.Price, currency string) *UnitPrice {
	return &UnitPrice{UnitPriceCents: p.UnitPriceCents, Currency: currency, PriceListID: p.ListID, MinQuantity: p.MinQty}
}

// RuleOf converts a service quantity rule; nil for the zero rule, which
// sets no bound.
func RuleOf(r orders.QuantityRule) *QuantityRule {
	if r.Min == 0 && r.Max == 0 && r.Increment == 0 {
		return nil
	}
	return &QuantityRule{Min: r.Min, Max: r.Max, Increment: r.Increment}
}

// nonNil is ids, or an empty list for none: the graph's [ID!]! is never
// null.
func nonNil(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}
