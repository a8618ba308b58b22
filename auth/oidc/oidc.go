// Package oidc verifies the JWTs that one OpenID Provider issues, ID tokens
// or access tokens in JWT form, so that callers whose identity the seller's
// own identity provider vouches for can use the API.
//
// The provider is found by OpenID Connect discovery and its signing keys are
// read from its JWKS. Neither is needed at start: both are fetched on first
// use, kept, and refreshed in the background, so an identity provider that is
// down at start or later costs only the tokens whose keys were never seen.
package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// ErrInvalidToken is wrapped by every error Verify returns: whatever the
// reason, the caller has not been authenticated.
var ErrInvalidToken = errors.New("oidc: invalid token")

// ErrDiscovery is wrapped, beside ErrInvalidToken, when the provider's
// discovery document could not be fetched or does not name the configured
// issuer, so that logs can tell an outage or a misconfiguration from a bad
// token.
var ErrDiscovery = errors.New("oidc: provider discovery failed")

const (
	defaultRefreshInterval    = time.Hour
	defaultUnknownKIDInterval = time.Minute
	// fetchTimeout bounds every request to the provider: a Verify that has to
	// fetch must still answer its caller in a time a client will wait for.
	fetchTimeout = 5 * time.Second
	// leeway absorbs clock skew between the provider and us on exp, nbf and iat.
	leeway        = 30 * time.Second
	discoveryPath = "/.well-known/openid-configuration"
	// maxDocumentBytes caps what is read of a discovery document, which is a
	// few kilobytes in practice.
	maxDocumentBytes = 1 << 20
)

// Config says which provider's tokens a Verifier accepts and how it talks to
// that provider.
type Config struct {
	// Issuer is the provider's issuer identifier (OIDC_ISSUER). It must equal
	// the iss of every token and the issuer of the discovery document, which
	// is read from Issuer + "/.well-known/openid-configuration".
	Issuer string
	// Audience must be one of each token's aud (OIDC_AUDIENCE).
	Audience string
	// Client fetches the discovery document and the JWKS; nil means a client
	// with a 5 s timeout.
	Client *http.Client
	// Now is the clock that token times are checked against; nil means
	// time.Now. Fetches are paced by the real clock whatever Now says.
	Now func() time.Time
	// RefreshInterval is how often the JWKS is fetched in the background;
	// zero means one hour.
	RefreshInterval time.Duration
	// UnknownKIDInterval spaces the fetches that tokens cause: at most one
	// JWKS fetch for a key id not in the cached set, and at most one
	// discovery attempt after a failed one, per interval. Zero means one
	// minute.
	UnknownKIDInterval time.Duration
	// Logger receives the failures of background JWKS refreshes, which no
	// Verify reports; nil means they are not logged.
	Logger *slog.Logger
}

// Identity is who a verified token says the caller is.
type Identity struct {
	// Subject is the provider's stable identifier of the user (sub).
	Subject string
	// Email is empty when the token has no email claim.
	Email string
	// EmailVerified is true only when the provider said so explicitly.
	EmailVerified bool
	// Expires is the token's exp.
	Expires time.Time
}

// Verifier checks tokens of the configured issuer. It is safe for concurrent
// use. Close it to stop its background refresh.
type Verifier struct {
	cfg    Config
	parser *jwt.Parser

	mu sync.Mutex
	// keys is nil until discovery and the first JWKS fetch have been done.
	keys keyfunc.Keyfunc
	// discovering is closed when the discovery under way ends, so that
	// concurrent first uses wait for it instead of all asking the provider.
	discovering chan struct{}
	lastFailure time.Time
	lastErr     error
	// stopRefresh ends the background JWKS refresh once keys exist.
	stopRefresh context.CancelFunc
	closed      bool
}

// New returns a Verifier for cfg. It fetches nothing, so it works while the
// provider is down; the first Verify does the discovery.
//
// It fails only when cfg is unusable: Issuer is not an absolute http(s) URL,
// Audience is empty, or an interval is negative.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("oidc: issuer %q is not an absolute http(s) URL", cfg.Issuer)
	}
	if cfg.Audience == "" {
		return nil, errors.New("oidc: no audience")
	}
	if cfg.RefreshInterval < 0 || cfg.UnknownKIDInterval < 0 {
		return nil, errors.New("oidc: negative refresh interval")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: fetchTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = defaultRefreshInterval
	}
	if cfg.UnknownKIDInterval == 0 {
		cfg.UnknownKIDInterval = defaultUnknownKIDInterval
	}
	return &Verifier{
		cfg: cfg,
		parser: jwt.NewParser(
			// Asymmetric algorithms only: the JWKS is public, so a key read
			// from it must never serve as an HMAC secret, and "none" is
			// never acceptable.
			jwt.WithValidMethods([]string{"RS256", "RS384", "PS256", "ES256", "ES384"}),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(leeway),
			jwt.WithTimeFunc(cfg.Now),
		),
	}, nil
}

