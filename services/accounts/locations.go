package accounts

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/location"
	"github.com/b2b-orders/platform/services"
)

// Address is where goods go. An order keeps a copy of its location's
// address as it was when the order was placed.
type Address struct {
	Name         string  `json:"name"`
	AddressLine1 string  `json:"address_line1"`
	AddressLine2 *string `json:"address_line2"`
	City         string  `json:"city"`
	PostalCode   string  `json:"postal_code"`
	Country      string  `json:"country"`
	TaxID        *string `json:"tax_id"`
}

// Location is one of a customer's current ship-to sites.
type Location struct {
	ID         int
	CustomerID int
	Address
	CreatedAt time.Time
}

// LocationInput is a new location, or (with nil fields left as they are)
// a change of one.
type LocationInput struct {
	Name         *string
	AddressLine1 *string
	AddressLine2 *string
	City         *string
	PostalCode   *string
	Country      *string
	TaxID        *string
}

// ListLocations returns a page of the customer's current locations; a
// principal limited to locations sees only those.
// Errors: Unauthenticated; Invalid; NotFound for a customer the principal
// may not see.
func (s *Service) ListLocations(ctx context.Context, customerID int, params ListParams) (services.Page[Location], error) {
	p, err := viewable(ctx, customerID)
	if err != nil {
		return services.Page[Location]{}, err
	}
	limit := services.ClampLimit(params.Limit)
	q := s.db.Client.Location.Query().
		Where(location.CustomerID(customerID), location.ArchivedAtIsNil(), location.IDGT(params.After)).
		Order(ent.Asc(location.FieldID)).Limit(limit + 1)
	if p.Locations != nil {
		q.Where(location.IDIn(p.Locations...))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return services.Page[Location]{}, translate(err, errLocationNotFound, "list locations")
	}
	return services.PageOf(rows, limit, locationFromEnt), nil
}

// GetLocations returns those of ids that are locations the principal may
// see, archived ones included (an order's location still names them), in
// no particular order: the batch read behind the graph's loaders.
// Errors: Unauthenticated; Internal.
func (s *Service) GetLocations(ctx context.Context, ids []int) ([]Location, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	q := s.db.Client.Location.Query().Where(location.IDIn(ids...))
	if p.IsCustomer() {
		q.Where(location.CustomerID(p.CustomerID))
	}
	if p.Locations != nil {
		q.Where(location.IDIn(p.Locations...))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, translate(err, errLocationNotFound, "get locations")
	}
	return services.Map(rows, locationFromEnt), nil
}

// CreateLocation adds a location to the customer.
// Errors: Unauthenticated; Invalid (every field but address_line2 and
// tax_id is required; country is two letters); NotFound for a customer
// the principal may not see; PermissionDenied for a member that is not
// the customer's admin or is limited to locations.
func (s *Service) CreateLocation(ctx context.Context, customerID int, in LocationInput) (Location, error) {
	p, err := manageable(ctx, customerID)
	if err != nil {
		return Location{}, err
	}
	if p.Locations != nil {
		return Location{}, errRoleAbove
	}
	a, err := address(Address{}, in, true)
	if err != nil {
		return Location{}, err
	}
	var out Location
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := checkLocations(ctx, tx, customerID, nil); err != nil {
			return err
		}
		l, err := tx.Location.Create().SetCustomerID(customerID).SetName(a.Name).SetAddressLine1(a.AddressLine1).
			SetNillableAddressLine2(a.AddressLine2).SetCity(a.City).SetPostalCode(a.PostalCode).SetCountry(a.Country).
			SetNillableTaxID(a.TaxID).SetCreatedAt(s.stamp()).Save(ctx)
		if err != nil {
			return err
		}
		out = locationFromEnt(l)
		return nil
	})
	return out, translate(err, errLocationNotFound, "create location")
}

// UpdateLocation changes a current location. Orders placed before keep
// the address they were placed with.
// customerID, when not 0, is the customer the caller named: a location
// of any other customer is NotFound.
// Errors: as CreateLocation's, and NotFound for a location the principal
// may not see.
func (s *Service) UpdateLocation(ctx context.Context, customerID, id int, in LocationInput) (Location, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Location{}, err
	}
	if id < 1 {
		return Location{}, services.InvalidField("id", "Invalid location ID")
	}
	var out Location
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		l, err := locked(s, tx.Location.Query().Where(location.ID(id), location.ArchivedAtIsNil())).Only(ctx)
		if err != nil {
			return err
		}
		if !p.AtLocation(&l.ID) {
			return errLocationNotFound
		}
		if err := canManage(p, customerID, l.CustomerID, errLocationNotFound); err != nil {
			return err
		}
		a, err := address(locationFromEnt(l).Address, in, false)
		if err != nil {
			return err
		}
		up := l.Update().SetName(a.Name).SetAddressLine1(a.AddressLine1).SetNillableAddressLine2(a.AddressLine2).
			SetCity(a.City).SetPostalCode(a.PostalCode).SetCountry(a.Country).SetNillableTaxID(a.TaxID)
		// An empty address_line2 or tax_id clears it.
		if a.AddressLine2 == nil {
			up.ClearAddressLine2()
		}
		if a.TaxID == nil {
			up.ClearTaxID()
		}
		l, err = up.Save(ctx)
		if err != nil {
			return err
		}
		out = locationFromEnt(l)
		return nil
	})
	return out, translate(err, errLocationNotFound, "update location")
}

