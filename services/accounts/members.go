package accounts

import (
	"context"
	"strings"
	"time"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/member"
	"github.com/b2b-orders/platform/services"
)

// Member is a current member of a customer.
type Member struct {
	ID         int
	CustomerID int
	Email      string
	Name       string
	Role       services.MemberRole
	// Subject is the identity provider's subject, once known.
	Subject *string
	// LocationIDs limits the member to those locations; nil: all.
	LocationIDs []int
	CreatedAt   time.Time
}

// MemberInput is a new member. Subject, when given, binds the member to
// that identity-provider subject at once; otherwise the first sign-in
// binds it (when the operator allows linking by verified email).
type MemberInput struct {
	Email       string
	Name        string
	Role        string
	Subject     *string
	LocationIDs []int
}

// MemberUpdate changes the fields that are not nil.
type MemberUpdate struct {
	Name        *string
	Role        *string
	LocationIDs *[]int
}

// ListParams selects a page ordered by id.
type ListParams struct {
	// After is the last id of the previous page; 0 starts at the beginning.
	After int
	// Limit is clamped with services.ClampLimit.
	Limit int
}

// ListMembers returns a page of the customer's current members.
// Errors: Unauthenticated; Invalid; NotFound for a customer the principal
// may not see.
func (s *Service) ListMembers(ctx context.Context, customerID int, params ListParams) (services.Page[Member], error) {
	if _, err := viewable(ctx, customerID); err != nil {
		return services.Page[Member]{}, err
	}
	limit := services.ClampLimit(params.Limit)
	rows, err := s.db.Client.Member.Query().
		Where(member.CustomerID(customerID), member.RemovedAtIsNil(), member.IDGT(params.After)).
		Order(ent.Asc(member.FieldID)).Limit(limit + 1).All(ctx)
	if err != nil {
		return services.Page[Member]{}, translate(err, errMemberNotFound, "list members")
	}
	return services.PageOf(rows, limit, memberFromEnt), nil
}

// GetMember returns a current member the principal may see.
// Errors: Unauthenticated; Invalid for ids below 1; NotFound, also for
// another customer's member.
func (s *Service) GetMember(ctx context.Context, id int) (Member, error) {
	if id < 1 {
		return Member{}, services.InvalidField("id", "Invalid member ID")
	}
	ms, err := s.GetMembers(ctx, []int{id})
	if err != nil {
		return Member{}, err
	}
	if len(ms) == 0 {
		return Member{}, errMemberNotFound
	}
	return ms[0], nil
}

// GetMembers returns those of ids that are members the principal may see,
// removed ones included (an order's placedBy still names its member), in
// no particular order: the batch read behind the graph's loaders.
// Errors: Unauthenticated; Internal.
func (s *Service) GetMembers(ctx context.Context, ids []int) ([]Member, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return nil, err
	}
	q := s.db.Client.Member.Query().Where(member.IDIn(ids...))
	if p.IsCustomer() {
		q.Where(member.CustomerID(p.CustomerID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, translate(err, errMemberNotFound, "get members")
	}
	return services.Map(rows, memberFromEnt), nil
}

// InviteMember adds a member to the customer. The email is kept
// lower-cased.
// Errors: Unauthenticated; Invalid; NotFound for a customer the principal
// may not see, and for a location that is not the customer's;
// PermissionDenied for a member that is not the customer's admin, and
// role_above_creator for a role or location limit above the giver's;
// Conflict (member_taken) for an email a current member of the customer
// has, or a subject any current member has.
func (s *Service) InviteMember(ctx context.Context, customerID int, in MemberInput) (Member, error) {
	p, err := manageable(ctx, customerID)
	if err != nil {
		return Member{}, err
	}
	role, locs, err := checkMember(&in.Name, &in.Email, in.Role, in.LocationIDs)
	if err != nil {
		return Member{}, err
	}
	if in.Subject != nil {
		if err := services.CheckLen("subject", *in.Subject, 255, true, "Subject must not be empty", "Subject must be at most 255 characters"); err != nil {
			return Member{}, err
		}
	}
	if err := within(p, role, locs); err != nil {
		return Member{}, err
	}
	var out Member
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := checkLocations(ctx, tx, customerID, locs); err != nil {
			return err
		}
		m, err := tx.Member.Create().SetCustomerID(customerID).SetEmail(in.Email).SetName(in.Name).
			SetRole(member.Role(role)).SetNillableSubject(in.Subject).SetLocationIds(locs).
			SetCreatedAt(s.stamp()).Save(ctx)
		if err != nil {
			return err
		}
		out = memberFromEnt(m)
		return nil
	})
	return out, translate(err, errMemberNotFound, "invite member")
}

