package model

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
)

// The cursor kinds of a customer's account lists.
const (
	CursorMember   = "member"
	CursorLocation = "location"
	CursorAPIKey   = "api_key"
)

// LocationsPerLimit is what a member's or key's location limit counts for
// in the complexity limit: a limit may name up to
// accounts.MaxLocationsPerLimit locations, but few name more than a handful.
const LocationsPerLimit = 10

// MemberRole is a member's (or an API key's) role in its customer, as the
// graph writes it: the services' role in upper case.
type MemberRole string

// The member roles.
const (
	MemberRoleAdmin    MemberRole = "ADMIN"
	MemberRoleBuyer    MemberRole = "BUYER"
	MemberRoleApprover MemberRole = "APPROVER"
	MemberRoleViewer   MemberRole = "VIEWER"
)

// RoleOf converts a services role.
func RoleOf(r services.MemberRole) MemberRole { return MemberRole(strings.ToUpper(string(r))) }

// Service is the role as the services name it (admin, buyer, …).
func (r MemberRole) Service() string { return strings.ToLower(string(r)) }

// MarshalGQL writes the enum value.
func (r MemberRole) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(r)))
}

// UnmarshalGQL reads an enum value.
// Errors: Invalid for anything but the four roles.
func (r *MemberRole) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch mr := MemberRole(s); mr {
	case MemberRoleAdmin, MemberRoleBuyer, MemberRoleApprover, MemberRoleViewer:
		*r = mr
		return nil
	}
	return services.InvalidField("role", fmt.Sprintf("Invalid member role: %v", v))
}

// Member is a member of a customer. In the orders subgraph only ID is set:
// there Member is a key-only entity, and the customers subgraph (or, in
// the combined graph, the member loader) resolves the rest. Its customer
// and locations are resolved through loaders.
type Member struct {
	ID          int
	CustomerID  int
	Email       string
	Name        string
	Role        MemberRole
	Subject     *string
	LocationIDs []int
	CreatedAt   time.Time
}

// IsEntity marks a federation entity for gqlgen's _Entity union.
func (Member) IsEntity() {}

// LocationLimited reports whether the member is limited to some
// locations: Member.locationLimited.
func (m Member) LocationLimited() bool { return len(m.LocationIDs) > 0 }

// Location is one of a customer's ship-to sites. In the orders subgraph
// only ID is set (a reference the customers subgraph resolves).
type Location struct {
	ID           int
	CustomerID   int
	Name         string
	AddressLine1 string
	AddressLine2 *string
	City         string
	PostalCode   string
	Country      string
	TaxID        *string
	CreatedAt    time.Time
}

// IsEntity marks a federation entity for gqlgen's _Entity union.
func (Location) IsEntity() {}

// Address is the address an order ships to, as it was copied onto it.
type Address accounts.Address

// Actor is who did something. Its member is resolved from ID when Type is
// "member".
type Actor struct {
	Type string
	ID   string
}

// ActorOf converts a services actor; nil stays nil.
func ActorOf(a *services.Actor) *Actor {
	if a == nil {
		return nil
	}
	return &Actor{Type: a.Type, ID: a.ID}
}

