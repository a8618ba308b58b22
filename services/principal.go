package services

import (
	"context"
	"slices"
	"strconv"
	"strings"
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
	// MemberID is the member acting for CustomerID, or the member whose
	// API key is acting; 0 for a legacy customer token and for a key
	// staff created.
	MemberID int
	// KeyID is the API key acting, 0 for any other credential.
	KeyID int
	// Access is the member's (or the key's) role in the customer. A legacy
	// customer token has none and acts as the customer's admin and buyer,
	// as it always did.
	Access MemberRole
	// Locations limits a member (or key) to some of the customer's
	// locations; nil means all of them.
	Locations []int
}

// APIKeyPrefix starts every API key, so that a key is told from a JWT at
// a glance (and found by secret scanners).
const APIKeyPrefix = "b2bk_"

// MemberRole is what a member may do within its customer.
type MemberRole string

// The member roles: an admin manages the account (members, locations, API
// keys, the customer's settings) and orders; a buyer places and cancels
// orders; an approver reads (and decides approvals); a viewer reads.
const (
	MemberAdmin    MemberRole = "admin"
	MemberBuyer    MemberRole = "buyer"
	MemberApprover MemberRole = "approver"
	MemberViewer   MemberRole = "viewer"
)

// ParseMemberRole returns the role named s.
// Errors: Invalid for anything else.
func ParseMemberRole(s string) (MemberRole, error) {
	switch r := MemberRole(s); r {
	case MemberAdmin, MemberBuyer, MemberApprover, MemberViewer:
		return r, nil
	}
	return "", InvalidField("role", "Role must be one of admin, buyer, approver, viewer")
}

// grants lists what each member role may do; a role is "not above"
// another when it grants nothing the other lacks.
var grants = map[MemberRole][]permission{
	MemberAdmin:    {permRead, permOrder, permApprove, permManage},
	MemberBuyer:    {permRead, permOrder},
	MemberApprover: {permRead, permApprove},
	MemberViewer:   {permRead},
}

type permission int

const (
	permRead permission = iota
	permOrder
	permApprove
	permManage
)

func (r MemberRole) grants(p permission) bool {
	if r == "" { // a legacy customer token: its customer's admin and buyer
		return true
	}
	for _, g := range grants[r] {
		if g == p {
			return true
		}
	}
	return false
}

// AccessIn is p's role within its customer, as /me shows it: a legacy
// customer token (no member's or key's role) is its customer's admin, as
// the rules treat it; "" for a principal that is no customer's.
func (p Principal) AccessIn() MemberRole {
	switch {
	case !p.IsCustomer():
		return ""
	case p.Access == "":
		return MemberAdmin
	}
	return p.Access
}

// Within reports whether r grants nothing that other does not: the rule
// for a role a member gives (to a member or an API key).
func (r MemberRole) Within(other MemberRole) bool {
	for _, p := range grants[r] {
		if !other.grants(p) {
			return false
		}
	}
	return true
}

// Anonymous is the principal of an unauthenticated caller on open routes.
var Anonymous = Principal{Role: RoleAnonymous, Subject: "anonymous"}

// ServicePrincipal is the principal of another process holding the service token.
var ServicePrincipal = Principal{Role: RoleService, Subject: "service"}

// IsCustomer reports whether p is limited to one customer's data.
func (p Principal) IsCustomer() bool { return p.Role == RoleCustomer }

// CanActFor reports whether p may see the given customer's data.
func (p Principal) CanActFor(customerID int) bool {
	return !p.IsCustomer() || p.CustomerID == customerID
}

// CanOrderFor reports whether p may place, confirm and cancel the given
// customer's orders: any other principal than a customer's, or the
// customer's own admin or buyer (a legacy customer token included).
func (p Principal) CanOrderFor(customerID int) bool {
	return !p.IsCustomer() || p.CustomerID == customerID && p.Access.grants(permOrder)
}

// CanManageAccount reports whether p may manage the given customer's
// members, locations, API keys and settings: staff, or the customer's own
// admin (a legacy customer token included).
func (p Principal) CanManageAccount(customerID int) bool {
	return !p.IsCustomer() || p.CustomerID == customerID && p.Access.grants(permManage)
}

// CanApprove reports whether p may decide an approval of customerID's
// order that asks for role: a member (or key) of that customer whose role
// grants approving and everything role grants (an admin approves what an
// approver may).
func (p Principal) CanApprove(customerID int, role MemberRole) bool {
	if !p.IsCustomer() || p.CustomerID != customerID {
		return false
	}
	access := p.AccessIn()
	return access.grants(permApprove) && role.Within(access)
}

// CanApproveAs reports whether role may be asked of approvers: it grants
// approving.
func (r MemberRole) CanApproveAs() bool { return r != "" && r.grants(permApprove) }

// AtLocation reports whether p may see and order for what belongs to the
// location (nil: to no location): a principal limited to locations sees
// only theirs.
func (p Principal) AtLocation(location *int) bool {
	if p.Locations == nil {
		return true
	}
	return location != nil && slices.Contains(p.Locations, *location)
}

// Actor is who did something, as orders and events record it: a type
// ("member", "api_key", "customer", "staff", "admin", "service",
// "anonymous", "system") and an id within it.
type Actor struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Actor returns who p is, for the record.
func (p Principal) Actor() Actor {
	switch {
	case p.KeyID != 0:
		return Actor{Type: "api_key", ID: strconv.Itoa(p.KeyID)}
	case p.MemberID != 0:
		return Actor{Type: "member", ID: strconv.Itoa(p.MemberID)}
	case p.IsCustomer():
		return Actor{Type: "customer", ID: strconv.Itoa(p.CustomerID)}
	}
	return Actor{Type: string(p.Role), ID: p.Subject}
}

// SystemActor is the platform itself, for what a clock does: an order
// canceled because its approval expired.
var SystemActor = Actor{Type: "system", ID: "approval_expiry"}

// String is the actor as stored: "type:id".
func (a Actor) String() string { return a.Type + ":" + a.ID }

// ParseActor reads an actor written by String; ok is false for anything
// else (an empty column of an older order).
func ParseActor(s string) (a Actor, ok bool) {
	t, id, found := strings.Cut(s, ":")
	if !found || t == "" {
		return Actor{}, false
	}
	return Actor{Type: t, ID: id}, true
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
