package accounts

import (
	"context"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"slices"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/customer"
	"github.com/b2b-orders/platform/ent/location"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// Config tunes the accounts service. Zero fields take the defaults.
type Config struct {
	// Now is the clock (default: the system clock).
	Now func() time.Time
	// Revoked, when set, is told after a member's removal or a key's
	// revocation committed, so that this process stops its credentials at
	// once rather than after its cache's TTL.
	Revoked func()
	// LinkByEmail lets a first sign-in through the identity provider find
	// its member by a verified email claim when no member has its subject
	// yet (OIDC_LINK_EMAIL).
	LinkByEmail bool
}

// Service is the accounts domain service. Its methods are safe for
// concurrent use.
type Service struct {
	db  *db.DB
	cfg Config
}

// New returns a Service over store.
func New(store *db.DB, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Revoked == nil {
		cfg.Revoked = func() {}
	}
	return &Service{db: store, cfg: cfg}
}

func (s *Service) stamp() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// Limits of the account's records.
const (
	MaxLocationsPerLimit = 100
	MaxNameLen           = 255
)

var (
	errMemberNotFound   = services.NotFoundf("Member not found")
	errLocationNotFound = services.NotFoundf("Location not found")
	errKeyNotFound      = services.NotFoundf("API key not found")
	errCustomerNotFound = services.NotFoundf("Customer not found")
	errRoleAbove        = services.Errorf(services.PermissionDenied, services.CodeRoleAboveCreator,
		"A member or key cannot be given more than its giver may do")
)

// viewable checks that p may read customerID's account; another
// customer's is NotFound.
func viewable(ctx context.Context, customerID int) (services.Principal, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return p, err
	}
	if customerID < 1 {
		return p, services.InvalidField("customer_id", services.MsgInvalidCustomerID)
	}
	if !p.CanActFor(customerID) {
		return p, errCustomerNotFound
	}
	return p, nil
}

// manageable checks that p may manage customerID's account: NotFound for
// another customer's, PermissionDenied for a member of it that is not an
// admin.
func manageable(ctx context.Context, customerID int) (services.Principal, error) {
	p, err := viewable(ctx, customerID)
	if err != nil {
		return p, err
	}
	if !p.CanManageAccount(customerID) {
		return p, services.ErrPermissionDenied
	}
	return p, nil
}

// canManage checks that p may manage a record of recordCustomer reached
// through pathCustomer (a REST path's customer; 0: any the caller may
// see): another customer's record is notFound, so that its id reveals
// nothing, and a member that is not its customer's admin PermissionDenied.
func canManage(p services.Principal, pathCustomer, recordCustomer int, notFound error) error {
	if pathCustomer != 0 && pathCustomer != recordCustomer || !p.CanActFor(recordCustomer) {
		return notFound
	}
	if !p.CanManageAccount(recordCustomer) {
		return services.ErrPermissionDenied
	}
	return nil
}

// within checks that a role and location limit given by p are not above
// p's own: the role grants nothing p's lacks and, when p is limited to
// locations, the limit is a non-empty subset of p's.
func within(p services.Principal, role services.MemberRole, locations []int) error {
	if !p.IsCustomer() {
		return nil
	}
	if p.Access != "" && !role.Within(p.Access) {
		return errRoleAbove
	}
	if !locationsWithin(locations, p.Locations) {
		return errRoleAbove
	}
	return nil
}

// normalizeLocations sorts and deduplicates a location limit and checks
// its size; nil and empty both mean "all locations".
func normalizeLocations(ids []int) ([]int, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > MaxLocationsPerLimit {
		return nil, services.InvalidField("location_ids", "At most 100 locations")
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, id := range out {
		if id < 1 {
			return nil, services.InvalidField("location_ids", "Invalid location ID")
		}
	}
	return out, nil
}

// checkLocations verifies, in tx, that every id is a current location of
// the customer (and that the customer is live).
// Errors: NotFound "Location not found" for any other id, another
// customer's included; NotFound "Customer not found".
func checkLocations(ctx context.Context, tx *ent.Tx, customerID int, ids []int) error {
	live, err := tx.Customer.Query().Where(customer.ID(customerID), customer.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return err
	}
	if !live {
		return errCustomerNotFound
	}
	if len(ids) == 0 {
		return nil
	}
	n, err := tx.Location.Query().Where(location.IDIn(ids...), location.CustomerID(customerID), location.ArchivedAtIsNil()).Count(ctx)
	if err != nil {
		return err
	}
	if n != len(ids) {
		return errLocationNotFound
	}
	return nil
}

// translate turns store errors into the services' vocabulary.
func translate(err error, notFound error, op string) error {
	switch {
	case err == nil:
		return nil
	case ent.IsNotFound(err):
		return notFound
	case db.IsUniqueViolation(err):
		return services.Errorf(services.Conflict, services.CodeMemberTaken,
			"A current member of the customer already has this email, or a member has this subject")
	}
	return storeerr.Classify(err, op)
}

// locked makes q a locking read (FOR UPDATE) on MySQL, where a plain read
// in a transaction would see its snapshot; an SQLite transaction holds
// the database's write lock from its start, and has no FOR UPDATE.
func locked[Q interface{ ForUpdate(...sql.LockOption) Q }](s *Service, q Q) Q {
	if s.db.Dialect == dialect.MySQL {
		return q.ForUpdate()
	}
	return q
}
