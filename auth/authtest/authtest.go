// Package authtest makes credentials for the tests of every transport.
package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/b2b-orders/platform/auth"
)

// Control names the one token of Forged that is valid: a test that sees
// it accepted knows its refusals of the others are the spoilt parts'.
const Control = "valid (control)"

// Forged returns JWTs that auth.Tokens (with secret, at time now, default
// issuer and audience) must refuse, by what each spoils of an otherwise
// valid admin token, plus the Control.
func Forged(t testing.TB, secret []byte, now time.Time) map[string]string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": auth.DefaultIssuer, "aud": auth.DefaultAudience, "sub": "mallory",
			"iat": now.Add(-time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
			"role": "admin",
		}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, k any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hs := func(edit func(jwt.MapClaims)) string {
		return sign(jwt.SigningMethodHS256, secret, claims(edit))
	}
	return map[string]string{
		Control:                               hs(nil),
		"alg none":                            sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)),
		"RS256":                               sign(jwt.SigningMethodRS256, key, claims(nil)),
		"HS256 keyed with the RSA public key": sign(jwt.SigningMethodHS256, pubPEM, claims(nil)),
		"HS512 with the right secret":         sign(jwt.SigningMethodHS512, secret, claims(nil)),
		"wrong secret":                        sign(jwt.SigningMethodHS256, []byte("not-the-secret-not-the-secret-0123"), claims(nil)),
		"expired":                             hs(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() }),
		"no expiry":                           hs(func(c jwt.MapClaims) { delete(c, "exp") }),
		"not yet valid":                       hs(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }),
		"issued in the future":                hs(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() }),
		"wrong issuer":                        hs(func(c jwt.MapClaims) { c["iss"] = "evil" }),
		"wrong audience":                      hs(func(c jwt.MapClaims) { c["aud"] = "another-api" }),
		"missing role":                        hs(func(c jwt.MapClaims) { delete(c, "role") }),
		"role service":                        hs(func(c jwt.MapClaims) { c["role"] = "service" }),
		"role root":                           hs(func(c jwt.MapClaims) { c["role"] = "root" }),
		"customer without an id":              hs(func(c jwt.MapClaims) { c["role"] = "customer" }),
		"admin with a customer_id":            hs(func(c jwt.MapClaims) { c["customer_id"] = 2 }),
		"signature stripped":                  hs(nil)[:len(hs(nil))-43] + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	}
}
