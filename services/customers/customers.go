// Package customers owns customer records: who may see and change them,
// their validation, and the uniqueness of live customers' emails. Besides
// the errors each method lists, any method may answer Unavailable (the
// database did not answer) and a write Conflict with code busy (it lost
// to concurrent changes through every attempt of db's retry policy).
package customers

import (
	"context"
	"strings"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/customer"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// Customer is a live customer as clients see it.
type Customer struct {
	ID        int
	Name      string
	Email     string
	Phone     *string
	CreatedAt time.Time
	// OrderSettings are the customer's rules for its orders, read with
	// it (GetSettings answers them alone).
	OrderSettings Settings
}

// CreateInput is a new customer. Phone is optional.
type CreateInput struct {
	Name  string
	Email string
	Phone *string
}

// UpdateInput changes the fields that are not nil.
type UpdateInput struct {
	Name  *string
	Email *string
	Phone *string
}

// ListParams selects a page of customers ordered by id.
type ListParams struct {
	// Search matches customers whose name or email contains it.
	Search string
	// After is the last id of the previous page; 0 starts at the beginning.
	After int
	// Limit is clamped with services.ClampLimit.
	Limit int
}

// Config tunes the customers service. Zero fields take the defaults.
type Config struct {
	// Now is the clock (default: the system clock, in UTC).
	Now func() time.Time
	// Deleted, when set, is told of each customer Delete removed, after it
	// committed: a process that deletes customers stops their tokens at
	// once (auth.LiveCustomers.Gone).
	Deleted func(id int)
}

// Service is the customers domain service. Its methods are safe for
// concurrent use.
type Service struct {
	*Directory
	db  *db.DB
	cfg Config
}

// New returns a Service over store.
func New(store *db.DB, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Service{Directory: NewDirectory(store), db: store, cfg: cfg}
}

// Directory answers whether customers are live, whoever asks: what the
// orders service and the token check need, and nothing else. It is apart
// from Service so that those can be built before the Service that tells
// them of deletions.
type Directory struct {
	db *db.DB
}

// NewDirectory returns the Directory of store.
func NewDirectory(store *db.DB) *Directory { return &Directory{db: store} }

func (s *Service) stamp() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// Create registers a customer. The email is kept lower-cased.
// Errors: Unauthenticated; PermissionDenied for customer principals;
// Invalid with the first failing field; Conflict (email_taken) when a live
// customer already has the email, also when two creates race.
func (s *Service) Create(ctx context.Context, in CreateInput) (Customer, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Customer{}, err
	}
	if !p.CanManageCatalogue() {
		return Customer{}, services.ErrPermissionDenied
	}
	if err := validate(&in.Name, &in.Email, in.Phone); err != nil {
		return Customer{}, err
	}
	in.Email = normalizeEmail(in.Email)
	c, err := s.db.Client.Customer.Create().
		SetName(in.Name).
		SetEmail(in.Email).
		SetNillablePhone(in.Phone).
		SetCreatedAt(s.stamp()).
		Save(ctx)
	if err != nil {
		return Customer{}, translate(err, "create customer")
	}
	return fromEnt(c), nil
}

// Get returns the live customer with the given id.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound when there is
// no such live customer or the principal may not see it.
func (s *Service) Get(ctx context.Context, id int) (Customer, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Customer{}, err
	}
	if id < 1 {
		return Customer{}, services.InvalidField("id", services.MsgInvalidCustomerID)
	}
	if !p.CanActFor(id) {
		return Customer{}, errNotFound
	}
	c, err := s.db.Client.Customer.Query().Where(customer.ID(id), customer.DeletedAtIsNil()).Only(ctx)
	if err != nil {
		return Customer{}, translate(err, "get customer")
	}
	return fromEnt(c), nil
}

// Exists reports whether a live customer has the given id, whoever asks.
// The orders service uses it, through its CustomerDirectory, after it has
// authorized the caller itself.
// Errors: Internal only.
func (d *Directory) Exists(ctx context.Context, id int) (bool, error) {
	ok, err := d.db.Client.Customer.Query().Where(customer.ID(id), customer.DeletedAtIsNil()).Exist(ctx)
	return ok, storeerr.Classify(err, "customer exists")
}

// Live returns those of ids that are live customers, in one statement;
// the orders service asks it, whoever the principal is.
// Errors: Internal.
func (d *Directory) Live(ctx context.Context, ids []int) ([]int, error) {
	live, err := d.db.Client.Customer.Query().Where(customer.IDIn(ids...), customer.DeletedAtIsNil()).IDs(ctx)
	return live, storeerr.Classify(err, "live customers")
}

