package orders

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/customer"
	"github.com/b2b-orders/platform/ent/predicate"
	"github.com/b2b-orders/platform/ent/priceentry"
	"github.com/b2b-orders/platform/ent/pricelist"
	"github.com/b2b-orders/platform/ent/pricelistcustomer"
	"github.com/b2b-orders/platform/ent/pricelistrule"
	"github.com/b2b-orders/platform/ent/product"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// Bounds on one price list.
const (
	MaxPriceEntries      = 10_000
	MaxPriceListCustomer = 1_000
	MaxPriority          = 1_000
	// MaxPricedLines bounds one PricesOf (a page of products priced at
	// once).
	MaxPricedLines = 1_000
)

// PriceListInput is a whole price list, as created or as it replaces one.
type PriceListInput struct {
	Name     string
	Currency string
	// Status defaults to ACTIVE; Scope to CUSTOMERS when CustomerIDs are
	// given, else ALL.
	Status             string
	Scope              string
	ValidFrom, ValidTo *time.Time
	Priority           int
	CustomerIDs        []int
	Entries            []PriceEntry
	Rules              []QuantityRule
}

// CreatePriceList adds a price list. Staff manage lists.
// Errors: Unauthenticated; PermissionDenied for customer principals;
// Invalid, naming the first failing field (a break of quantity 0 or a
// negative price, two entries for one product and minimum, a currency
// other than the store's, a customer or product that does not exist).
func (s *Service) CreatePriceList(ctx context.Context, in PriceListInput) (PriceList, error) {
	return s.savePriceList(ctx, 0, false, in)
}

// ReplacePriceList replaces every field, customer, break and rule of a
// list; orders placed from it keep the prices they were placed at.
// Errors: those of CreatePriceList; NotFound "Price list not found".
func (s *Service) ReplacePriceList(ctx context.Context, id int, in PriceListInput) (PriceList, error) {
	return s.savePriceList(ctx, id, true, in)
}

// DeletePriceList removes a list; orders placed from it keep its id and
// their prices.
// Errors: Unauthenticated; PermissionDenied for customer principals;
// NotFound "Price list not found".
func (s *Service) DeletePriceList(ctx context.Context, id int) error {
	if err := s.requireManager(ctx); err != nil {
		return err
	}
	err := s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := bumpPricing(ctx, tx); err != nil {
			return err
		}
		n, err := tx.PriceList.Delete().Where(pricelist.ID(id)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errPriceListNotFound
		}
		return deleteListRows(ctx, tx, id)
	})
	return storeerr.Classify(err, "delete price list")
}

// GetPriceList returns one list with its customers, breaks and rules.
// Errors: Unauthenticated; PermissionDenied for customer principals;
// NotFound "Price list not found".
func (s *Service) GetPriceList(ctx context.Context, id int) (PriceList, error) {
	if err := s.requireManager(ctx); err != nil {
		return PriceList{}, err
	}
	lists, err := readPriceLists(ctx, clientPrices(s.db.Client), pricelist.ID(id))
	if err != nil {
		return PriceList{}, storeerr.Classify(err, "get price list")
	}
	if len(lists) == 0 {
		return PriceList{}, errPriceListNotFound
	}
	return lists[0], nil
}

// ListPriceLists returns every list, in id order.
// Errors: Unauthenticated; PermissionDenied for customer principals.
func (s *Service) ListPriceLists(ctx context.Context) ([]PriceList, error) {
	if err := s.requireManager(ctx); err != nil {
		return nil, err
	}
	lists, err := readPriceLists(ctx, clientPrices(s.db.Client))
	return lists, storeerr.Classify(err, "list price lists")
}

var errPriceListNotFound = services.NotFoundf("Price list not found")

