package orders

import (
	"context"
	"sync"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
)

// CustomerDirectory answers whether a customer may place orders. In one
// process it is the customers service; split, a client of the customers
// role's internal route. The orders service also reads the customers
// table of the store every role shares, in the order's transaction: the
// customer's order settings (PO rules, payment terms), with the products.
type CustomerDirectory interface {
	// Exists reports whether a live customer has the id.
	Exists(ctx context.Context, id int) (bool, error)
	// Live returns those of ids that are live customers.
	Live(ctx context.Context, ids []int) ([]int, error)
}

// Config tunes the orders service. Zero fields take the defaults.
type Config struct {
	// CancelWindow is how long after creation a CONFIRMED order may still
	// be cancelled (default 10 minutes).
	CancelWindow time.Duration
	// KeyTTL is how long an idempotency key is remembered (default 24 h).
	KeyTTL time.Duration
	// Now is the clock (default: the system clock).
	Now func() time.Time
	// Observer is told what each call did (default: nobody).
	Observer Observer
	// LiveCustomerInInsert checks that an order's customer is live within
	// the statement that inserts the order (INSERT … SELECT from the
	// customers table) instead of asking the directory first: one round
	// trip less per order. Set it when the directory is the customers
	// service of this process, over the same store; a remote directory
	// keeps its own answer.
	LiveCustomerInInsert bool
	// Relayed, when set, is called by RelayEvents with the events it is
	// marking published, inside the marking transaction (on MySQL under
	// the relay's row locks): what it writes in tx commits if and only if
	// the events are marked, once. The webhooks service's FanOut is it.
	Relayed func(ctx context.Context, tx *ent.Tx, evs []Event) error
	// ApprovalTTL is how long an order waits for approval before the
	// expiry cancels it (default 72 hours).
	ApprovalTTL time.Duration
	// Currency (ISO 4217) is the store's: of the products' own prices, of
	// every price list, and of the orders placed before currencies
	// (default USD).
	Currency string
}

// Limits on one order.
const (
	MaxLines = 100
	MaxQty   = 1_000_000
	// MaxTotalCents bounds an order's total, and so every subtotal, to
	// what GraphQL's 32-bit Int can carry: a larger total could be
	// written and then not be read through a gateway, which refuses an Int
	// outside 32 bits after the subgraph has committed it.
	MaxTotalCents = services.MaxContractInt
)

// Service is the orders domain service. Its methods are safe for
// concurrent use; each one that writes runs in one transaction.
type Service struct {
	db        *db.DB
	customers CustomerDirectory
	cfg       Config
	// relayMu takes RelayEvents' turns on SQLite, whose rows cannot be
	// locked one by one.
	relayMu sync.Mutex
	legacy  legacyKeys
	// zones caches the customers' time zones by name.
	zones sync.Map
	// governance keeps the limits and rules orders last read, by version.
	governance governanceCache
	// pricing keeps the active price lists orders last read, by version.
	pricing pricingCache
}

// New returns a Service over store that checks customers with dir.
func New(store *db.DB, dir CustomerDirectory, cfg Config) *Service {
	if cfg.CancelWindow <= 0 {
		cfg.CancelWindow = 10 * time.Minute
	}
	if cfg.KeyTTL <= 0 {
		cfg.KeyTTL = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ApprovalTTL <= 0 {
		cfg.ApprovalTTL = 72 * time.Hour
	}
	if cfg.Currency == "" {
		cfg.Currency = "USD"
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	return &Service{db: store, customers: dir, cfg: cfg}
}

// Currency is the store's currency (ISO 4217): of the products' own
// prices, of every price list, and of orders whose Currency is empty.
func (s *Service) Currency() string { return s.cfg.Currency }

// stamp is the current time as the database keeps it (UTC, milliseconds),
// so what a method returns equals what a later read returns.
func (s *Service) stamp() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

var (
	errOrderNotFound = services.NotFoundf("Order not found")
	// ErrProductNotFound answers a read of a product that does not exist.
	ErrProductNotFound = services.NotFoundf("Product not found")
	errCustomerUnknown = services.NotFoundf("Customer not found or inactive")
	// errLocationNotFound answers a location the caller may not order for,
	// as accounts answers one that is not the customer's.
	errLocationNotFound = services.NotFoundf("Location not found")
)

// actorOf is who the caller in ctx is, for the record.
// Errors: Unauthenticated.
func actorOf(ctx context.Context) (services.Actor, error) {
	p, err := services.PrincipalFrom(ctx)
	return p.Actor(), err
}

// actorString is a as stored, nil for none.
func actorString(a *services.Actor) *string {
	if a == nil {
		return nil
	}
	s := a.String()
	return &s
}

// parseActor reads a stored actor, nil for none.
func parseActor(s *string) *services.Actor {
	if s == nil {
		return nil
	}
	if a, ok := services.ParseActor(*s); ok {
		return &a
	}
	return nil
}

func orderFromEnt(o *ent.Order) Order {
	out := Order{
		ID:          o.ID,
		CustomerID:  o.CustomerID,
		Status:      Status(o.Status),
		TotalCents:  o.TotalCents,
		CreatedAt:   o.CreatedAt.UTC(),
		ConfirmedAt: utcPtr(o.ConfirmedAt),
		CanceledAt:  utcPtr(o.CanceledAt),
		LocationID:  o.LocationID,
		PlacedBy:    parseActor(o.PlacedBy),
		ConfirmedBy: parseActor(o.ConfirmedBy),
		CanceledBy:  parseActor(o.CanceledBy),

		ApprovalRoles:     parseApprovalRoles(o.ApprovalRoles),
		Approvals:         o.Approvals,
		ConfirmOnApproval: o.ConfirmOnApproval,
		ApprovalExpiresAt: utcPtr(o.ApprovalExpiresAt),
		PaidAt:            utcPtr(o.PaidAt),
		PaidBy:            parseActor(o.PaidBy),
		seq:               o.EventSeq,
	}
	if o.SpendMemberID != nil && o.SpendPeriod != nil {
		out.spend = &spendRef{member: *o.SpendMemberID, period: *o.SpendPeriod}
	}
	// Written by this service from an Address: a column that does not
	// read back is left out rather than failing the read.
	out.ShipTo, _ = accounts.ParseAddress(o.ShipTo)
	out.PONumber = o.PoNumber
	if o.Currency != nil {
		out.Currency = *o.Currency
	}
	if o.PaymentTerms != nil {
		t := services.PaymentTerms(*o.PaymentTerms)
		out.PaymentTerms = &t
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func isUnique(err error) bool { return db.IsUniqueViolation(err) }
