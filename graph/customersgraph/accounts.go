package customersgraph

import (
	"context"

	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
)

// errLocationNotFound answers Query.location for a location the caller
// may not see, as the accounts service answers its other reads.
var errLocationNotFound = services.NotFoundf("Location not found")

// accounts returns the accounts service.
// Errors: Unavailable when the handler has none.
func (r *Resolver) accounts() (*accounts.Service, error) {
	if r.Accounts == nil {
		return nil, loaders.ErrNoAccounts
	}
	return r.Accounts, nil
}

// accountPage decodes the page arguments of a customer's account lists.
// Errors: Invalid for first below 1 or a cursor of another kind.
func accountPage(kind string, first *int, after *string) (accounts.ListParams, error) {
	n, err := model.First(first)
	if err != nil {
		return accounts.ListParams{}, err
	}
	a, err := model.After(kind, after)
	if err != nil {
		return accounts.ListParams{}, err
	}
	return accounts.ListParams{After: a, Limit: n}, nil
}

// locationInput converts the argument of locationCreate and locationUpdate.
func locationInput(in model.LocationInput) accounts.LocationInput {
	return accounts.LocationInput{Name: in.Name, AddressLine1: in.AddressLine1, AddressLine2: in.AddressLine2,
		City: in.City, PostalCode: in.PostalCode, Country: in.Country, TaxID: in.TaxID}
}

// memberOf answers Actor.member: the member an actor of type member is,
// through the member loader; nil for any other actor, and for a member
// the caller may not see.
// Errors: those of loaders.Loaders.Member.
func memberOf(ctx context.Context, a *model.Actor) (*model.Member, error) {
	id := a.MemberID()
	if id == 0 {
		return nil, nil
	}
	return loaders.From(ctx).Member(ctx, id)
}

// FindMembers resolves _entities representations of Member with one batch
// read, in the representations' order: null for a member that does not
// exist or that the caller may not see (another customer's).
// Errors: those of accounts.Service.GetMembers; Unavailable without it.
func FindMembers(ctx context.Context, svc *accounts.Service, reps []*model.MemberByIDsInput) ([]*model.Member, error) {
	if svc == nil {
		return nil, loaders.ErrNoAccounts
	}
	read := func(ids []int) ([]accounts.Member, error) { return svc.GetMembers(ctx, ids) }
	return model.Entities(model.Keys(reps), read, model.FromMember, func(m *model.Member) int { return m.ID })
}

// FindLocations resolves _entities representations of Location as
// FindMembers does members: null for a location the caller may not see.
// Errors: those of accounts.Service.GetLocations; Unavailable without it.
func FindLocations(ctx context.Context, svc *accounts.Service, reps []*model.LocationByIDsInput) ([]*model.Location, error) {
	if svc == nil {
		return nil, loaders.ErrNoAccounts
	}
	read := func(ids []int) ([]accounts.Location, error) { return svc.GetLocations(ctx, ids) }
	return model.Entities(model.Keys(reps), read, model.FromLocation, func(l *model.Location) int { return l.ID })
}
