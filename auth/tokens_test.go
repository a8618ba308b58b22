package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/b2b-orders/platform/services"
)

// testNow is the fixed clock of these tests.
func testNow() time.Time { return time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC) }

func testTokens() *Tokens {
	return &Tokens{Secret: []byte("0123456789abcdef0123456789abcdef"), Now: testNow}
}

// sign builds a token by hand so that tests can produce what Issue never would.
func sign(t *testing.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// goodClaims are valid for testTokens; each case spoils one thing.
func goodClaims(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":  DefaultIssuer,
		"aud":  DefaultAudience,
		"sub":  "alice",
		"iat":  testNow().Add(-time.Minute).Unix(),
		"nbf":  testNow().Add(-time.Minute).Unix(),
		"exp":  testNow().Add(time.Hour).Unix(),
		"role": "staff",
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func TestVerify(t *testing.T) {
	tk := testTokens()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hs := func(edit func(jwt.MapClaims)) string {
		return sign(t, jwt.SigningMethodHS256, tk.Secret, goodClaims(edit))
	}
	tests := []struct {
		name  string
		token string
		want  services.Principal // zero: refused
	}{
		{"valid staff", hs(nil), services.Principal{Role: services.RoleStaff, Subject: "alice"}},
		{"valid admin without subject", hs(func(c jwt.MapClaims) { c["role"] = "admin"; delete(c, "sub") }),
			services.Principal{Role: services.RoleAdmin, Subject: "admin"}},
		{"valid customer", hs(func(c jwt.MapClaims) { c["role"] = "customer"; c["customer_id"] = 7 }),
			services.Principal{Role: services.RoleCustomer, CustomerID: 7, Subject: "alice"}},
		// RFC 7519's NumericDate is a JSON number; the library would read
		// these strings as dates.
		{"exp as a string", hs(func(c jwt.MapClaims) { c["exp"] = strconv.FormatInt(testNow().Add(time.Hour).Unix(), 10) }), services.Principal{}},
		{"nbf as a string", hs(func(c jwt.MapClaims) { c["nbf"] = strconv.FormatInt(testNow().Add(-time.Minute).Unix(), 10) }), services.Principal{}},
		{"iat as a string", hs(func(c jwt.MapClaims) { c["iat"] = strconv.FormatInt(testNow().Add(-time.Minute).Unix(), 10) }), services.Principal{}},
		{"exp fractional", hs(func(c jwt.MapClaims) { c["exp"] = float64(testNow().Add(time.Hour).Unix()) + 0.5 }),
			services.Principal{Role: services.RoleStaff, Subject: "alice"}},
		{"audience in a list", hs(func(c jwt.MapClaims) { c["aud"] = []string{"other", DefaultAudience} }),
			services.Principal{Role: services.RoleStaff, Subject: "alice"}},
		{"no iat or nbf", hs(func(c jwt.MapClaims) { delete(c, "iat"); delete(c, "nbf") }),
			services.Principal{Role: services.RoleStaff, Subject: "alice"}},

		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims(nil)), services.Principal{}},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, goodClaims(nil)), services.Principal{}},
		{"HS384 with the right secret", sign(t, jwt.SigningMethodHS384, tk.Secret, goodClaims(nil)), services.Principal{}},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, []byte("another secret, just as long!!!!"), goodClaims(nil)), services.Principal{}},
		{"tampered payload", tamper(hs(nil)), services.Principal{}},
		{"expired", hs(func(c jwt.MapClaims) { c["exp"] = testNow().Add(-time.Second).Unix() }), services.Principal{}},
		{"missing exp", hs(func(c jwt.MapClaims) { delete(c, "exp") }), services.Principal{}},
		{"nbf in the future", hs(func(c jwt.MapClaims) { c["nbf"] = testNow().Add(time.Minute).Unix() }), services.Principal{}},
		{"iat in the future", hs(func(c jwt.MapClaims) { c["iat"] = testNow().Add(time.Minute).Unix() }), services.Principal{}},
		{"wrong issuer", hs(func(c jwt.MapClaims) { c["iss"] = "someone-else" }), services.Principal{}},
		{"missing issuer", hs(func(c jwt.MapClaims) { delete(c, "iss") }), services.Principal{}},
		{"wrong audience", hs(func(c jwt.MapClaims) { c["aud"] = "other-api" }), services.Principal{}},
		{"missing audience", hs(func(c jwt.MapClaims) { delete(c, "aud") }), services.Principal{}},
		{"missing role", hs(func(c jwt.MapClaims) { delete(c, "role") }), services.Principal{}},
		{"unknown role", hs(func(c jwt.MapClaims) { c["role"] = "root" }), services.Principal{}},
		{"service role in a JWT", hs(func(c jwt.MapClaims) { c["role"] = "service" }), services.Principal{}},
		{"anonymous role in a JWT", hs(func(c jwt.MapClaims) { c["role"] = "anonymous" }), services.Principal{}},
		{"role of the wrong type", hs(func(c jwt.MapClaims) { c["role"] = 1 }), services.Principal{}},
		{"customer without customer_id", hs(func(c jwt.MapClaims) { c["role"] = "customer" }), services.Principal{}},
		{"customer with customer_id 0", hs(func(c jwt.MapClaims) { c["role"] = "customer"; c["customer_id"] = 0 }), services.Principal{}},
		{"customer with negative customer_id", hs(func(c jwt.MapClaims) { c["role"] = "customer"; c["customer_id"] = -3 }), services.Principal{}},
		{"customer_id not an integer", hs(func(c jwt.MapClaims) { c["role"] = "customer"; c["customer_id"] = "7" }), services.Principal{}},
		{"staff with a customer_id", hs(func(c jwt.MapClaims) { c["customer_id"] = 7 }), services.Principal{}},
		{"empty", "", services.Principal{}},
		{"garbage", "not.a.token", services.Principal{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tk.Verify(tt.token)
			if reflect.DeepEqual(tt.want, services.Principal{}) {
				assertRefused(t, got, err)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// Every valid token here expires an hour after testNow (to the
			// second); the principal carries that expiry.
			if want := testNow().Add(time.Hour).Truncate(time.Second); !got.Expires.Equal(want) {
				t.Fatalf("Expires = %v, want %v", got.Expires, want)
			}
			got.Expires = time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("principal = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func assertRefused(t *testing.T, got services.Principal, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted as %+v, want refused", got)
	}
	se := services.ErrorOf(err)
	if se.Kind != services.Unauthenticated || se.Message != "Invalid or expired token" {
		t.Fatalf("error = %v (kind %v, message %q), want Unauthenticated %q", err, se.Kind, se.Message, "Invalid or expired token")
	}
	if !reflect.DeepEqual(got, services.Principal{}) {
		t.Fatalf("principal %+v returned with an error", got)
	}
}

// tamper changes the payload of a signed token without re-signing it.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	claims, _ := jwt.NewParser().DecodeSegment(parts[1])
	forged := strings.Replace(string(claims), `"staff"`, `"admin"`, 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	return strings.Join(parts, ".")
}

func TestIssueRoundTrip(t *testing.T) {
	tk := testTokens()
	for _, p := range []services.Principal{
		{Role: services.RoleAdmin, Subject: "ops"},
		{Role: services.RoleStaff, Subject: "desk"},
		{Role: services.RoleCustomer, CustomerID: 42, Subject: "customer-42"},
	} {
		token, err := tk.Issue(p, time.Hour)
		if err != nil {
			t.Fatalf("Issue(%+v): %v", p, err)
		}
		got, err := tk.Verify(token)
		p.Expires = testNow().Add(time.Hour).Truncate(time.Second)
		if err != nil || !got.Expires.Equal(p.Expires) {
			t.Fatalf("Verify(Issue(%+v)) = %+v, %v", p, got, err)
		}
		got.Expires = p.Expires
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("Verify(Issue(%+v)) = %+v, %v", p, got, err)
		}
	}
}

func TestIssuedTokenExpires(t *testing.T) {
	now := testNow()
	tk := &Tokens{Secret: []byte("secret-secret-secret-secret-1234"), Now: func() time.Time { return now }}
	token, err := tk.Issue(services.Principal{Role: services.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now = testNow().Add(time.Hour - time.Second)
	if _, err := tk.Verify(token); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	now = testNow().Add(time.Hour + time.Second)
	p, err := tk.Verify(token)
	assertRefused(t, p, err)
}

func TestIssuerAndAudienceAreChecked(t *testing.T) {
	issuer := testTokens()
	issuer.Issuer, issuer.Audience = "other-issuer", "other-api"
	token, err := issuer.Issue(services.Principal{Role: services.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p, err := testTokens().Verify(token)
	assertRefused(t, p, err)
	if _, err := issuer.Verify(token); err != nil {
		t.Fatalf("the same issuer and audience: %v", err)
	}
}

func TestIssueRefuses(t *testing.T) {
	tests := []struct {
		name string
		tk   *Tokens
		p    services.Principal
		ttl  time.Duration
	}{
		{"no secret", &Tokens{}, services.Principal{Role: services.RoleAdmin}, time.Hour},
		{"zero ttl", testTokens(), services.Principal{Role: services.RoleAdmin}, 0},
		{"negative ttl", testTokens(), services.Principal{Role: services.RoleAdmin}, -time.Hour},
		{"no role", testTokens(), services.Principal{}, time.Hour},
		{"service role", testTokens(), services.ServicePrincipal, time.Hour},
		{"anonymous role", testTokens(), services.Anonymous, time.Hour},
		{"customer without id", testTokens(), services.Principal{Role: services.RoleCustomer}, time.Hour},
		{"admin with customer id", testTokens(), services.Principal{Role: services.RoleAdmin, CustomerID: 3}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if token, err := tt.tk.Issue(tt.p, tt.ttl); err == nil {
				t.Fatalf("Issue = %q, want an error", token)
			}
		})
	}
}

func TestVerifyWithoutSecret(t *testing.T) {
	good := sign(t, jwt.SigningMethodHS256, []byte(""), goodClaims(nil))
	p, err := (&Tokens{}).Verify(good)
	assertRefused(t, p, err)
	if !strings.Contains(errors.Unwrap(err).Error(), "no token secret") {
		t.Fatalf("cause = %v", errors.Unwrap(err))
	}
}
