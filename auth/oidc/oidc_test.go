package oidc_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/b2b-orders/platform/auth/oidc"
	"github.com/b2b-orders/platform/auth/oidc/oidctest"
)

const audience = "b2b-api"

// newVerifier returns a verifier of p's tokens for audience, closed when the
// test ends; edit, if not nil, changes its config first.
func newVerifier(t *testing.T, issuer string, edit func(*oidc.Config)) *oidc.Verifier {
	t.Helper()
	cfg := oidc.Config{Issuer: issuer, Audience: audience}
	if edit != nil {
		edit(&cfg)
	}
	v, err := oidc.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

func startProvider(t *testing.T) *oidctest.Provider {
	t.Helper()
	p := oidctest.Start(t)
	p.AddUser("alice", "alice@example.com", true)
	return p
}

// header returns raw's JOSE header, unverified.
func header(t *testing.T, raw string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// sign makes a token the way an attacker could: with a key of its own, or
// none.
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validClaims(issuer string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": issuer, "aud": audience, "sub": "mallory",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustRefuse(t *testing.T, v *oidc.Verifier, raw string) error {
	t.Helper()
	id, err := v.Verify(t.Context(), raw)
	if !errors.Is(err, oidc.ErrInvalidToken) {
		t.Fatalf("Verify = %+v, %v; want an error wrapping ErrInvalidToken", id, err)
	}
	t.Logf("refused: %v", err)
	return err
}

func TestVerifyAcceptsProviderTokens(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			p := startProvider(t)
			p.AddUser("bob", "bob@example.com", false)
			if alg == "ES256" {
				p.UseES256()
			}
			v := newVerifier(t, p.URL, nil)

			tok := p.Token(t, "alice", audience)
			if got := header(t, tok)["alg"]; got != alg {
				t.Fatalf("provider signed with %v, want %s", got, alg)
			}
			id, err := v.Verify(t.Context(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "alice" || id.Email != "alice@example.com" || !id.EmailVerified {
				t.Errorf("identity = %+v", id)
			}
			if !id.Expires.After(time.Now()) {
				t.Errorf("expires %v, want in the future", id.Expires)
			}

			id, err = v.Verify(t.Context(), p.Token(t, "bob", audience))
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "bob" || id.EmailVerified {
				t.Errorf("identity = %+v, want bob with an unverified email", id)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	p := startProvider(t)
	other := startProvider(t)
	v := newVerifier(t, p.URL, nil)
	genuine := p.Token(t, "alice", audience)
	if _, err := v.Verify(t.Context(), genuine); err != nil {
		t.Fatalf("control token refused: %v", err)
	}
	// The provider's real kid, so that the forgeries below fail for what
	// they spoil rather than for an unknown key.
	kid, _ := header(t, genuine)["kid"].(string)

	t.Run("wrong audience", func(t *testing.T) {
		mustRefuse(t, v, p.Token(t, "alice", "another-app"))
	})
	t.Run("other issuer", func(t *testing.T) {
		before := other.Requests(oidctest.JWKSPath) + p.Requests(oidctest.JWKSPath)
		mustRefuse(t, v, other.Token(t, "alice", audience))
		if after := other.Requests(oidctest.JWKSPath) + p.Requests(oidctest.JWKSPath); after != before {
			t.Errorf("a token of another issuer caused %d JWKS fetches", after-before)
		}
	})
	t.Run("expired", func(t *testing.T) {
		late := newVerifier(t, p.URL, func(c *oidc.Config) {
			c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		})
		err := mustRefuse(t, late, genuine)
		if !errors.Is(err, jwt.ErrTokenExpired) {
			t.Errorf("err = %v, want it to wrap jwt.ErrTokenExpired", err)
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		early := newVerifier(t, p.URL, func(c *oidc.Config) {
			c.Now = func() time.Time { return time.Now().Add(-time.Minute) }
		})
		mustRefuse(t, early, genuine)
	})
	t.Run("alg none", func(t *testing.T) {
		before := p.Requests(oidctest.JWKSPath)
		mustRefuse(t, v, sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, validClaims(p.URL)))
		if p.Requests(oidctest.JWKSPath) != before {
			t.Error("alg none reached the key lookup")
		}
	})
	t.Run("HS256", func(t *testing.T) {
		before := p.Requests(oidctest.JWKSPath)
		mustRefuse(t, v, sign(t, jwt.SigningMethodHS256, []byte("some shared secret"), kid, validClaims(p.URL)))
		if p.Requests(oidctest.JWKSPath) != before {
			t.Error("HS256 reached the key lookup")
		}
	})
	t.Run("unknown kid", func(t *testing.T) {
		mustRefuse(t, v, sign(t, jwt.SigningMethodRS256, rsaKey(t), "nobody-knows-me", validClaims(p.URL)))
	})
	t.Run("own key under the provider's kid", func(t *testing.T) {
		mustRefuse(t, v, sign(t, jwt.SigningMethodRS256, rsaKey(t), kid, validClaims(p.URL)))
	})
	t.Run("tampered payload", func(t *testing.T) {
		parts := strings.Split(genuine, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload = []byte(strings.Replace(string(payload), `"sub":"alice"`, `"sub":"admin"`, 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		mustRefuse(t, v, strings.Join(parts, "."))
	})
	for _, garbage := range []string{"", "not a token", "a.b.c", genuine + "x"} {
		t.Run(fmt.Sprintf("garbage %q", garbage[:min(len(garbage), 8)]), func(t *testing.T) {
			mustRefuse(t, v, garbage)
		})
	}
}

// fakeIdP serves a discovery document and a fixed JWKS, for the tokens that
// a real provider would not issue.
func fakeIdP(t *testing.T, jwks string) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": issuer + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, jwks)
	})
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestHMACRefusedEvenWithOctKeyInJWKS(t *testing.T) {
	t.Parallel()
	secret := []byte("a symmetric key someone published by mistake")
	issuer := fakeIdP(t, fmt.Sprintf(`{"keys":[{"kty":"oct","kid":"shared","k":%q}]}`, b64(secret)))
	v := newVerifier(t, issuer, nil)
	for _, method := range []jwt.SigningMethod{jwt.SigningMethodHS256, jwt.SigningMethodHS384} {
		mustRefuse(t, v, sign(t, method, secret, "shared", validClaims(issuer)))
		// Without a kid every key of the set is tried; the oct one must
		// not be among them.
		mustRefuse(t, v, sign(t, method, secret, "", validClaims(issuer)))
	}
}

func TestClaims(t *testing.T) {
	t.Parallel()
	key := rsaKey(t)
	issuer := fakeIdP(t, fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":%q,"e":%q}]}`,
		b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes())))
	v := newVerifier(t, issuer, nil)
	now := time.Now()
	with := func(edit func(jwt.MapClaims)) string {
		c := validClaims(issuer)
		edit(c)
		return sign(t, jwt.SigningMethodRS256, key, "k1", c)
	}

	for _, tc := range []struct {
		name     string
		value    any
		verified bool
	}{
		{"bool true", true, true},
		{"bool false", false, false},
		{"string true", "true", true},
		{"string false", "false", false},
		{"absent", nil, false},
		{"number", 1, false},
	} {
		t.Run("email_verified "+tc.name, func(t *testing.T) {
			id, err := v.Verify(t.Context(), with(func(c jwt.MapClaims) {
				c["email"] = "m@example.com"
				if tc.value != nil {
					c["email_verified"] = tc.value
				}
			}))
			if err != nil {
				t.Fatal(err)
			}
			if id.EmailVerified != tc.verified || id.Email != "m@example.com" || id.Subject != "mallory" {
				t.Errorf("identity = %+v, want email verified %v", id, tc.verified)
			}
		})
	}

	accepted := map[string]func(jwt.MapClaims){
		"aud among several":    func(c jwt.MapClaims) { c["aud"] = []string{"x", audience} },
		"exp within leeway":    func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() },
		"nbf within leeway":    func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Second).Unix() },
		"iat within leeway":    func(c jwt.MapClaims) { c["iat"] = now.Add(10 * time.Second).Unix() },
		"no email, no iat":     func(c jwt.MapClaims) { delete(c, "iat") },
		"issuer as configured": func(jwt.MapClaims) {},
	}
	for name, edit := range accepted {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(t.Context(), with(edit)); err != nil {
				t.Fatal(err)
			}
		})
	}
	refused := map[string]func(jwt.MapClaims){
		"no sub":              func(c jwt.MapClaims) { delete(c, "sub") },
		"empty sub":           func(c jwt.MapClaims) { c["sub"] = "" },
		"no exp":              func(c jwt.MapClaims) { delete(c, "exp") },
		"exp past leeway":     func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() },
		"nbf past leeway":     func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() },
		"iat past leeway":     func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() },
		"no aud":              func(c jwt.MapClaims) { delete(c, "aud") },
		"issuer with a slash": func(c jwt.MapClaims) { c["iss"] = issuer + "/" },
	}
	for name, edit := range refused {
		t.Run(name, func(t *testing.T) {
			mustRefuse(t, v, with(edit))
		})
	}
}

func TestDiscoveryIssuerMismatchRefused(t *testing.T) {
	t.Parallel()
	p := startProvider(t)
	// A host that relays the provider's genuine document, which names the
	// provider and not this host, as issuer.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(p.URL + r.URL.Path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(front.Close)
	v := newVerifier(t, front.URL, nil)

	err := mustRefuse(t, v, sign(t, jwt.SigningMethodRS256, rsaKey(t), "k", validClaims(front.URL)))
	if !errors.Is(err, oidc.ErrDiscovery) || !strings.Contains(err.Error(), p.URL) {
		t.Errorf("err = %v, want ErrDiscovery naming %s", err, p.URL)
	}
	if n := p.Requests(oidctest.DiscoveryPath); n != 1 {
		t.Errorf("discovery requests = %d, want 1", n)
	}
	if n := p.Requests(oidctest.JWKSPath); n != 0 {
		t.Errorf("the JWKS of a mismatched document was fetched %d times", n)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	p := startProvider(t)
	v := newVerifier(t, p.URL, nil)
	before := p.Token(t, "alice", audience)
	if _, err := v.Verify(t.Context(), before); err != nil {
		t.Fatal(err)
	}

	p.RotateKeys()
	after := p.Token(t, "alice", audience)
	if header(t, after)["kid"] == header(t, before)["kid"] {
		t.Fatal("rotation kept the kid")
	}
	if _, err := v.Verify(t.Context(), after); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := v.Verify(t.Context(), before); err != nil {
		t.Fatalf("token of the old key, still published: %v", err)
	}
	if n := p.Requests(oidctest.JWKSPath); n != 2 {
		t.Errorf("JWKS requests = %d, want 2 (first use, then the new kid)", n)
	}
}

func TestProviderOutage(t *testing.T) {
	t.Parallel()
	p := startProvider(t)
	v := newVerifier(t, p.URL, func(c *oidc.Config) { c.UnknownKIDInterval = 50 * time.Millisecond })
	cached := p.Token(t, "alice", audience)
	if _, err := v.Verify(t.Context(), cached); err != nil {
		t.Fatal(err)
	}
	p.RotateKeys()
	rotated := p.Token(t, "alice", audience)

	p.SetDown(true)
	for range 3 {
		if _, err := v.Verify(t.Context(), cached); err != nil {
			t.Fatalf("token of a cached key during the outage: %v", err)
		}
	}
	mustRefuse(t, v, rotated) // its key cannot be fetched yet
	if p.Requests(oidctest.JWKSPath) < 2 {
		t.Fatal("the unknown kid caused no JWKS fetch")
	}

	p.SetDown(false)
	// The refetch slot spent during the outage comes back within the
	// interval; Verify waits for it, since it is that close.
	if _, err := v.Verify(t.Context(), rotated); err != nil {
		t.Fatalf("rotated key after the outage: %v", err)
	}
	if _, err := v.Verify(t.Context(), cached); err != nil {
		t.Fatalf("old key after the outage: %v", err)
	}
}

func TestUnknownKIDRefetchIsBounded(t *testing.T) {
	t.Parallel()
	p := startProvider(t)
	v := newVerifier(t, p.URL, nil) // one refetch a minute
	if _, err := v.Verify(t.Context(), p.Token(t, "alice", audience)); err != nil {
		t.Fatal(err)
	}
	key := rsaKey(t)
	var wg sync.WaitGroup
	for i := range 50 {
		tok := sign(t, jwt.SigningMethodRS256, key, fmt.Sprintf("unknown-%d", i), validClaims(p.URL))
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), tok); !errors.Is(err, oidc.ErrInvalidToken) {
				t.Errorf("unknown kid %d: err = %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := p.Requests(oidctest.JWKSPath); n > 2 {
		t.Errorf("JWKS requests = %d, want at most 2 (first use, one refetch)", n)
	}
	if n := p.Requests(oidctest.DiscoveryPath); n != 1 {
		t.Errorf("discovery requests = %d, want 1", n)
	}
}

func TestProviderDownAtStart(t *testing.T) {
	t.Parallel()
	p := startProvider(t)
	tok := p.Token(t, "alice", audience)
	p.SetDown(true)
	v := newVerifier(t, p.URL, nil) // New must not need the provider
	if n := p.Requests(oidctest.DiscoveryPath); n != 0 {
		t.Errorf("New made %d discovery requests", n)
	}
	p.SetDown(false)
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("first Verify once the provider is up: %v", err)
	}
}

