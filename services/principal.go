package services

import (
	"context"
	"time"
)

// Role says what a caller may do.
type Role string

// The roles. Anonymous exists only when the operator opens the public
// routes to callers without credentials (AUTH_REQUIRED=false); it is
// treated like Staff, as the original system treated every caller.
const (
	RoleAdmin     Role = "admin"
	RoleStaff     Role = "staff"
	RoleCustomer  Role = "customer"
	RoleService   Role = "service"
	RoleAnonymous Role = "anonymous"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleStaff, RoleCustomer, RoleService, RoleAnonymous:
		return true
	}
	return false
}

// Principal is who is calling. The transports authenticate and put it in
// the context; the services decide what it may do.
type Principal struct {
	Role Role
	// CustomerID is the customer a RoleCustomer principal acts for.
	CustomerID int
	// Subject identifies the caller in logs (a token subject, "service").
	Subject string
	// Expires is when the credential that made this principal stops
	// holding (a token's exp); zero for one that does not expire (the
	// service token, an anonymous caller). What outlives a request (a
	// subscription) ends then.
	Expires time.Time
}

// Anonymous is the principal of an unauthenticated caller on open routes.
var Anonymous = Principal{Role: RoleAnonymous, Subject: "anonymous"}

// ServicePrincipal is the principal of another process holding the service token.
var ServicePrincipal = Principal{Role: RoleService, Subject: "service"}

// IsCustomer reports whether p is limited to one customer's data.
func (p Principal) IsCustomer() bool { return p.Role == RoleCustomer }

// CanActFor reports whether p may see and order for the given customer.
func (p Principal) CanActFor(customerID int) bool {
	return !p.IsCustomer() || p.CustomerID == customerID
}

// CanManageCatalogue reports whether p may change customers and products
// other than its own.
func (p Principal) CanManageCatalogue() bool { return !p.IsCustomer() }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or an Unauthenticated error
// when there is none.
func PrincipalFrom(ctx context.Context) (Principal, error) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	if !ok || !p.Role.Valid() {
		return Principal{}, Errorf(Unauthenticated, CodeUnauthenticated, "Authentication required")
	}
	return p, nil
}