// claims is what Verify reads of a token beyond the registered claims.
type claims struct {
	jwt.RegisteredClaims
	Email string `json:"email"`
	// EmailVerified is raw because some providers send the string "true".
	EmailVerified json.RawMessage `json:"email_verified"`
}

// Verify checks raw, a compact JWS, and returns who it identifies.
//
// Every error wraps ErrInvalidToken: a token of another issuer, a signature
// that does not verify with the provider's keys or uses another algorithm
// than RS256, RS384, PS256, ES256 or ES384, an aud without the configured
// audience, a missing or past exp, a future nbf or iat (30 s of leeway), an
// empty sub. The jwt package's errors (jwt.ErrTokenExpired...) are wrapped
// too. When the provider could not be discovered, the error also wraps
// ErrDiscovery; ctx cancels a fetch this Verify makes or waits for.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	// Checked before any key lookup so that tokens of other issuers, which
	// have kids we do not know, never cause a JWKS fetch.
	if iss := IssuerOf(raw); iss != v.cfg.Issuer {
		return Identity{}, fmt.Errorf("%w: issuer %q is not %q", ErrInvalidToken, iss, v.cfg.Issuer)
	}
	keys, err := v.keySet(ctx)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	var c claims
	if _, err := v.parser.ParseWithClaims(raw, &c, asymmetricOnly(keys.KeyfuncCtx(ctx))); err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.Subject == "" {
		return Identity{}, fmt.Errorf("%w: no sub", ErrInvalidToken)
	}
	id := Identity{Subject: c.Subject, Email: c.Email, EmailVerified: trueClaim(c.EmailVerified)}
	if c.ExpiresAt != nil {
		id.Expires = c.ExpiresAt.Time
	}
	return id, nil
}

// Close stops the background refresh of the JWKS. Tokens still verify with
// the keys already fetched, and an unknown kid still causes a bounded
// refetch. Close never fails and may be called more than once.
func (v *Verifier) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	if v.stopRefresh != nil {
		v.stopRefresh()
	}
}