// UpdateMember changes a current member's name, role or location limit.
// customerID, when not 0, is the customer the caller named (a REST path):
// a member of any other customer is NotFound.
// Errors: as InviteMember's, and NotFound for a member the principal may
// not see; role_above_creator also when the member is now above the giver.
func (s *Service) UpdateMember(ctx context.Context, customerID, id int, in MemberUpdate) (Member, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Member{}, err
	}
	if id < 1 {
		return Member{}, services.InvalidField("id", "Invalid member ID")
	}
	if in.Name == nil && in.Role == nil && in.LocationIDs == nil {
		return Member{}, services.InvalidField("", "At least one field must be provided for update")
	}
	if in.Name != nil {
		if err := checkName(*in.Name); err != nil {
			return Member{}, err
		}
	}
	var out Member
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		m, err := locked(s, tx.Member.Query().Where(member.ID(id), member.RemovedAtIsNil())).Only(ctx)
		if err != nil {
			return err
		}
		if err := canManage(p, customerID, m.CustomerID, errMemberNotFound); err != nil {
			return err
		}
		// The member as it is must be within the giver too: a limited
		// admin does not edit an unlimited one.
		if err := within(p, services.MemberRole(m.Role), m.LocationIds); err != nil {
			return err
		}
		role, locs := services.MemberRole(m.Role), m.LocationIds
		if in.Role != nil {
			if role, err = services.ParseMemberRole(*in.Role); err != nil {
				return err
			}
		}
		if in.LocationIDs != nil {
			if locs, err = normalizeLocations(*in.LocationIDs); err != nil {
				return err
			}
		}
		if err := within(p, role, locs); err != nil {
			return err
		}
		if err := checkLocations(ctx, tx, m.CustomerID, locs); err != nil {
			return err
		}
		up := m.Update().SetRole(member.Role(role)).SetNillableName(in.Name)
		if locs == nil {
			up.ClearLocationIds()
		} else {
			up.SetLocationIds(locs)
		}
		if m, err = up.Save(ctx); err != nil {
			return err
		}
		out = memberFromEnt(m)
		return nil
	})
	return out, translate(err, errMemberNotFound, "update member")
}

// RemoveMember removes a current member: its tokens, sign-ins and the API
// keys it created stop working (in other processes within the
// authenticator's cache TTL). Its past orders keep naming it.
// customerID is as UpdateMember's.
// Errors: Unauthenticated; Invalid; NotFound, also when already removed
// or another customer's; PermissionDenied; role_above_creator for a
// member above the giver.
func (s *Service) RemoveMember(ctx context.Context, customerID, id int) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if id < 1 {
		return services.InvalidField("id", "Invalid member ID")
	}
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		m, err := locked(s, tx.Member.Query().Where(member.ID(id), member.RemovedAtIsNil())).Only(ctx)
		if err != nil {
			return err
		}
		if err := canManage(p, customerID, m.CustomerID, errMemberNotFound); err != nil {
			return err
		}
		if err := within(p, services.MemberRole(m.Role), m.LocationIds); err != nil {
			return err
		}
		return m.Update().SetRemovedAt(s.stamp()).ClearLive().Exec(ctx)
	})
	if err != nil {
		return translate(err, errMemberNotFound, "remove member")
	}
	s.cfg.Revoked()
	return nil
}

// checkMember validates a new member's fields, lower-casing the email.
func checkMember(name, email *string, role string, locations []int) (services.MemberRole, []int, error) {
	if err := checkName(*name); err != nil {
		return "", nil, err
	}
	*email = normalizeEmail(*email)
	if !services.ValidEmail(*email) {
		return "", nil, services.InvalidField("email", "Invalid email format")
	}
	if err := services.CheckLen("email", *email, 255, true, "Invalid email format", "Email must be less than 255 characters"); err != nil {
		return "", nil, err
	}
	r, err := services.ParseMemberRole(role)
	if err != nil {
		return "", nil, err
	}
	locs, err := normalizeLocations(locations)
	return r, locs, err
}

func checkName(name string) error {
	return services.CheckLen("name", name, MaxNameLen, true, "Name is required", "Name must be less than 255 characters")
}

func memberFromEnt(m *ent.Member) Member {
	return Member{ID: m.ID, CustomerID: m.CustomerID, Email: m.Email, Name: m.Name, Role: services.MemberRole(m.Role),
		Subject: m.Subject, LocationIDs: nilIfEmpty(m.LocationIds), CreatedAt: m.CreatedAt.UTC()}
}

func nilIfEmpty(ids []int) []int {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// normalizeEmail lower-cases and trims an address, so that uniqueness and
// lookups ignore case on every store.
func normalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }
