package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"

	"github.com/b2b-orders/platform/auth/oidc"
	"github.com/b2b-orders/platform/internal/web"
	"github.com/b2b-orders/platform/services"
)

// Authenticator decides who is calling from an Authorization header.
type Authenticator struct {
	// Tokens verifies user JWTs.
	Tokens *Tokens
	// ServiceToken is the shared secret of the other processes; empty
	// disables it, so that an unset token can never match an empty one.
	ServiceToken string
	// Required refuses callers without credentials. When false (the
	// operator's AUTH_REQUIRED=false, for old clients) they act as
	// services.Anonymous.
	Required bool
	// Customers, when set, refuses the token of a customer that no longer
	// exists, as an invalid token. Nil accepts every validly signed
	// customer token (a process that only forwards tokens to one that
	// checks them).
	Customers *LiveCustomers
	// Identities resolves members' tokens, sign-ins through the identity
	// provider and API keys. Nil refuses all three: only legacy tokens
	// and the service token work.
	Identities *Identities
	// OIDC verifies the tokens of the seller's identity provider, those
	// whose iss is its issuer; nil when OIDC_ISSUER is unset.
	OIDC OIDCVerifier
}

// OIDCVerifier checks a token of the identity provider (auth/oidc's
// Verifier).
type OIDCVerifier interface {
	// Issuer is the provider's issuer: a token whose iss it is goes to
	// Verify, never to the HS256 check.
	Issuer() string
	// Verify returns the subject, email and expiry of a valid token.
	Verify(ctx context.Context, raw string) (oidc.Identity, error)
}

var errCredentialGone = errors.New("the credential's member, key or subject is not current")

type errKey struct{}

// Middleware authenticates every request with Authenticate. It never
// answers by itself: a refused credential leaves an error in the context
// (see Err) and no principal, so each transport answers in its own format
// and the services, finding no principal, answer Unauthenticated.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		values := r.Header.Values("Authorization")
		keys := r.Header.Values(web.APIKeyHeader)
		switch {
		case len(values)+len(keys) > 1:
			// Two credentials are ambiguous: refuse rather than pick one.
			ctx = refuse(ctx, invalid(errors.New("several credentials")))
		case len(keys) == 1:
			key := strings.TrimSpace(keys[0])
			if !strings.HasPrefix(key, services.APIKeyPrefix) {
				ctx = refuse(ctx, invalid(errors.New("X-API-Key carries no API key")))
			} else {
				ctx = a.Authenticate(ctx, "Bearer "+key)
			}
		case len(values) == 1:
			ctx = a.Authenticate(ctx, values[0])
		default:
			ctx = a.Authenticate(ctx, "")
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Authenticate returns ctx carrying the outcome for the value of an
// Authorization header, for transports that do not go through Middleware
// (a GraphQL websocket's init payload, say):
//   - "Bearer <ServiceToken>": services.ServicePrincipal;
//   - "Bearer <valid JWT>": the token's principal, unless it is a
//     customer's and Customers finds the customer gone;
//   - empty: services.Anonymous when not Required, otherwise nothing;
//   - anything else: no principal and an error for Err, never Anonymous.
func (a *Authenticator) Authenticate(ctx context.Context, authorization string) context.Context {
	if authorization == "" {
		if a.Required {
			return refuse(ctx, nil)
		}
		return accept(ctx, services.Anonymous)
	}
	scheme, token, _ := strings.Cut(authorization, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return refuse(ctx, invalid(errors.New("not a Bearer credential")))
	}
	if a.ServiceToken != "" && secretEqual(token, a.ServiceToken) {
		return accept(ctx, services.ServicePrincipal)
	}
	p, err := a.principal(ctx, token)
	if err != nil {
		return refuse(ctx, err)
	}
	if p.IsCustomer() && a.Customers != nil {
		live, err := a.Customers.Live(ctx, p.CustomerID)
		if err != nil {
			// Who the caller is cannot be known now: an outage, answered
			// as one, not as a refused credential.
			if _, ok := errors.AsType[*services.Error](err); !ok {
				err = services.Outage(err)
			}
			return refuse(ctx, err)
		}
		if !live {
			return refuse(ctx, invalid(errors.New("the token's customer was deleted")))
		}
	}
	return accept(ctx, p)
}

// principal verifies a bearer credential other than the service token:
// an API key, a token of the identity provider, or one of Tokens (a
// member's, resolved to the member's current role and locations).
func (a *Authenticator) principal(ctx context.Context, token string) (services.Principal, error) {
	switch {
	case strings.HasPrefix(token, services.APIKeyPrefix):
		if a.Identities == nil {
			return services.Principal{}, invalid(errors.New("API keys are not accepted here"))
		}
		return a.Identities.Key(ctx, token)
	case a.OIDC != nil && oidc.IssuerOf(token) == a.OIDC.Issuer():
		id, err := a.OIDC.Verify(ctx, token)
		if err != nil {
			return services.Principal{}, invalid(err)
		}
		if a.Identities == nil {
			return services.Principal{}, invalid(errors.New("no member directory configured"))
		}
		p, err := a.Identities.Subject(ctx, id.Subject, id.Email, id.EmailVerified)
		if err != nil {
			return services.Principal{}, err
		}
		p.Expires = id.Expires
		return p, nil
	}
	if a.Tokens == nil {
		return services.Principal{}, invalid(errors.New("no token verifier configured"))
	}
	p, err := a.Tokens.Verify(token)
	if err != nil || p.MemberID == 0 {
		return p, err
	}
	if a.Identities == nil {
		return services.Principal{}, invalid(errors.New("no member directory configured"))
	}
	m, err := a.Identities.Member(ctx, p.MemberID)
	if err != nil {
		return services.Principal{}, err
	}
	if m.CustomerID != p.CustomerID {
		return services.Principal{}, invalid(errors.New("the token's member is another customer's"))
	}
	// The member's own subject ("member:<id>") names it in logs and
	// limits, whatever the token's sub says.
	m.Expires = p.Expires
	return m, nil
}

// Err returns the Unauthenticated *services.Error ("Invalid or expired
// token") left by Middleware or Authenticate when the caller presented a
// credential that was refused (or an Unavailable one when a customer's
// existence could not be checked), and nil otherwise. Transports check it
// to answer before calling a service.
func Err(ctx context.Context) error {
	err, _ := ctx.Value(errKey{}).(error)
	return err
}

// FromContext returns the caller's principal. The error is Err(ctx) when a
// credential was refused, and otherwise services.PrincipalFrom's
// Unauthenticated error when there is no principal.
func FromContext(ctx context.Context) (services.Principal, error) {
	if err := Err(ctx); err != nil {
		return services.Principal{}, err
	}
	return services.PrincipalFrom(ctx)
}

// RequireService guards the internal routes, which only other processes
// call: whatever Middleware decided, next runs only for "Bearer
// <ServiceToken>", as services.ServicePrincipal. Otherwise deny answers, in the
// transport's format: 401 "Service token required" without a Bearer
// credential, 403 "Invalid service token" with any other one (also when
// ServiceToken is empty, which disables the internal routes).
func (a *Authenticator) RequireService(next http.Handler, deny func(w http.ResponseWriter, status int, msg string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			deny(w, http.StatusUnauthorized, "Service token required")
			return
		}
		if a.ServiceToken == "" || !secretEqual(strings.TrimSpace(token), a.ServiceToken) {
			deny(w, http.StatusForbidden, "Invalid service token")
			return
		}
		next.ServeHTTP(w, r.WithContext(accept(r.Context(), services.ServicePrincipal)))
	})
}