// IssuerOf returns the iss of raw's payload without verifying anything, or
// "" when raw is not a compact JWS with a string iss. It only routes a
// token to the verifier of its issuer; nothing it returns is to be trusted.
func IssuerOf(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Issuer any `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	iss, _ := c.Issuer.(string)
	return iss
}

// trueClaim reads a boolean claim that providers send as a JSON bool or as
// the string "true"/"false". Anything else reads as false, since the claim
// only ever grants trust.
func trueClaim(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.EqualFold(s, "true")
	}
	return false
}

// asymmetricOnly passes on RSA and ECDSA public keys only. The algorithm
// list already refuses HMAC tokens; this also keeps a symmetric ("oct") key
// that a JWKS might carry from ever reaching a verification.
func asymmetricOnly(kf jwt.Keyfunc) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		key, err := kf(t)
		if err != nil {
			return nil, err
		}
		if set, ok := key.(jwt.VerificationKeySet); ok {
			var kept jwt.VerificationKeySet
			for _, k := range set.Keys {
				if asymmetric(k) {
					kept.Keys = append(kept.Keys, k)
				}
			}
			return kept, nil
		}
		if !asymmetric(key) {
			return nil, fmt.Errorf("key of type %T cannot verify a token", key)
		}
		return key, nil
	}
}

func asymmetric(key any) bool {
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
		return true
	}
	return false
}

// keySet returns the provider's keys, discovering the provider first if
// that has not been done. A failed discovery is not retried before
// UnknownKIDInterval has passed, so an outage does not turn every request
// into a request to the provider.
func (v *Verifier) keySet(ctx context.Context) (keyfunc.Keyfunc, error) {
	for {
		v.mu.Lock()
		keys, wait, lastErr := v.keys, v.discovering, v.lastErr
		if keys != nil {
			v.mu.Unlock()
			return keys, nil
		}
		if wait != nil {
			v.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if lastErr != nil && time.Since(v.lastFailure) < v.cfg.UnknownKIDInterval {
			v.mu.Unlock()
			return nil, lastErr
		}
		done := make(chan struct{})
		v.discovering = done
		v.mu.Unlock()

		keys, stop, err := v.discover(ctx)

		v.mu.Lock()
		v.discovering = nil
		close(done)
		switch {
		case err != nil:
			// A caller that gave up says nothing about the provider: let
			// the next caller try at once.
			if ctx.Err() == nil {
				v.lastFailure, v.lastErr = time.Now(), err
			}
		case v.closed:
			stop() // Close came during the discovery
			v.keys = keys
		default:
			v.keys, v.stopRefresh = keys, stop
		}
		v.mu.Unlock()
		return keys, err
	}
}

// discover reads the provider's discovery document and starts the cache of
// the JWKS it names, which stop ends. Errors wrap ErrDiscovery.
func (v *Verifier) discover(ctx context.Context) (keyfunc.Keyfunc, context.CancelFunc, error) {
	jwksURL, err := v.jwksURL(ctx)
	if err != nil {
		return nil, nil, err
	}
	return v.newKeySet(ctx, jwksURL)
}

// newKeySet starts the JWKS cache at jwksURL. Its first fetch may fail (the
// provider can go down between discovery and here): the cache then starts
// empty and the first token fills it through the unknown-kid refetch.
func (v *Verifier) newKeySet(ctx context.Context, jwksURL string) (keyfunc.Keyfunc, context.CancelFunc, error) {
	// The refresh outlives the Verify that started it, so it keeps ctx's
	// values but not its cancellation; Close ends it.
	refreshCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	var onError func(context.Context, error)
	if log := v.cfg.Logger; log != nil {
		onError = func(ctx context.Context, err error) {
			log.WarnContext(ctx, "oidc: JWKS fetch failed; cached keys stay in use", "url", jwksURL, "error", err)
		}
	}
	remote, err := jwkset.NewStorageFromHTTP(jwksURL, jwkset.HTTPClientStorageOptions{
		Client:                    v.cfg.Client,
		Ctx:                       refreshCtx,
		HTTPTimeout:               fetchTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       onError,
		RefreshInterval:           v.cfg.RefreshInterval,
	})
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("%w: JWKS at %q: %w", ErrDiscovery, jwksURL, err)
	}
	storage, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{jwksURL: remote},
		// A failed refetch still spends its slot, which is what bounds the
		// fetches while the provider is down. The wait covers the fetch
		// too (jwkset runs it under the same deadline), so it is the fetch
		// timeout: a token with an unknown kid waits for a slot only when
		// one opens that soon, and is refused at once otherwise.
		RefreshUnknownKID: rate.NewLimiter(rate.Every(v.cfg.UnknownKIDInterval), 1),
		RateLimitWaitMax:  fetchTimeout,
	})
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("oidc: JWKS cache: %w", err)
	}
	keys, err := keyfunc.New(keyfunc.Options{
		Ctx:     refreshCtx,
		Storage: storage,
		// Keys meant for encryption must not verify signatures; keys that
		// do not say are common and accepted.
		UseWhitelist: []jwkset.USE{jwkset.UseSig, ""},
	})
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("oidc: JWKS cache: %w", err)
	}
	return keys, stop, nil
}

// jwksURL reads the provider's discovery document and returns its jwks_uri.
// Errors wrap ErrDiscovery.
func (v *Verifier) jwksURL(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	where := strings.TrimSuffix(v.cfg.Issuer, "/") + discoveryPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.cfg.Client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: %s answered %s", ErrDiscovery, where, resp.Status)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDocumentBytes)).Decode(&doc); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrDiscovery, where, err)
	}
	// OpenID Connect Discovery 1.0 §4.3: a document naming another issuer
	// must not be used, or a host could vouch for keys of another.
	if doc.Issuer != v.cfg.Issuer {
		return "", fmt.Errorf("%w: %s names issuer %q, not %q", ErrDiscovery, where, doc.Issuer, v.cfg.Issuer)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: %s: jwks_uri %q is not an absolute http(s) URL", ErrDiscovery, where, doc.JWKSURI)
	}
	return doc.JWKSURI, nil
}

// Issuer is the issuer v verifies: a token whose iss it is belongs to v.
func (v *Verifier) Issuer() string { return v.cfg.Issuer }
