package accounts

import (
	"context"
	"crypto/subtle"
	"slices"
	"strconv"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/apikey"
	"github.com/b2b-orders/platform/ent/member"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/internal/storeerr"
)

// The authenticator's lookups. They run for a caller not yet known, so
// they take no principal; each answers the principal a credential stands
// for, or NotFound when it stands for nobody (a removed member, a revoked
// or expired key, an unknown subject), which the authenticator answers as
// an invalid credential.

// touchEvery bounds how often a key's last_used_at is written: once per
// key per this interval, not once per request.
const touchEvery = time.Minute

// MemberPrincipal returns the principal of the current member id.
// Errors: NotFound when there is none; Unavailable; Internal.
func (s *Service) MemberPrincipal(ctx context.Context, id int) (services.Principal, error) {
	m, err := s.db.Client.Member.Query().Where(member.ID(id), member.RemovedAtIsNil()).Only(ctx)
	if err != nil {
		return services.Principal{}, translate(err, errMemberNotFound, "member principal")
	}
	return memberPrincipal(m), nil
}

// SubjectPrincipal returns the principal of the current member with the
// identity provider's subject. Without one, and when the operator allows
// linking (Config.LinkByEmail) and the email is verified, the one current
// member with that email and no subject yet gets the subject, once: two
// first sign-ins racing bind it once, and an email that several customers'
// members share links nobody.
// Errors: NotFound for a subject no member has (never an implicit
// account); Unavailable; Internal.
func (s *Service) SubjectPrincipal(ctx context.Context, subject, email string, emailVerified bool) (services.Principal, error) {
	if subject == "" {
		return services.Principal{}, errMemberNotFound
	}
	m, err := s.db.Client.Member.Query().Where(member.Subject(subject), member.RemovedAtIsNil()).Only(ctx)
	if err == nil {
		return memberPrincipal(m), nil
	}
	if !ent.IsNotFound(err) {
		return services.Principal{}, translate(err, errMemberNotFound, "subject principal")
	}
	if !s.cfg.LinkByEmail || !emailVerified || email == "" {
		return services.Principal{}, errMemberNotFound
	}
	var out services.Principal
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		ms, err := locked(s, tx.Member.Query().Where(member.Email(normalizeEmail(email)), member.RemovedAtIsNil(), member.SubjectIsNil()).
			Limit(2)).All(ctx)
		if err != nil {
			return err
		}
		if len(ms) != 1 {
			return errMemberNotFound
		}
		n, err := tx.Member.Update().Where(member.ID(ms[0].ID), member.SubjectIsNil()).SetSubject(subject).Save(ctx)
		if err != nil {
			return err
		}
		if n != 1 {
			return errMemberNotFound
		}
		ms[0].Subject = &subject
		out = memberPrincipal(ms[0])
		return nil
	})
	if services.KindOf(err) == services.NotFound || db.IsUniqueViolation(err) {
		// A concurrent first sign-in of the same subject may have bound
		// it while this one waited on the row: it is found by subject now.
		m, err := s.db.Client.Member.Query().Where(member.Subject(subject), member.RemovedAtIsNil()).Only(ctx)
		if err != nil {
			return services.Principal{}, translate(err, errMemberNotFound, "subject principal")
		}
		return memberPrincipal(m), nil
	}
	return out, translate(err, errMemberNotFound, "link member")
}

// KeyPrincipal returns the principal of an API key: the key's customer,
// role and location limit, and the member who created it. It records the
// key's use (at most once per minute).
// Errors: NotFound for a key that is malformed, unknown, revoked, expired,
// or whose creating member was removed or now has a role or location
// limit narrower than the key's; Unavailable; Internal.
func (s *Service) KeyPrincipal(ctx context.Context, key string) (services.Principal, error) {
	prefix, ok := splitKey(key)
	if !ok {
		return services.Principal{}, errKeyNotFound
	}
	k, err := s.db.Client.APIKey.Query().Where(apikey.Prefix(prefix), apikey.RevokedAtIsNil()).Only(ctx)
	if err != nil {
		return services.Principal{}, translate(err, errKeyNotFound, "key principal")
	}
	want := hashKey(key)
	if subtle.ConstantTimeCompare([]byte(want), []byte(k.SecretHash)) != 1 {
		return services.Principal{}, errKeyNotFound
	}
	return s.keyPrincipal(ctx, k)
}