// savePriceList creates a list, or replaces list id.
func (s *Service) savePriceList(ctx context.Context, id int, replace bool, in PriceListInput) (PriceList, error) {
	if err := s.requireManager(ctx); err != nil {
		return PriceList{}, err
	}
	if replace && id < 1 {
		return PriceList{}, errPriceListNotFound
	}
	l, err := s.checkPriceList(in)
	if err != nil {
		return PriceList{}, err
	}
	now := s.stamp()
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		// First: the version's row lock makes changes of lists take
		// turns, and the version tells every process to read them again.
		if err := bumpPricing(ctx, tx); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, l); err != nil {
			return err
		}
		if !replace {
			create := tx.PriceList.Create().SetCreatedAt(now)
			setList(create.Mutation(), l, now)
			row, err := create.Save(ctx)
			if err != nil {
				return err
			}
			l.ID, l.CreatedAt = row.ID, row.CreatedAt.UTC()
		} else {
			update := tx.PriceList.UpdateOneID(id)
			setList(update.Mutation(), l, now)
			row, err := update.Save(ctx)
			if ent.IsNotFound(err) {
				return errPriceListNotFound
			}
			if err != nil {
				return err
			}
			if err := deleteListRows(ctx, tx, id); err != nil {
				return err
			}
			l.ID, l.CreatedAt = id, row.CreatedAt.UTC()
		}
		l.UpdatedAt = now
		return insertListRows(ctx, tx, &l)
	})
	if err != nil {
		return PriceList{}, storeerr.Classify(err, "save price list")
	}
	return l, nil
}

// setList sets every field of l that a create and a replace write.
func setList(m *ent.PriceListMutation, l PriceList, now time.Time) {
	m.SetName(l.Name)
	m.SetCurrency(l.Currency)
	m.SetStatus(string(l.Status))
	m.SetPriority(l.Priority)
	m.SetScope(string(l.Scope))
	m.SetUpdatedAt(now)
	// A replace that leaves the window open clears what was there.
	if l.ValidFrom != nil {
		m.SetValidFrom(*l.ValidFrom)
	} else {
		m.ClearValidFrom()
	}
	if l.ValidTo != nil {
		m.SetValidTo(*l.ValidTo)
	} else {
		m.ClearValidTo()
	}
}

