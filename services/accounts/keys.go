package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/b2b-orders/platform/ent"
	"github.com/b2b-orders/platform/ent/apikey"
	"github.com/b2b-orders/platform/services"
)

// KeyPrefix starts every API key.
const KeyPrefix = services.APIKeyPrefix

// Key is an API key as its owners see it: never the secret.
type Key struct {
	ID         int
	CustomerID int
	// MemberID is the member who created the key, if a member did.
	MemberID    *int
	CreatedBy   services.Actor
	Name        string
	Role        services.MemberRole
	LocationIDs []int
	// Prefix is the key's public part, shown in lists to tell keys apart.
	Prefix     string
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	CreatedAt  time.Time
}

// KeyInput is a new key. ExpiresAt, when given, must be in the future.
type KeyInput struct {
	Name        string
	Role        string
	LocationIDs []int
	ExpiresAt   *time.Time
}

// CreateKey creates an API key for the customer and returns it with its
// secret, which is shown this once: only its hash is kept. A customer's
// admin (or staff) may give any role; any other member only a role and
// location limit within its own.
// Errors: Unauthenticated; Invalid; NotFound for a customer the principal
// may not see or a location not the customer's; role_above_creator.
func (s *Service) CreateKey(ctx context.Context, customerID int, in KeyInput) (Key, string, error) {
	p, err := viewable(ctx, customerID)
	if err != nil {
		return Key{}, "", err
	}
	if err := checkName(in.Name); err != nil {
		return Key{}, "", err
	}
	role, err := services.ParseMemberRole(in.Role)
	if err != nil {
		return Key{}, "", err
	}
	locs, err := normalizeLocations(in.LocationIDs)
	if err != nil {
		return Key{}, "", err
	}
	now := s.stamp()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return Key{}, "", services.InvalidField("expires_at", "expires_at must be in the future")
	}
	if err := within(p, role, locs); err != nil {
		return Key{}, "", err
	}
	prefix, secret, err := newKey()
	if err != nil {
		return Key{}, "", services.WrapInternal(err, "new key")
	}
	var out Key
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		if err := checkLocations(ctx, tx, customerID, locs); err != nil {
			return err
		}
		c := tx.APIKey.Create().SetCustomerID(customerID).SetCreatedBy(p.Actor().String()).SetName(in.Name).
			SetRole(apikey.Role(role)).SetLocationIds(locs).SetPrefix(prefix).SetSecretHash(hashKey(secret)).
			SetCreatedAt(now)
		if p.MemberID != 0 {
			c.SetMemberID(p.MemberID)
		}
		if in.ExpiresAt != nil {
			c.SetExpiresAt(in.ExpiresAt.UTC().Truncate(time.Millisecond))
		}
		k, err := c.Save(ctx)
		if err != nil {
			return err
		}
		out = keyFromEnt(k)
		return nil
	})
	if err != nil {
		return Key{}, "", translate(err, errKeyNotFound, "create key")
	}
	return out, secret, nil
}

// ListKeys returns a page of the customer's current (unrevoked) keys: all
// of them for its admins and staff, a member's own for any other member.
// Errors: Unauthenticated; Invalid; NotFound for a customer the principal
// may not see.
func (s *Service) ListKeys(ctx context.Context, customerID int, params ListParams) (services.Page[Key], error) {
	p, err := viewable(ctx, customerID)
	if err != nil {
		return services.Page[Key]{}, err
	}
	limit := services.ClampLimit(params.Limit)
	q := s.db.Client.APIKey.Query().
		Where(apikey.CustomerID(customerID), apikey.RevokedAtIsNil(), apikey.IDGT(params.After)).
		Order(ent.Asc(apikey.FieldID)).Limit(limit + 1)
	if !p.CanManageAccount(customerID) {
		q.Where(apikey.MemberID(p.MemberID))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return services.Page[Key]{}, translate(err, errKeyNotFound, "list keys")
	}
	return services.PageOf(rows, limit, keyFromEnt), nil
}

// RevokeKey revokes a key at once in this process and, elsewhere, within
// the authenticator's cache TTL. A customer's admin (or staff) revokes any
// of its keys, another member its own.
// customerID, when not 0, is the customer the caller named: a key of
// any other customer is NotFound.
// Errors: Unauthenticated; Invalid; NotFound, also when revoked already
// or the principal may not see it.
func (s *Service) RevokeKey(ctx context.Context, customerID, id int) error {
	p, err := services.PrincipalFrom(ctx)
	if err != nil {
		return err
	}
	if id < 1 {
		return services.InvalidField("id", "Invalid API key ID")
	}
	err = s.db.WithTx(ctx, func(tx *ent.Tx) error {
		k, err := locked(s, tx.APIKey.Query().Where(apikey.ID(id), apikey.RevokedAtIsNil())).Only(ctx)
		if err != nil {
			return err
		}
		if customerID != 0 && k.CustomerID != customerID {
			return errKeyNotFound
		}
		own := k.MemberID != nil && *k.MemberID == p.MemberID && p.MemberID != 0
		if !p.CanActFor(k.CustomerID) || !p.CanManageAccount(k.CustomerID) && !own {
			return errKeyNotFound
		}
		return k.Update().SetRevokedAt(s.stamp()).Exec(ctx)
	})
	if err != nil {
		return translate(err, errKeyNotFound, "revoke key")
	}
	s.cfg.Revoked()
	return nil
}

// newKey returns a new key's public prefix and the whole key.
func newKey() (prefix, key string, err error) {
	var b [8 + 32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	prefix = KeyPrefix + hex.EncodeToString(b[:8])
	return prefix, prefix + "_" + base64.RawURLEncoding.EncodeToString(b[8:]), nil
}

// splitKey returns the prefix of a key in the form newKey makes.
func splitKey(key string) (prefix string, ok bool) {
	if !strings.HasPrefix(key, KeyPrefix) {
		return "", false
	}
	rest := key[len(KeyPrefix):]
	hexPart, secretPart, found := strings.Cut(rest, "_")
	if !found || len(hexPart) != 16 || len(secretPart) != 43 {
		return "", false
	}
	if _, err := hex.DecodeString(hexPart); err != nil {
		return "", false
	}
	return KeyPrefix + hexPart, true
}

func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

func keyFromEnt(k *ent.APIKey) Key {
	by, _ := services.ParseActor(k.CreatedBy)
	return Key{ID: k.ID, CustomerID: k.CustomerID, MemberID: k.MemberID, CreatedBy: by, Name: k.Name,
		Role: services.MemberRole(k.Role), LocationIDs: nilIfEmpty(k.LocationIds), Prefix: k.Prefix,
		ExpiresAt: utc(k.ExpiresAt), LastUsedAt: utc(k.LastUsedAt), CreatedAt: k.CreatedAt.UTC()}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// keySubject names a key principal in logs and limits.
func keySubject(id int) string { return "api_key:" + strconv.Itoa(id) }