// GetCustomers returns the live customers among ids that the principal may see,
// in no particular order; missing ids are simply absent. It is the batch
// read behind the graph's loaders.
// Errors: Unauthenticated; Internal.
func (s *Service) GetCustomers(ctx context.Context, ids []int) ([]Customer, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	q := s.db.Client.Customer.Query().Where(customer.IDIn(ids...), customer.DeletedAtIsNil())
	if p.IsCustomer() {
		q.Where(customer.ID(p.CustomerID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, storeerr.Classify(err, "get customers")
	}
	return services.Map(rows, fromEnt), nil
}

// List returns one page of live customers ordered by id. Customer
// principals see only themselves.
// Errors: Unauthenticated; Invalid for a search longer than 255 characters;
// Internal.
func (s *Service) List(ctx context.Context, params ListParams) (services.Page[Customer], error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return services.Page[Customer]{}, err
	}
	if err := services.CheckSearch(params.Search); err != nil {
		return services.Page[Customer]{}, err
	}
	limit := services.ClampLimit(params.Limit)
	q := s.db.Client.Customer.Query().
		Where(customer.DeletedAtIsNil(), customer.IDGT(params.After)).
		Order(ent.Asc(customer.FieldID)).
		Limit(limit + 1)
	if params.Search != "" {
		q.Where(customer.Or(customer.NameContainsFold(params.Search), customer.EmailContainsFold(params.Search)))
	}
	if p.IsCustomer() {
		q.Where(customer.ID(p.CustomerID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return services.Page[Customer]{}, storeerr.Classify(err, "list customers")
	}
	return services.PageOf(rows, limit, fromEnt), nil
}

// Update changes the given fields of a live customer.
// Errors: Unauthenticated; Invalid ("At least one field must be provided for
// update" or the first failing field); NotFound; PermissionDenied for a
// member that is not the customer's admin; Conflict (email_taken).
func (s *Service) Update(ctx context.Context, id int, in UpdateInput) (Customer, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Customer{}, err
	}
	if id < 1 {
		return Customer{}, services.InvalidField("id", services.MsgInvalidCustomerID)
	}
	if in.Name == nil && in.Email == nil && in.Phone == nil {
		return Customer{}, services.InvalidField("", "At least one field must be provided for update")
	}
	if err := validate(in.Name, in.Email, in.Phone); err != nil {
		return Customer{}, err
	}
	if in.Email != nil {
		e := normalizeEmail(*in.Email)
		in.Email = &e
	}
	if !p.CanActFor(id) {
		return Customer{}, errNotFound
	}
	if !p.CanManageAccount(id) {
		// A member other than the customer's admin reads it only.
		return Customer{}, services.ErrPermissionDenied
	}
	var out Customer
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		// Read first: MySQL counts only changed rows as affected, so an
		// update that changes nothing cannot tell "absent" by itself.
		c, err := tx.Customer.Query().Where(customer.ID(id), customer.DeletedAtIsNil()).Only(ctx)
		if err != nil {
			return err
		}
		c, err = c.Update().
			SetNillableName(in.Name).
			SetNillableEmail(in.Email).
			SetNillablePhone(in.Phone).
			Save(ctx)
		if err != nil {
			return err
		}
		out = fromEnt(c)
		return nil
	})
	if err != nil {
		return Customer{}, translate(err, "update customer")
	}
	return out, nil
}

// Delete removes a customer from every list and lookup. Orders keep their
// customer id: the row stays, marked deleted, and its email becomes free.
// Errors: Unauthenticated; PermissionDenied for customer principals;
// Invalid for ids below 1; NotFound, also when already deleted.
func (s *Service) Delete(ctx context.Context, id int) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if !p.CanManageCatalogue() {
		return services.ErrPermissionDenied
	}
	if id < 1 {
		return services.InvalidField("id", services.MsgInvalidCustomerID)
	}
	n, err := s.db.Client.Customer.Update().
		Where(customer.ID(id), customer.DeletedAtIsNil()).
		SetDeletedAt(s.stamp()).
		ClearLive().
		Save(ctx)
	if err != nil {
		return translate(err, "delete customer")
	}
	if n == 0 {
		return errNotFound
	}
	if s.cfg.Deleted != nil {
		s.cfg.Deleted(id)
	}
	return nil
}

var (
	errNotFound = services.NotFoundf("Customer not found")
)

// validate checks the fields present, in the contract's order: name, email,
// phone. Create passes name and email always, which makes them required.
func validate(name, email, phone *string) error {
	if name != nil {
		if err := services.CheckLen("name", *name, 255, true, "Name is required", "Name must be less than 255 characters"); err != nil {
			return err
		}
	}
	if email != nil {
		if !services.ValidEmail(*email) {
			return services.InvalidField("email", "Invalid email format")
		}
		if err := services.CheckLen("email", *email, 255, true, "Invalid email format", "Email must be less than 255 characters"); err != nil {
			return err
		}
	}
	if phone != nil {
		if err := services.CheckLen("phone", *phone, 50, false, "", "Phone must be less than 50 characters"); err != nil {
			return err
		}
	}
	return nil
}

// normalizeEmail lower-cases an address, so that uniqueness and lookups
// ignore case on every store, as the original's case-insensitive MySQL
// collation did.
func normalizeEmail(e string) string { return strings.ToLower(e) }

// translate turns store errors into the services' vocabulary.
func translate(err error, op string) error {
	switch {
	case err == nil:
		return nil
	case ent.IsNotFound(err):
		return errNotFound
	case db.IsUniqueViolation(err):
		return services.Errorf(services.Conflict, services.CodeEmailTaken, "Email already exists")
	}
	return storeerr.Classify(err, op)
}

func fromEnt(c *ent.Customer) Customer {
	return Customer{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, CreatedAt: c.CreatedAt.UTC(), OrderSettings: settingsOf(c)}
}