// checkPriceList validates in and returns it as a list, its rows sorted.
// Errors: Invalid, naming the first failing field.
func (s *Service) checkPriceList(in PriceListInput) (PriceList, error) {
	name := strings.TrimSpace(in.Name)
	if err := services.CheckLen("name", name, 100, true, "name is required", "name must be at most 100 characters"); err != nil {
		return PriceList{}, err
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return PriceList{}, services.InvalidField("name", "name must not contain control characters")
	}
	if in.Currency != s.cfg.Currency {
		return PriceList{}, services.InvalidField("currency", fmt.Sprintf("currency must be %s, the store's currency", s.cfg.Currency))
	}
	l := PriceList{Name: name, Currency: in.Currency, Status: PriceListStatus(in.Status), Priority: in.Priority,
		ValidFrom: utcMillis(in.ValidFrom), ValidTo: utcMillis(in.ValidTo), CustomerIDs: slices.Clone(in.CustomerIDs)}
	switch l.Status {
	case "":
		l.Status = PriceListActive
	case PriceListDraft, PriceListActive, PriceListArchived:
	default:
		return PriceList{}, services.InvalidField("status", "status must be DRAFT, ACTIVE or ARCHIVED")
	}
	switch PriceScope(in.Scope) {
	case "":
		l.Scope = ScopeAll
		if len(l.CustomerIDs) > 0 {
			l.Scope = ScopeCustomers
		}
	case ScopeAll, ScopeCustomers:
		l.Scope = PriceScope(in.Scope)
	default:
		return PriceList{}, services.InvalidField("scope", "scope must be ALL or CUSTOMERS")
	}
	if l.Scope == ScopeAll && len(l.CustomerIDs) > 0 {
		return PriceList{}, services.InvalidField("customer_ids", "A list for ALL customers names none")
	}
	slices.Sort(l.CustomerIDs)
	l.CustomerIDs = slices.Compact(l.CustomerIDs)
	if l.Scope == ScopeCustomers && (len(l.CustomerIDs) == 0 || len(l.CustomerIDs) > MaxPriceListCustomer) {
		return PriceList{}, services.InvalidField("customer_ids", fmt.Sprintf("A list for CUSTOMERS names 1 to %d customers", MaxPriceListCustomer))
	}
	if len(l.CustomerIDs) > 0 && l.CustomerIDs[0] < 1 {
		return PriceList{}, services.InvalidField("customer_ids", "Invalid customer ID")
	}
	for _, v := range []struct {
		field string
		t     *time.Time
	}{{"valid_from", l.ValidFrom}, {"valid_to", l.ValidTo}} {
		if v.t != nil && (v.t.Year() < 1970 || v.t.Year() > 9999) {
			return PriceList{}, services.InvalidField(v.field, v.field+" must be between 1970 and 9999 (UTC)")
		}
	}
	if l.ValidFrom != nil && l.ValidTo != nil && !l.ValidTo.After(*l.ValidFrom) {
		return PriceList{}, services.InvalidField("valid_to", "valid_to must be after valid_from")
	}
	if l.Priority < 0 || l.Priority > MaxPriority {
		return PriceList{}, services.InvalidField("priority", fmt.Sprintf("priority must be between 0 and %d", MaxPriority))
	}
	if len(in.Entries) == 0 || len(in.Entries) > MaxPriceEntries {
		return PriceList{}, services.InvalidField("entries", fmt.Sprintf("A list has 1 to %d entries", MaxPriceEntries))
	}
	l.Entries = slices.Clone(in.Entries)
	slices.SortFunc(l.Entries, func(a, b PriceEntry) int {
		if a.ProductID != b.ProductID {
			return a.ProductID - b.ProductID
		}
		return int(a.MinQty - b.MinQty)
	})
	for i, e := range l.Entries {
		switch {
		case e.ProductID < 1:
			return PriceList{}, services.InvalidField("entries", "Invalid product ID")
		case e.MinQty < 1 || e.MinQty > MaxQty:
			return PriceList{}, services.InvalidField("entries", fmt.Sprintf("min_qty must be between 1 and %d", MaxQty))
		case e.UnitPriceCents < 0 || e.UnitPriceCents > MaxAmount:
			return PriceList{}, services.InvalidField("entries", fmt.Sprintf("unit_price_cents must be between 0 and %d", MaxAmount))
		case i > 0 && l.Entries[i-1].ProductID == e.ProductID && l.Entries[i-1].MinQty == e.MinQty:
			return PriceList{}, services.InvalidField("entries", fmt.Sprintf("Product %d has two entries from %d", e.ProductID, e.MinQty))
		}
	}
	if len(in.Rules) > MaxPriceEntries {
		return PriceList{}, services.InvalidField("rules", fmt.Sprintf("A list has at most %d rules", MaxPriceEntries))
	}
	l.Rules = slices.Clone(in.Rules)
	slices.SortFunc(l.Rules, func(a, b QuantityRule) int { return a.ProductID - b.ProductID })
	for i, r := range l.Rules {
		if err := checkRule("rules", r); err != nil {
			return PriceList{}, err
		}
		if i > 0 && l.Rules[i-1].ProductID == r.ProductID {
			return PriceList{}, services.InvalidField("rules", fmt.Sprintf("Product %d has two rules", r.ProductID))
		}
	}
	return l, nil
}

// checkRule validates a quantity rule: a list's (field "rules") or a
// product's own (field "quantity_rule").
// Errors: Invalid naming field.
func checkRule(field string, r QuantityRule) error {
	switch {
	case r.ProductID < 1:
		return services.InvalidField(field, "Invalid product ID")
	case r.Min < 0 || r.Max < 0 || r.Increment < 0 || r.Min > MaxQty || r.Max > MaxQty || r.Increment > MaxQty:
		return services.InvalidField(field, fmt.Sprintf("min, max and increment must be between 0 and %d", MaxQty))
	case r.Max > 0 && r.Max < r.Min:
		return services.InvalidField(field, "max must be at least min")
	case r.Increment > 1 && r.Max > 0 && (max(r.Min, 1)+r.Increment-1)/r.Increment*r.Increment > r.Max:
		return services.InvalidField(field, "No quantity between min and max is a multiple of increment")
	}
	return nil
}