// ArchiveLocation hides a location from new orders and from lists; past
// orders keep naming it and its address.
// customerID is as UpdateLocation's.
// Errors: Unauthenticated; Invalid; NotFound, also when archived already;
// PermissionDenied as CreateLocation's.
func (s *Service) ArchiveLocation(ctx context.Context, customerID, id int) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if id < 1 {
		return services.InvalidField("id", "Invalid location ID")
	}
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		l, err := locked(s, tx.Location.Query().Where(location.ID(id), location.ArchivedAtIsNil())).Only(ctx)
		if err != nil {
			return err
		}
		if !p.AtLocation(&l.ID) {
			return errLocationNotFound
		}
		if err := canManage(p, customerID, l.CustomerID, errLocationNotFound); err != nil {
			return err
		}
		if p.Locations != nil {
			return errRoleAbove
		}
		return l.Update().SetArchivedAt(s.stamp()).Exec(ctx)
	})
	return translate(err, errLocationNotFound, "archive location")
}

// ShipTo returns, for an order being placed in tx, the address of the
// customer's current location id: the copy the order keeps.
// Errors: NotFound "Location not found" for an archived location or
// another customer's.
func ShipTo(ctx context.Context, tx *ent.Tx, customerID, id int) (*Address, error) {
	l, err := tx.Location.Query().Where(location.ID(id), location.CustomerID(customerID), location.ArchivedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, errLocationNotFound
	}
	if err != nil {
		return nil, err
	}
	a := locationFromEnt(l).Address
	return &a, nil
}

// JSON is the address as an order stores it.
func (a Address) JSON() string {
	b, _ := json.Marshal(a) // strings only: it cannot fail
	return string(b)
}

// ParseAddress reads an address stored by JSON; nil for an empty column.
// Errors: json's, for a column not written by JSON.
func ParseAddress(s *string) (*Address, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	var a Address
	if err := json.Unmarshal([]byte(*s), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// address applies in to a and validates the result; create requires
// every mandatory field in in.
func address(a Address, in LocationInput, create bool) (Address, error) {
	set := func(dst *string, v *string, field string, max int) error {
		if v == nil {
			if create {
				return services.InvalidField(field, field+" is required")
			}
			return nil
		}
		t := strings.TrimSpace(*v)
		if err := services.CheckLen(field, t, max, true, field+" is required", field+" is too long"); err != nil {
			return err
		}
		*dst = t
		return nil
	}
	optional := func(dst **string, v *string, field string, max int) error {
		if v == nil {
			return nil
		}
		t := strings.TrimSpace(*v)
		if t == "" {
			*dst = nil
			return nil
		}
		if err := services.CheckLen(field, t, max, false, "", field+" is too long"); err != nil {
			return err
		}
		*dst = &t
		return nil
	}
	if !create && in == (LocationInput{}) {
		return a, services.InvalidField("", "At least one field must be provided for update")
	}
	for _, err := range []error{
		set(&a.Name, in.Name, "name", MaxNameLen),
		set(&a.AddressLine1, in.AddressLine1, "address_line1", 255),
		optional(&a.AddressLine2, in.AddressLine2, "address_line2", 255),
		set(&a.City, in.City, "city", 255),
		set(&a.PostalCode, in.PostalCode, "postal_code", 32),
		set(&a.Country, in.Country, "country", 2),
		optional(&a.TaxID, in.TaxID, "tax_id", 64),
	} {
		if err != nil {
			return a, err
		}
	}
	a.Country = strings.ToUpper(a.Country)
	if len(a.Country) != 2 || a.Country[0] < 'A' || a.Country[0] > 'Z' || a.Country[1] < 'A' || a.Country[1] > 'Z' {
		return a, services.InvalidField("country", "country must be an ISO 3166-1 alpha-2 code")
	}
	return a, nil
}

func locationFromEnt(l *ent.Location) Location {
	return Location{ID: l.ID, CustomerID: l.CustomerID, CreatedAt: l.CreatedAt.UTC(), Address: Address{
		Name: l.Name, AddressLine1: l.AddressLine1, AddressLine2: l.AddressLine2, City: l.City,
		PostalCode: l.PostalCode, Country: l.Country, TaxID: l.TaxID}}
}