// secretEqual compares in constant time. Hashing first makes the time
// independent of the lengths too, which subtle.ConstantTimeCompare alone
// would reveal.
func secretEqual(got, want string) bool {
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// accept and refuse record a decision, hiding any earlier one in ctx so
// that a context never carries both a principal and a refusal.
func accept(ctx context.Context, p services.Principal) context.Context {
	return services.WithPrincipal(context.WithValue(ctx, errKey{}, nil), p)
}

// refuse leaves err (nil for "no credential") and the zero Principal,
// which services.PrincipalFrom reports as Unauthenticated.
func refuse(ctx context.Context, err error) context.Context {
	return services.WithPrincipal(context.WithValue(ctx, errKey{}, err), services.Principal{})
}

// Recheck reports whether the credential that made p still holds, for
// what outlives the request that presented it (a subscription): nil while
// it does; the Unauthenticated *services.Error "Invalid or expired token"
// once p's expiry has passed or, for a customer token, once Customers
// finds the customer deleted (within Customers' TTL in a process that did
// not delete it); Customers' Unavailable error when that cannot be known
// now, which the caller may take as a reason to ask again later.
func (a *Authenticator) Recheck(ctx context.Context, p services.Principal) error {
	if !p.Expires.IsZero() && !a.now().Before(p.Expires) {
		return invalid(errors.New("the credential expired"))
	}
	if (p.MemberID != 0 || p.KeyID != 0) && a.Identities != nil {
		// The member or key must still be current, with what it had: a
		// change of role or locations ends the stream too, and the client
		// subscribes again under its new rights.
		var now services.Principal
		var err error
		if p.KeyID != 0 {
			now, err = a.Identities.KeyID(ctx, p.KeyID)
		} else {
			now, err = a.Identities.Member(ctx, p.MemberID)
		}
		if err != nil {
			return err
		}
		if now.Access != p.Access || !slices.Equal(now.Locations, p.Locations) || now.CustomerID != p.CustomerID {
			return invalid(errors.New("the member's or key's rights changed"))
		}
	}
	if p.IsCustomer() && a.Customers != nil {
		live, err := a.Customers.Live(ctx, p.CustomerID)
		if err != nil {
			if _, ok := errors.AsType[*services.Error](err); !ok {
				err = services.Outage(err)
			}
			return err
		}
		if !live {
			return invalid(errors.New("the token's customer was deleted"))
		}
	}
	return nil
}

// now is the clock of a's tokens, so that an expiry is judged by the
// clock that issued and verified it.
func (a *Authenticator) now() time.Time {
	if a.Tokens != nil {
		return a.Tokens.now()
	}
	return time.Now()
}

// ClientKey names the client of a request for the limits that count per
// client (the rate limit, open streams): a caller with a valid credential
// is its principal, whatever address it comes from (behind a gateway or a
// NAT every user shares one); any other caller is remoteAddr's host
// (no forwarding header is trusted, since anyone can send one), IPv6 by
// /64.
func ClientKey(ctx context.Context, remoteAddr string) string {
	if p, err := FromContext(ctx); err == nil && p.Role != services.RoleAnonymous {
		return "principal:" + string(p.Role) + ":" + strconv.Itoa(p.CustomerID) + ":" + p.Subject
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	return "ip:" + httprate.CanonicalizeIP(host)
}
