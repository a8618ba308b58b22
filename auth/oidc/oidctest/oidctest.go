// Package oidctest runs a real OpenID Provider for tests: zitadel/oidc's op
// package over an httptest server, with users added by the test. Tokens come
// out of the provider's own authorization code flow, so they are what a
// client of a real provider would hold; the test can rotate the signing key,
// switch to ES256, take the provider down and count the requests it got.
//
// It is an ordinary package, not a _test one, so that the tests of any
// package, including those that start the project's binary, can use it.
package oidctest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Paths of the provider's endpoints, relative to Provider.URL, for Requests.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/keys"
	loginPath     = "/login/username"
	tokenPath     = "/oauth/token"
	authorizePath = "/authorize"
	// callbackPath is the redirect URI of every client. Nothing serves it:
	// Token stops at the redirect to it and reads the code from there.
	callbackPath = "/client-callback"
)

// Provider is a running OpenID Provider. Its methods are safe for
// concurrent use.
type Provider struct {
	// URL is the issuer identifier and the base URL of every endpoint,
	// without a trailing slash.
	URL string

	store *store
	users *users
	// password is every user's: tests only ever log in as themselves.
	password string

	mu       sync.Mutex
	handler  http.Handler
	alg      jose.SignatureAlgorithm
	down     bool
	requests map[string]int
}

// Start runs a provider that signs with a fresh RS256 key, and stops it when
// t's test ends. It has no user until AddUser. It fails t if the provider
// cannot be set up.
func Start(t testing.TB) *Provider {
	t.Helper()
	u := &users{byID: map[string]*storage.User{}}
	p := &Provider{
		store:    newStore(u),
		users:    u,
		password: randomString(16),
		alg:      jose.RS256,
		requests: map[string]int{},
	}
	if err := p.store.rotate(jose.RS256); err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	// Unstarted, so that the issuer (the listener's address) is known
	// before the provider is built and no request can precede it.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.URL = "http://" + srv.Listener.Addr().String()

	var cryptoKey [32]byte
	_, _ = rand.Read(cryptoKey[:])
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:          cryptoKey,
		CodeMethodS256:     true,
		AuthMethodPost:     true,
		SupportedUILocales: []language.Tag{language.English},
	}, p.store, op.StaticIssuer(p.URL), op.WithAllowInsecure())
	if err != nil {
		srv.Close()
		t.Fatalf("oidctest: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(loginPath, op.NewIssuerInterceptor(provider.IssuerFromRequest).Handler(&login{
		check:    p.store.CheckUsernamePassword,
		callback: op.AuthCallbackURL(provider),
		form:     template.Must(template.New("login").Parse(loginForm)),
	}))
	mux.Handle("/", provider)
	p.mu.Lock()
	p.handler = mux
	p.mu.Unlock()

	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

// AddUser adds the user with subject (the sub of its tokens), or replaces
// it.
func (p *Provider) AddUser(subject, email string, emailVerified bool) {
	p.users.add(&storage.User{
		ID:                subject,
		Username:          subject,
		Password:          p.password,
		Email:             email,
		EmailVerified:     emailVerified,
		PreferredLanguage: language.English,
	})
}

// Token returns an ID token of the user with subject whose aud is audience
// (it also carries email and email_verified), signed with the current key.
// It gets it as a web client would, through the authorization code flow:
// the authorization request, the login form posted with the user's
// password, the redirect with the code, and the code exchanged at the token
// endpoint, as a client whose id is audience (registered on first use).
//
// It fails t when the flow fails, as it does for a subject never added and
// while the provider is down.
func (p *Provider) Token(t testing.TB, subject, audience string) string {
	t.Helper()
	tok, err := p.token(t, subject, audience)
	if err != nil {
		t.Fatalf("oidctest: token of %q for %q: %v", subject, audience, err)
	}
	return tok
}

// RotateKeys makes a new signing key, with a new kid, of the current
// algorithm; tokens are signed with it from then on. The JWKS lists it and
// every earlier key, as during a real rollover, so tokens signed before
// still verify; a verifier that cached the JWKS before must fetch it again
// to know the new kid. It panics if no key can be made, which does not
// happen with crypto/rand.
func (p *Provider) RotateKeys() {
	p.mu.Lock()
	alg := p.alg
	p.mu.Unlock()
	if err := p.store.rotate(alg); err != nil {
		panic(err)
	}
}