func TestDiscoveryRetryIsBounded(t *testing.T) {
	t.Parallel()
	p := startProvider(t)
	tok := p.Token(t, "alice", audience)
	p.SetDown(true)

	slow := newVerifier(t, p.URL, nil) // one attempt a minute
	for range 20 {
		err := mustRefuse(t, slow, tok)
		if !errors.Is(err, oidc.ErrDiscovery) {
			t.Fatalf("err = %v, want ErrDiscovery", err)
		}
	}
	if n := p.Requests(oidctest.DiscoveryPath); n != 1 {
		t.Fatalf("discovery requests during the outage = %d, want 1", n)
	}

	fast := newVerifier(t, p.URL, func(c *oidc.Config) { c.UnknownKIDInterval = 20 * time.Millisecond })
	mustRefuse(t, fast, tok)
	p.SetDown(false)
	// The slow verifier waits out its interval even though the provider is
	// back: that is the bound.
	mustRefuse(t, slow, tok)
	// The fast one retries once its interval has passed.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := fast.Verify(t.Context(), tok)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still refused after the outage: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]oidc.Config{
		"no issuer":         {Audience: audience},
		"relative issuer":   {Issuer: "idp.example.com", Audience: audience},
		"no audience":       {Issuer: "https://idp.example.com"},
		"negative interval": {Issuer: "https://idp.example.com", Audience: audience, UnknownKIDInterval: -time.Second},
	} {
		if _, err := oidc.New(t.Context(), cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

func TestIssuerOf(t *testing.T) {
	t.Parallel()
	key := []byte("k")
	for raw, want := range map[string]string{
		sign(t, jwt.SigningMethodHS256, key, "", jwt.MapClaims{"iss": "https://idp.example.com"}): "https://idp.example.com",
		sign(t, jwt.SigningMethodHS256, key, "", jwt.MapClaims{"iss": 42}):                        "",
		sign(t, jwt.SigningMethodHS256, key, "", jwt.MapClaims{"sub": "x"}):                       "",
		"":                                    "",
		"a.b":                                 "",
		"a.!!!.c":                             "",
		"a." + b64([]byte("not json")) + ".c": "",
	} {
		if got := oidc.IssuerOf(raw); got != want {
			t.Errorf("IssuerOf(%q) = %q, want %q", raw, got, want)
		}
	}
}
