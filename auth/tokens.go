// Package auth authenticates callers for every transport: the REST routes,
// the graph and the Lambda's local form. It turns an Authorization header
// into a services.Principal (or the reason it could not) and leaves the
// answer to the transport, so each can reply in its own format.
package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/b2b-orders/platform/services"
)

// Defaults of Tokens when Issuer or Audience are empty.
const (
	DefaultIssuer   = "b2b-orders"
	DefaultAudience = "b2b-api"
)

// invalidTokenMessage is what clients see for any credential we refuse;
// the reason stays in the wrapped cause, for logs only, so that a caller
// probing tokens learns nothing about which check failed.
const invalidTokenMessage = "Invalid or expired token"

// Tokens issues and verifies the JWTs of users: HS256 with Secret, always
// with an expiry, bound to Issuer and Audience.
type Tokens struct {
	Secret []byte
	// Issuer and Audience default to DefaultIssuer and DefaultAudience.
	Issuer, Audience string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// claims is the token body: the registered claims plus who the caller is.
type claims struct {
	Role       services.Role `json:"role"`
	CustomerID int           `json:"customer_id,omitempty"`
	// MemberID makes a customer token a member's: the member's current
	// role and locations apply, and the token stops when it is removed.
	MemberID int `json:"member_id,omitempty"`
	jwt.RegisteredClaims
}

// Issue returns a signed token for p that expires after ttl.
//
// It fails (with a plain error, this is an operator's mistake rather than a
// client's) when Secret is empty, ttl is not positive, or p is not a
// principal a token may carry: see checkPrincipal.
func (t *Tokens) Issue(p services.Principal, ttl time.Duration) (string, error) {
	if len(t.Secret) == 0 {
		return "", errors.New("auth: no token secret")
	}
	if ttl <= 0 {
		return "", fmt.Errorf("auth: token lifetime must be positive, got %s", ttl)
	}
	if err := checkPrincipal(p.Role, p.CustomerID, p.MemberID); err != nil {
		return "", err
	}
	now := t.now()
	c := claims{
		Role:       p.Role,
		CustomerID: p.CustomerID,
		MemberID:   p.MemberID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer(),
			Audience:  jwt.ClaimStrings{t.audience()},
			Subject:   p.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.Secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return s, nil
}

// Verify checks token and returns the principal it carries.
//
// Every refusal is an Unauthenticated *services.Error with the message
// "Invalid or expired token" and the reason as its cause: a signature that
// is not HS256 with Secret (alg "none" and RS256 included), a missing or
// past expiry, a future nbf or iat, another issuer or audience, and a role
// that is missing, unknown or not one a token may carry (see checkPrincipal).
func (t *Tokens) Verify(token string) (services.Principal, error) {
	if len(t.Secret) == 0 {
		return services.Principal{}, invalid(errors.New("no token secret configured"))
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c,
		func(*jwt.Token) (any, error) { return t.Secret, nil },
		// Pinning the method is what stops alg confusion: a token signed
		// with RS256 (or "none") never reaches the key function's secret.
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(t.issuer()),
		jwt.WithAudience(t.audience()),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return services.Principal{}, invalid(err)
	}
	if err := numericDates(token); err != nil {
		return services.Principal{}, invalid(err)
	}
	if err := checkPrincipal(c.Role, c.CustomerID, c.MemberID); err != nil {
		return services.Principal{}, invalid(err)
	}
	subject := c.Subject
	if subject == "" {
		subject = string(c.Role)
	}
	return services.Principal{Role: c.Role, CustomerID: c.CustomerID, MemberID: c.MemberID, Subject: subject, Expires: c.ExpiresAt.Time}, nil
}

// numericDates refuses a token whose exp, nbf or iat is not a JSON number,
// as RFC 7519 has them: the JWT library also reads a numeric string, so
// "exp": "9999999999" would pass for a date. The token is one the library
// has verified, so its payload decodes.
func numericDates(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("auth: not a JWS compact serialization")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("auth: payload: %w", err)
	}
	var dates struct{ Exp, Nbf, Iat json.RawMessage }
	if err := json.Unmarshal(payload, &dates); err != nil {
		return fmt.Errorf("auth: payload: %w", err)
	}
	for name, v := range map[string]json.RawMessage{"exp": dates.Exp, "nbf": dates.Nbf, "iat": dates.Iat} {
		if len(v) > 0 && !isJSONNumber(v) {
			return fmt.Errorf("auth: claim %s is not a number", name)
		}
	}
	return nil
}

// isJSONNumber reports whether v, a JSON value, is a number.
func isJSONNumber(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
}

// checkPrincipal accepts the roles a user token may carry. Service callers
// use the service token and anonymous callers carry nothing, so a JWT
// claiming either is refused rather than trusted. A customer_id on another
// role would be ignored by the services; refusing it keeps every token we
// accept unambiguous.
func checkPrincipal(role services.Role, customerID, memberID int) error {
	if memberID < 0 || memberID > 0 && role != services.RoleCustomer {
		return errors.New("auth: member_id needs role customer and a positive id")
	}
	switch role {
	case services.RoleAdmin, services.RoleStaff:
		if customerID != 0 {
			return fmt.Errorf("auth: role %q carries no customer_id", role)
		}
	case services.RoleCustomer:
		if customerID <= 0 {
			return errors.New("auth: role customer needs a customer_id > 0")
		}
	case "":
		return errors.New("auth: token has no role")
	default:
		return fmt.Errorf("auth: role %q cannot be carried by a token", role)
	}
	return nil
}

func invalid(cause error) error {
	return &services.Error{
		Kind:    services.Unauthenticated,
		Code:    services.CodeUnauthenticated,
		Message: invalidTokenMessage,
		Err:     cause,
	}
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Tokens) issuer() string {
	if t.Issuer != "" {
		return t.Issuer
	}
	return DefaultIssuer
}

func (t *Tokens) audience() string {
	if t.Audience != "" {
		return t.Audience
	}
	return DefaultAudience
}