// UseES256 switches to ES256: a new P-256 key, with a new kid, signs from
// then on, and later RotateKeys make ES256 keys. The JWKS keeps every
// earlier key, as RotateKeys does. It panics if no key can be made.
func (p *Provider) UseES256() {
	p.mu.Lock()
	p.alg = jose.ES256
	p.mu.Unlock()
	if err := p.store.rotate(jose.ES256); err != nil {
		panic(err)
	}
}

// SetDown takes the provider down (true) or back up: while down it answers
// every request, discovery and JWKS included, with 503 Service
// Unavailable. Requests still counts them.
func (p *Provider) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// Requests returns how many requests path (such as DiscoveryPath or
// JWKSPath) has had, including those answered 503 while down and those that
// Token made.
func (p *Provider) Requests(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[path]
}

func (p *Provider) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests[r.URL.Path]++
	down, h := p.down, p.handler
	p.mu.Unlock()
	if down {
		http.Error(w, "oidctest: provider down", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

func (p *Provider) token(t testing.TB, subject, audience string) (string, error) {
	ctx := t.Context()
	redirectURI := p.URL + callbackPath
	secret := p.store.client(audience, redirectURI)
	client := &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == callbackPath {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	do := func(req *http.Request, err error) (*http.Response, []byte, error) {
		if err != nil {
			return nil, nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}

	// The authorization request redirects to the login form.
	state, nonce := randomString(12), randomString(12)
	authorize := p.URL + authorizePath + "?" + url.Values{
		"client_id":     {audience},
		"redirect_uri":  {redirectURI},
		"response_type": {"code"},
		"scope":         {"openid email"},
		"state":         {state},
		"nonce":         {nonce},
	}.Encode()
	resp, body, err := do(http.NewRequestWithContext(ctx, http.MethodGet, authorize, nil))
	if err != nil {
		return "", fmt.Errorf("authorization request: %w", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != loginPath {
		return "", fmt.Errorf("authorization request: %s at %s: %s", resp.Status, resp.Request.URL, body)
	}
	requestID := resp.Request.URL.Query().Get("authRequestID")

	// Posting the form redirects to the provider's callback, which
	// redirects to the client with the code.
	form := url.Values{"id": {requestID}, "username": {subject}, "password": {p.password}}
	resp, body, err = do(formRequest(ctx, p.URL+loginPath, form))
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	loc, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("login: %s: %s", resp.Status, body)
	}
	if loc.Query().Get("state") != state {
		return "", fmt.Errorf("login: redirected to %s: state lost", loc)
	}
	code := loc.Query().Get("code")
	if code == "" {
		return "", fmt.Errorf("login: redirected to %s without a code", loc)
	}

	// The code is exchanged for the tokens.
	req, err := formRequest(ctx, p.URL+tokenPath, url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {redirectURI},
	})
	if err == nil {
		req.SetBasicAuth(url.QueryEscape(audience), url.QueryEscape(secret))
	}
	resp, body, err = do(req, err)
	if err != nil {
		return "", fmt.Errorf("token request: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("token request: %s: %s", resp.Status, body)
	}
	var tokens struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(body, &tokens); err != nil || tokens.IDToken == "" {
		return "", fmt.Errorf("token response without an ID token: %s", body)
	}
	return tokens.IDToken, nil
}

func formRequest(ctx context.Context, target string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// login is the provider's login UI: a form for username and password, their
// check by the storage, and the redirect back into the flow.
type login struct {
	check    func(username, password, authRequestID string) error
	callback func(ctx context.Context, authRequestID string) string
	form     *template.Template
}

const loginForm = `<!DOCTYPE html>
<title>Sign in</title>
<form method="post" action="` + loginPath + `">
<input type="hidden" name="id" value="{{.}}">
<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>
`

func (l *login) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = l.form.Execute(w, r.URL.Query().Get("authRequestID"))
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := r.PostForm.Get("id")
		if err := l.check(r.PostForm.Get("username"), r.PostForm.Get("password"), id); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