// mustExist checks that the customers and products l names exist.
// Errors: Invalid naming the first that does not.
func mustExist(ctx context.Context, tx *ent.Tx, l PriceList) error {
	if len(l.CustomerIDs) > 0 {
		found, err := tx.Customer.Query().Where(customer.IDIn(l.CustomerIDs...), customer.DeletedAtIsNil()).IDs(ctx)
		if err != nil {
			return err
		}
		live := setOf(found)
		for _, id := range l.CustomerIDs {
			if !live[id] {
				return services.InvalidField("customer_ids", fmt.Sprintf("Customer %d not found", id))
			}
		}
	}
	var ids []int
	for _, e := range l.Entries {
		ids = append(ids, e.ProductID)
	}
	for _, r := range l.Rules {
		ids = append(ids, r.ProductID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	found, err := tx.Product.Query().Where(product.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return err
	}
	exists := setOf(found)
	for _, id := range ids {
		if !exists[id] {
			return services.InvalidField("entries", fmt.Sprintf("Product %d not found", id))
		}
	}
	return nil
}

func insertListRows(ctx context.Context, tx *ent.Tx, l *PriceList) error {
	const batch = 1000
	for i := 0; i < len(l.CustomerIDs); i += batch {
		part := l.CustomerIDs[i:min(i+batch, len(l.CustomerIDs))]
		b := make([]*ent.PriceListCustomerCreate, len(part))
		for j, c := range part {
			b[j] = tx.PriceListCustomer.Create().SetPriceListID(l.ID).SetCustomerID(c)
		}
		if err := tx.PriceListCustomer.CreateBulk(b...).Exec(ctx); err != nil {
			return err
		}
	}
	for i := 0; i < len(l.Entries); i += batch {
		part := l.Entries[i:min(i+batch, len(l.Entries))]
		b := make([]*ent.PriceEntryCreate, len(part))
		for j, e := range part {
			b[j] = tx.PriceEntry.Create().SetPriceListID(l.ID).SetProductID(e.ProductID).SetMinQty(e.MinQty).SetUnitPriceCents(e.UnitPriceCents)
		}
		if err := tx.PriceEntry.CreateBulk(b...).Exec(ctx); err != nil {
			return err
		}
	}
	for i := 0; i < len(l.Rules); i += batch {
		part := l.Rules[i:min(i+batch, len(l.Rules))]
		b := make([]*ent.PriceListRuleCreate, len(part))
		for j, r := range part {
			b[j] = tx.PriceListRule.Create().SetPriceListID(l.ID).SetProductID(r.ProductID).SetMinQty(r.Min).SetMaxQty(r.Max).SetQtyIncrement(r.Increment)
		}
		if err := tx.PriceListRule.CreateBulk(b...).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func deleteListRows(ctx context.Context, tx *ent.Tx, id int) error {
	if _, err := tx.PriceListCustomer.Delete().Where(pricelistcustomer.PriceListID(id)).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.PriceEntry.Delete().Where(priceentry.PriceListID(id)).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.PriceListRule.Delete().Where(pricelistrule.PriceListID(id)).Exec(ctx)
	return err
}

// bumpPricing gives the price lists a new version, in the transaction
// that changes them (random: see services.NewVersion).
func bumpPricing(ctx context.Context, tx *ent.Tx) error {
	return tx.PricingState.UpdateOneID(1).SetVersion(services.NewVersion()).Exec(ctx)
}

// priceClients are the clients of the tables of price lists, of a
// client or of a transaction.
type priceClients struct {
	lists     *ent.PriceListClient
	customers *ent.PriceListCustomerClient
	entries   *ent.PriceEntryClient
	rules     *ent.PriceListRuleClient
}

func clientPrices(c *ent.Client) priceClients {
	return priceClients{c.PriceList, c.PriceListCustomer, c.PriceEntry, c.PriceListRule}
}

func txPrices(tx *ent.Tx) priceClients {
	return priceClients{tx.PriceList, tx.PriceListCustomer, tx.PriceEntry, tx.PriceListRule}
}

// readPriceLists reads the lists matching where, with their customers,
// breaks and rules, in id order: four statements (one when none match).
func readPriceLists(ctx context.Context, c priceClients, where ...predicate.PriceList) ([]PriceList, error) {
	rows, err := c.lists.Query().Where(where...).Order(ent.Asc(pricelist.FieldID)).All(ctx)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	ids := make([]int, len(rows))
	byID := make(map[int]*PriceList, len(rows))
	lists := make([]PriceList, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		lists[i] = PriceList{ID: r.ID, Name: r.Name, Currency: r.Currency, Status: PriceListStatus(r.Status),
			ValidFrom: utcPtr(r.ValidFrom), ValidTo: utcPtr(r.ValidTo), Priority: r.Priority, Scope: PriceScope(r.Scope),
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		byID[r.ID] = &lists[i]
	}
	cs, err := c.customers.Query().Where(pricelistcustomer.PriceListIDIn(ids...)).
		Order(ent.Asc(pricelistcustomer.FieldPriceListID), ent.Asc(pricelistcustomer.FieldCustomerID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range cs {
		l := byID[r.PriceListID]
		l.CustomerIDs = append(l.CustomerIDs, r.CustomerID)
	}
	es, err := c.entries.Query().Where(priceentry.PriceListIDIn(ids...)).
		Order(ent.Asc(priceentry.FieldPriceListID), ent.Asc(priceentry.FieldProductID), ent.Asc(priceentry.FieldMinQty)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range es {
		l := byID[r.PriceListID]
		l.Entries = append(l.Entries, PriceEntry{ProductID: r.ProductID, MinQty: r.MinQty, UnitPriceCents: r.UnitPriceCents})
	}
	rs, err := c.rules.Query().Where(pricelistrule.PriceListIDIn(ids...)).
		Order(ent.Asc(pricelistrule.FieldPriceListID), ent.Asc(pricelistrule.FieldProductID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		l := byID[r.PriceListID]
		l.Rules = append(l.Rules, QuantityRule{ProductID: r.ProductID, Min: r.MinQty, Max: r.MaxQty, Increment: r.QtyIncrement})
	}
	return lists, nil
}

func utcMillis(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Millisecond)
	return &u
}

// ruleOf is a product's own quantity rule.
func ruleOf(p *ent.Product) QuantityRule {
	return QuantityRule{ProductID: p.ID, Min: p.MinQty, Max: p.MaxQty, Increment: p.QtyIncrement}
}

// pricingCache keeps, in the process, the active price lists that placing
// orders read, with the pricing version they were read at. An order reads
// the version with its first statement, in the snapshot in which it would
// read the lists, and every change of a list counts in it in the change's
// transaction (bumpPricing): what is kept for the version an order reads
// is what reading again would give, on every replica.
type pricingCache struct {
	mu   sync.Mutex
	snap *pricingSnapshot
}

// pricingSnapshot is the active lists at one version, indexed by product:
// each list under a product holds only that product's breaks and rule.
type pricingSnapshot struct {
	version   int64
	byProduct map[int][]PriceList
}

// of is the lists that have breaks for a product, to resolve its price.
func (p *pricingSnapshot) of(productID int) []PriceList { return p.byProduct[productID] }

// priceLists is the active lists at version: as last read at it, else
// read in tx.
func (s *Service) priceLists(ctx context.Context, tx *ent.Tx, version int64) (*pricingSnapshot, error) {
	s.pricing.mu.Lock()
	snap := s.pricing.snap
	s.pricing.mu.Unlock()
	if snap != nil && snap.version == version {
		return snap, nil
	}
	lists, err := readPriceLists(ctx, txPrices(tx), pricelist.Status(string(PriceListActive)))
	if err != nil {
		return nil, err
	}
	snap = &pricingSnapshot{version: version, byProduct: make(map[int][]PriceList)}
	for _, l := range lists {
		rules := make(map[int]QuantityRule, len(l.Rules))
		for _, r := range l.Rules {
			rules[r.ProductID] = r
		}
		for _, e := range l.Entries {
			at := snap.byProduct[e.ProductID]
			if n := len(at); n == 0 || at[n-1].ID != l.ID {
				one := l
				one.Entries, one.Rules = nil, nil
				if r, ok := rules[e.ProductID]; ok {
					one.Rules = []QuantityRule{r}
				}
				at = append(at, one)
			}
			at[len(at)-1].Entries = append(at[len(at)-1].Entries, e)
			snap.byProduct[e.ProductID] = at
		}
	}
	s.pricing.mu.Lock()
	s.pricing.snap = snap // of two stored at once, an order of the other version reads again
	s.pricing.mu.Unlock()
	return snap, nil
}

// currentPricing reads the pricing version and the lists at it, outside
// an order: for showing prices.
func (s *Service) currentPricing(ctx context.Context) (*pricingSnapshot, error) {
	// The version first, outside a transaction (which on SQLite would
	// wait for the writers): when the lists kept are of it, they are
	// what a reader sees now.
	st, err := s.db.Client.PricingState.Get(ctx, 1)
	if err != nil {
		return nil, err
	}
	s.pricing.mu.Lock()
	snap := s.pricing.snap
	s.pricing.mu.Unlock()
	if snap != nil && snap.version == st.Version {
		return snap, nil
	}
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		st, err := tx.PricingState.Get(ctx, 1)
		if err != nil {
			return err
		}
		snap, err = s.priceLists(ctx, tx, st.Version)
		return err
	})
	return snap, err
}

// ProductPrice is what a customer pays for a product now: its breaks,
// each the unit price from a quantity on (and the list that gives it, nil
// for the product's own price, and the rule there), and Rule, the
// quantity rule at the first break.
type ProductPrice struct {
	ProductID int
	Currency  string
	Breaks    []PriceBreak
	Rule      QuantityRule
}

// PriceBreak is a unit price from MinQty on, the list that gives it (nil
// for the product's own price) and the quantity rule that binds a line
// there. MinQty is where the price changes, which may be above the
// minimum of the entry that gives it (when a list of another priority
// gave the quantities below).
type PriceBreak struct {
	MinQty         int64
	UnitPriceCents int64
	ListID         *int
	Rule           QuantityRule
}

// Prices is what a customer pays now for each of the products, by the
// rule placing an order follows (ResolvePrice at each quantity where an
// applying break starts), so what it shows is what an order pays. A
// customer's principal sees its own prices only; staff any customer's.
// customerID 0 is the caller's own customer.
// Errors: those of seesPrices; Invalid for product ids below 1 or more
// than 100 products; NotFound "Products not found: …".
func (s *Service) Prices(ctx context.Context, customerID int, productIDs []int) ([]ProductPrice, error) {
	customerID, err := s.seesPrices(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if len(productIDs) == 0 || len(productIDs) > MaxLines {
		return nil, services.InvalidField("product_ids", fmt.Sprintf("Give 1 to %d product ids", MaxLines))
	}
	for _, id := range productIDs {
		if id < 1 {
			return nil, services.InvalidField("product_ids", "Invalid product ID")
		}
	}
	snap, err := s.currentPricing(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "prices")
	}
	byID, err := s.productsByID(ctx, productIDs)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range productIDs {
		if byID[id] == nil {
			missing = append(missing, fmt.Sprint(id))
		}
	}
	if len(missing) > 0 {
		return nil, services.NotFoundf("Products not found: %s", strings.Join(missing, ", "))
	}
	now := s.cfg.Now()
	out := make([]ProductPrice, 0, len(productIDs))
	for _, id := range productIDs {
		pr := byID[id]
		lists := snap.of(id)
		q := PriceQuery{CustomerID: customerID, Currency: s.cfg.Currency, At: now, ProductID: id, Own: &pr.PriceCents, OwnRule: ruleOf(pr)}
		// The quantities where the answer can change: 1 and every
		// break's minimum.
		qtys := []int64{1}
		for _, l := range lists {
			for _, e := range l.Entries {
				qtys = append(qtys, e.MinQty)
			}
		}
		slices.Sort(qtys)
		qtys = slices.Compact(qtys)
		pp := ProductPrice{ProductID: id, Currency: s.cfg.Currency}
		for _, n := range qtys {
			q.Qty = n
			got, err := priceOf(lists, q)
			if err != nil {
				return nil, err
			}
			if k := len(pp.Breaks); k > 0 && pp.Breaks[k-1].UnitPriceCents == got.UnitPriceCents && samePtr(pp.Breaks[k-1].ListID, got.ListID) &&
				pp.Breaks[k-1].Rule == got.Rule {
				continue
			}
			pp.Breaks = append(pp.Breaks, PriceBreak{MinQty: n, UnitPriceCents: got.UnitPriceCents, ListID: got.ListID, Rule: got.Rule})
		}
		pp.Rule = pp.Breaks[0].Rule // qtys start at 1: there is always a first break
		out = append(out, pp)
	}
	return out, nil
}

// PriceOf is what a customer would pay now per unit for qty of a
// product, and what gives it, by the rule an order follows.
// customerID 0 is the caller's own customer.
// Errors: those of seesPrices; NotFound "Product not found"; Invalid when qty is
// below 1 or above MaxQty, or breaks the quantity rule (the message says
// the rule).
func (s *Service) PriceOf(ctx context.Context, customerID, productID int, qty int64) (Price, error) {
	prices, errs, err := s.PricesOf(ctx, customerID, []Line{{ProductID: productID, Qty: qty}})
	if err != nil {
		return Price{}, err
	}
	return prices[0], errs[0]
}

// PricesOf is what a customer would pay now per unit for each line, by
// the rule an order follows: the batch form of PriceOf, reading the
// customer, the lists and the products once. errs[i] is line i's refusal
// (Invalid for its quantity or rule, NotFound "Product not found").
// Errors: those of PriceOf about the customer, for the whole batch.
func (s *Service) PricesOf(ctx context.Context, customerID int, lines []Line) (prices []Price, errs []error, err error) {
	customerID, err = s.seesPrices(ctx, customerID)
	if err != nil {
		return nil, nil, err
	}
	if len(lines) > MaxPricedLines {
		return nil, nil, services.InvalidField("items", fmt.Sprintf("At most %d lines are priced at once", MaxPricedLines))
	}
	snap, err := s.currentPricing(ctx)
	if err != nil {
		return nil, nil, storeerr.Classify(err, "prices")
	}
	ids := make([]int, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.ProductID)
	}
	byID, err := s.productsByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	now := s.cfg.Now()
	prices, errs = make([]Price, len(lines)), make([]error, len(lines))
	for i, l := range lines {
		pr := byID[l.ProductID]
		switch {
		case l.Qty < 1 || l.Qty > MaxQty:
			errs[i] = services.InvalidField("quantity", fmt.Sprintf("quantity must be between 1 and %d", MaxQty))
		case pr == nil:
			errs[i] = ErrProductNotFound
		default:
			prices[i], errs[i] = ResolvePrice(snap.of(pr.ID), PriceQuery{CustomerID: customerID, Currency: s.cfg.Currency, At: now,
				ProductID: pr.ID, Qty: l.Qty, Own: &pr.PriceCents, OwnRule: ruleOf(pr)})
		}
	}
	return prices, errs, nil
}

// productsByID reads the products among ids, by id, for prices.
func (s *Service) productsByID(ctx context.Context, ids []int) (map[int]*ent.Product, error) {
	rows, err := s.db.Client.Product.Query().Where(product.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "prices")
	}
	byID := make(map[int]*ent.Product, len(rows))
	for _, pr := range rows {
		byID[pr.ID] = pr
	}
	return byID, nil
}

// seesPrices says whether the caller may see the customer's prices (its
// own principals and staff) and returns the customer whose prices to
// show: 0 names the caller's own, which a customer's principal has.
// Errors: Unauthenticated; Invalid (customer_id) for 0 from a caller that
// acts for no customer; NotFound "Customer not found" for another
// customer's principal, ids below 0, and customers that are not live.
func (s *Service) seesPrices(ctx context.Context, customerID int) (int, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return 0, err
	}
	if customerID == 0 {
		if !p.IsCustomer() {
			return 0, services.InvalidField("customer_id", MsgPricesCustomerRequired)
		}
		customerID = p.CustomerID
	}
	if customerID < 1 || p.IsCustomer() && !p.CanActFor(customerID) {
		return 0, errNoCustomer
	}
	if p.IsCustomer() {
		return customerID, nil // its own, live while its principal is
	}
	live, err := s.db.Client.Customer.Query().Where(customer.ID(customerID), customer.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return 0, storeerr.Classify(err, "prices")
	}
	if !live {
		return 0, errNoCustomer
	}
	return customerID, nil
}

// MsgPricesCustomerRequired answers a caller acting for no customer (staff)
// that asks for prices without naming one.
const MsgPricesCustomerRequired = "customer_id is required: the caller acts for no customer"

var errNoCustomer = services.NotFoundf("Customer not found")

func setOf(ids []int) map[int]bool {
	m := make(map[int]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func samePtr(a, b *int) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