// KeyIDPrincipal returns the principal of the current key id, whose
// secret the caller verified before (a subscription's recheck).
// Errors: as KeyPrincipal's.
func (s *Service) KeyIDPrincipal(ctx context.Context, id int) (services.Principal, error) {
	k, err := s.db.Client.APIKey.Query().Where(apikey.ID(id), apikey.RevokedAtIsNil()).Only(ctx)
	if err != nil {
		return services.Principal{}, translate(err, errKeyNotFound, "key principal")
	}
	return s.keyPrincipal(ctx, k)
}

func (s *Service) keyPrincipal(ctx context.Context, k *ent.APIKey) (services.Principal, error) {
	now := s.stamp()
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return services.Principal{}, errKeyNotFound
	}
	if k.MemberID != nil {
		// A key is never more than its member is now: one whose member was
		// removed, or demoted below the key's role, stops working.
		m, err := s.db.Client.Member.Query().Where(member.ID(*k.MemberID), member.RemovedAtIsNil()).Only(ctx)
		if ent.IsNotFound(err) {
			return services.Principal{}, errKeyNotFound
		}
		if err != nil {
			return services.Principal{}, storeerr.Classify(err, "key's member")
		}
		if !services.MemberRole(k.Role).Within(services.MemberRole(m.Role)) || !locationsWithin(k.LocationIds, m.LocationIds) {
			return services.Principal{}, errKeyNotFound
		}
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= touchEvery {
		// Guarded, so that replicas racing write it once per interval.
		_, err := s.db.Client.APIKey.Update().
			Where(apikey.ID(k.ID), apikey.Or(apikey.LastUsedAtIsNil(), apikey.LastUsedAtLT(now.Add(-touchEvery)))).
			SetLastUsedAt(now).Save(ctx)
		if err != nil {
			return services.Principal{}, storeerr.Classify(err, "touch key")
		}
	}
	p := services.Principal{Role: services.RoleCustomer, CustomerID: k.CustomerID, KeyID: k.ID,
		Access: services.MemberRole(k.Role), Locations: nilIfEmpty(k.LocationIds), Subject: keySubject(k.ID)}
	if k.MemberID != nil {
		p.MemberID = *k.MemberID
	}
	if k.ExpiresAt != nil {
		p.Expires = k.ExpiresAt.UTC()
	}
	return p, nil
}

func memberPrincipal(m *ent.Member) services.Principal {
	return services.Principal{Role: services.RoleCustomer, CustomerID: m.CustomerID, MemberID: m.ID,
		Access: services.MemberRole(m.Role), Locations: nilIfEmpty(m.LocationIds), Subject: "member:" + strconv.Itoa(m.ID)}
}

// Me is who the caller is: its principal and, for a member or an API
// key, the member's and the key's records.
type Me struct {
	services.Principal
	Member *Member
	Key    *Key
}

// Me returns who the caller is.
// Errors: Unauthenticated; Unavailable; Internal.
func (s *Service) Me(ctx context.Context) (Me, error) {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return Me{}, err
	}
	me := Me{Principal: p}
	if p.MemberID != 0 {
		m, err := s.db.Client.Member.Get(ctx, p.MemberID)
		if err != nil {
			return Me{}, translate(err, errMemberNotFound, "me")
		}
		v := memberFromEnt(m)
		me.Member = &v
	}
	if p.KeyID != 0 {
		k, err := s.db.Client.APIKey.Get(ctx, p.KeyID)
		if err != nil {
			return Me{}, translate(err, errKeyNotFound, "me")
		}
		v := keyFromEnt(k)
		me.Key = &v
	}
	return me, nil
}

// locationsWithin reports whether a limit (nil: all locations) is within
// another: a limited giver gives a non-empty subset of its own.
func locationsWithin(limit, of []int) bool {
	if len(of) == 0 {
		return true
	}
	if len(limit) == 0 {
		return false
	}
	for _, l := range limit {
		if !slices.Contains(of, l) {
			return false
		}
	}
	return true
}