// MemberID returns the id of the member the actor is, or 0 when it is no
// member.
func (a *Actor) MemberID() int {
	if a.Type != "member" {
		return 0
	}
	id, err := strconv.Atoi(a.ID)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// ParseActor reads a "type:id" argument (Query.orders' placedBy).
// Errors: Invalid (field) for anything else.
func ParseActor(field, s string) (services.Actor, error) {
	a, ok := services.ParseActor(s)
	if !ok || a.ID == "" {
		return services.Actor{}, services.InvalidField(field, field+` must be "type:id", as Actor has them: "member:3"`)
	}
	return a, nil
}

// ApiKey is an API key as its owners see it: never its secret. Its
// locations and member are resolved through loaders. (The schema's name,
// which autobind binds by.)
type ApiKey struct {
	ID          int
	CustomerID  int
	MemberID    *int
	CreatedBy   *Actor
	Name        string
	Role        MemberRole
	LocationIDs []int
	Prefix      string
	ExpiresAt   *time.Time
	LastUsedAt  *time.Time
	CreatedAt   time.Time
}

// LocationLimited reports whether the key is limited to some locations:
// ApiKey.locationLimited.
func (k ApiKey) LocationLimited() bool { return len(k.LocationIDs) > 0 }

// ApiKeyCreated is the answer of apiKeyCreate: the key and its secret.
type ApiKeyCreated struct {
	APIKey *ApiKey
	Key    string
}

// Me is who the caller is. Its customer and locations are resolved
// through loaders.
type Me struct {
	Role        string
	Subject     string
	CustomerID  int // 0 for a principal that is no customer's
	Access      *MemberRole
	LocationIDs []int // nil: not limited
	Member      *Member
	APIKey      *ApiKey
}

// MemberConnection is a page of members.
type MemberConnection struct {
	Edges    []*MemberEdge
	PageInfo *PageInfo
}

// MemberEdge is one member of a page.
type MemberEdge struct {
	Cursor string
	Node   *Member
}

// LocationConnection is a page of locations.
type LocationConnection struct {
	Edges    []*LocationEdge
	PageInfo *PageInfo
}

// LocationEdge is one location of a page.
type LocationEdge struct {
	Cursor string
	Node   *Location
}

// ApiKeyConnection is a page of API keys.
type ApiKeyConnection struct {
	Edges    []*ApiKeyEdge
	PageInfo *PageInfo
}

// ApiKeyEdge is one API key of a page.
type ApiKeyEdge struct {
	Cursor string
	Node   *ApiKey
}

// MemberInviteInput is the argument of memberInvite.
type MemberInviteInput struct {
	Email       string
	Name        string
	Role        MemberRole
	Subject     *string
	LocationIDs []int
}

// MemberUpdateInput is the argument of memberUpdate. LocationIDs nil
// leaves the limit as it is; empty lifts it.
type MemberUpdateInput struct {
	Name        *string
	Role        *MemberRole
	LocationIDs []int
}

// LocationInput is the argument of locationCreate and locationUpdate.
type LocationInput struct {
	Name         *string
	AddressLine1 *string
	AddressLine2 *string
	City         *string
	PostalCode   *string
	Country      *string
	TaxID        *string
}

// ApiKeyCreateInput is the argument of apiKeyCreate.
type ApiKeyCreateInput struct {
	Name        string
	Role        MemberRole
	LocationIDs []int
	ExpiresAt   *time.Time
}

// MemberByIDsInput and LocationByIDsInput are the federation
// representations of Member and Location, bound here as the others are.
type (
	MemberByIDsInput   struct{ ID EntityKey }
	LocationByIDsInput struct{ ID EntityKey }
)

// The keys of representations.
func (r *MemberByIDsInput) Key() EntityKey   { return r.ID }
func (r *LocationByIDsInput) Key() EntityKey { return r.ID }

// FromMember converts a service member.
func FromMember(m accounts.Member) *Member {
	return &Member{ID: m.ID, CustomerID: m.CustomerID, Email: m.Email, Name: m.Name, Role: RoleOf(m.Role),
		Subject: m.Subject, LocationIDs: m.LocationIDs, CreatedAt: m.CreatedAt}
}

// FromLocation converts a service location.
func FromLocation(l accounts.Location) *Location {
	return &Location{ID: l.ID, CustomerID: l.CustomerID, Name: l.Name, AddressLine1: l.AddressLine1,
		AddressLine2: l.AddressLine2, City: l.City, PostalCode: l.PostalCode, Country: l.Country, TaxID: l.TaxID,
		CreatedAt: l.CreatedAt}
}

// FromKey converts a service API key.
func FromKey(k accounts.Key) *ApiKey {
	by := k.CreatedBy
	return &ApiKey{ID: k.ID, CustomerID: k.CustomerID, MemberID: k.MemberID, CreatedBy: ActorOf(&by), Name: k.Name,
		Role: RoleOf(k.Role), LocationIDs: k.LocationIDs, Prefix: k.Prefix, ExpiresAt: k.ExpiresAt,
		LastUsedAt: k.LastUsedAt, CreatedAt: k.CreatedAt}
}

// FromMe converts who the caller is.
func FromMe(me accounts.Me) *Me {
	out := &Me{Role: string(me.Role), Subject: me.Subject, LocationIDs: me.Locations}
	if me.IsCustomer() {
		out.CustomerID = me.CustomerID
		access := RoleOf(me.AccessIn())
		out.Access = &access
	}
	if me.Member != nil {
		out.Member = FromMember(*me.Member)
	}
	if me.Key != nil {
		out.APIKey = FromKey(*me.Key)
	}
	return out
}

// MemberConnectionOf builds a connection from a page of members.
func MemberConnectionOf(p services.Page[accounts.Member]) *MemberConnection {
	edges, info := Connection(CursorMember, p.Items, p.HasMore,
		func(m accounts.Member) int { return m.ID },
		func(cur string, m accounts.Member) *MemberEdge { return &MemberEdge{Cursor: cur, Node: FromMember(m)} })
	return &MemberConnection{Edges: edges, PageInfo: info}
}

// LocationConnectionOf builds a connection from a page of locations.
func LocationConnectionOf(p services.Page[accounts.Location]) *LocationConnection {
	edges, info := Connection(CursorLocation, p.Items, p.HasMore,
		func(l accounts.Location) int { return l.ID },
		func(cur string, l accounts.Location) *LocationEdge {
			return &LocationEdge{Cursor: cur, Node: FromLocation(l)}
		})
	return &LocationConnection{Edges: edges, PageInfo: info}
}

// KeyConnectionOf builds a connection from a page of API keys.
func KeyConnectionOf(p services.Page[accounts.Key]) *ApiKeyConnection {
	edges, info := Connection(CursorAPIKey, p.Items, p.HasMore,
		func(k accounts.Key) int { return k.ID },
		func(cur string, k accounts.Key) *ApiKeyEdge { return &ApiKeyEdge{Cursor: cur, Node: FromKey(k)} })
	return &ApiKeyConnection{Edges: edges, PageInfo: info}
}
