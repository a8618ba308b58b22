package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/auth/oidc"
	"github.com/b2b-orders/platform/auth/oidc/oidctest"
	"github.com/b2b-orders/platform/services"
)

const audience = "b2b-api"

// directory is a Resolver over a fixed table, counting its lookups.
type directory struct {
	members  map[int]services.Principal
	subjects map[string]int
	keys     map[string]services.Principal
	lookups  atomic.Int64
}

var errNobody = &services.Error{Kind: services.NotFound, Code: services.CodeNotFound, Message: "nobody"}

func (d *directory) MemberPrincipal(_ context.Context, id int) (services.Principal, error) {
	d.lookups.Add(1)
	if p, ok := d.members[id]; ok {
		return p, nil
	}
	return services.Principal{}, errNobody
}

func (d *directory) SubjectPrincipal(ctx context.Context, subject, _ string, _ bool) (services.Principal, error) {
	if id, ok := d.subjects[subject]; ok {
		return d.MemberPrincipal(ctx, id)
	}
	d.lookups.Add(1)
	return services.Principal{}, errNobody
}

func (d *directory) KeyPrincipal(_ context.Context, key string) (services.Principal, error) {
	d.lookups.Add(1)
	if p, ok := d.keys[key]; ok {
		return p, nil
	}
	return services.Principal{}, errNobody
}

func (d *directory) KeyIDPrincipal(_ context.Context, id int) (services.Principal, error) {
	for _, p := range d.keys {
		if p.KeyID == id {
			return p, nil
		}
	}
	return services.Principal{}, errNobody
}

func newDirectory() *directory {
	buyer := services.Principal{Role: services.RoleCustomer, CustomerID: 1, MemberID: 2, Access: services.MemberBuyer, Locations: []int{2}, Subject: "member:2"}
	return &directory{
		members:  map[int]services.Principal{2: buyer},
		subjects: map[string]int{"bob-sub": 2},
		keys: map[string]services.Principal{"b2bk_0123456789abcdef_" + "k": {Role: services.RoleCustomer, CustomerID: 1, KeyID: 7,
			Access: services.MemberViewer, Subject: "api_key:7"}},
	}
}

// seen runs one request through Middleware and returns what it decided.
func seen(a *auth.Authenticator, header http.Header) (services.Principal, error) {
	var p services.Principal
	var err error
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err = auth.FromContext(r.Context())
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header = header
	h.ServeHTTP(httptest.NewRecorder(), req)
	return p, err
}

// Every credential goes to its verifier: API keys (Bearer or X-API-Key)
// to the directory, the identity provider's tokens (a real OpenID
// Provider's) to OIDC and then the directory by subject, HS256 member
// tokens to Tokens and then the directory; two credentials, an HS256
// token that claims the provider's issuer, and anything the directory
// does not know are refused.
func TestCredentialsReachTheirVerifier(t *testing.T) {
	idp := oidctest.Start(t)
	idp.AddUser("bob-sub", "bob@acme.com", true)
	idp.AddUser("eve-sub", "eve@acme.com", true)
	v, err := oidc.New(t.Context(), oidc.Config{Issuer: idp.URL, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	tokens := &auth.Tokens{Secret: []byte("0123456789abcdef0123456789abcdef")}
	dir := newDirectory()
	a := &auth.Authenticator{Tokens: tokens, Required: true, OIDC: v, Identities: &auth.Identities{Resolve: dir}}

	memberTok, err := tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 1, MemberID: 2, Subject: "dev"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wrongCustomer, err := tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: 3, MemberID: 2}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// An HS256 token signed with our own secret but naming the provider
	// as issuer: the provider's verifier refuses HS256.
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": idp.URL, "aud": audience, "sub": "bob-sub",
		"exp": time.Now().Add(time.Hour).Unix()}).SignedString(tokens.Secret)
	if err != nil {
		t.Fatal(err)
	}
	key := "b2bk_0123456789abcdef_k"
	bearer := func(s string) http.Header { return http.Header{"Authorization": {"Bearer " + s}} }
	tests := []struct {
		name   string
		header http.Header
		want   services.Principal // zero: refused
	}{
		{"API key as Bearer", bearer(key), dir.keys[key]},
		{"API key as X-API-Key", http.Header{"X-Api-Key": {key}}, dir.keys[key]},
		{"unknown API key", bearer("b2bk_0123456789abcdef_nope"), services.Principal{}},
		{"X-API-Key that is no key", http.Header{"X-Api-Key": {"hello"}}, services.Principal{}},
		{"API key and Authorization", http.Header{"X-Api-Key": {key}, "Authorization": {"Bearer " + memberTok}}, services.Principal{}},
		{"member token", bearer(memberTok), dir.members[2]},
		{"member token of another customer", bearer(wrongCustomer), services.Principal{}},
		{"identity provider's token", bearer(idp.Token(t, "bob-sub", audience)), dir.members[2]},
		{"its token for another audience", bearer(idp.Token(t, "bob-sub", "other")), services.Principal{}},
		{"a subject no member has", bearer(idp.Token(t, "eve-sub", audience)), services.Principal{}},
		{"HS256 token claiming the provider", bearer(forged), services.Principal{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := seen(a, tt.header)
			if tt.want.Role == "" {
				if err == nil || services.KindOf(err) != services.Unauthenticated {
					t.Fatalf("principal %+v, error %v; want refused", p, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.CustomerID != tt.want.CustomerID || p.MemberID != tt.want.MemberID || p.KeyID != tt.want.KeyID || p.Access != tt.want.Access {
				t.Fatalf("principal %+v, want %+v", p, tt.want)
			}
			if p.Expires.IsZero() && tt.want.KeyID == 0 {
				t.Fatalf("a token's principal has no expiry: %+v", p)
			}
		})
	}
}

// Identities asks the directory once per credential and TTL, and Forget
// makes the next request ask again: a removal in this process holds at
// once.
func TestIdentitiesCacheAndForget(t *testing.T) {
	dir := newDirectory()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := &auth.Identities{Resolve: dir, Now: func() time.Time { return now }}
	ctx := context.Background()
	for range 5 {
		if _, err := ids.Member(ctx, 2); err != nil {
			t.Fatal(err)
		}
	}
	if n := dir.lookups.Load(); n != 1 {
		t.Fatalf("%d lookups within the TTL, want 1", n)
	}
	delete(dir.members, 2)
	if _, err := ids.Member(ctx, 2); err != nil {
		t.Fatalf("within the TTL the answer stands: %v", err)
	}
	ids.Forget()
	if _, err := ids.Member(ctx, 2); services.KindOf(err) != services.Unauthenticated {
		t.Fatalf("after Forget: %v, want Unauthenticated", err)
	}
	dir.members[2] = services.Principal{Role: services.RoleCustomer, CustomerID: 1, MemberID: 2}
	if _, err := ids.Member(ctx, 2); err == nil {
		t.Fatal("a refusal is remembered for the TTL too")
	}
	now = now.Add(auth.DefaultLiveTTL)
	if _, err := ids.Member(ctx, 2); err != nil {
		t.Fatalf("after the TTL: %v", err)
	}
}

// A stream outlives its request: Recheck ends it when the member's rights
// change or it is removed.
func TestRecheckFollowsTheMember(t *testing.T) {
	dir := newDirectory()
	ids := &auth.Identities{Resolve: dir}
	a := &auth.Authenticator{Identities: ids}
	ctx := context.Background()
	p, err := ids.Member(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Recheck(ctx, p); err != nil {
		t.Fatal(err)
	}
	changed := dir.members[2]
	changed.Locations = []int{1, 2}
	dir.members[2] = changed
	ids.Forget()
	if err := a.Recheck(ctx, p); services.KindOf(err) != services.Unauthenticated {
		t.Fatalf("after a change of locations: %v", err)
	}
	delete(dir.members, 2)
	ids.Forget()
	if err := a.Recheck(ctx, p); services.KindOf(err) != services.Unauthenticated {
		t.Fatalf("after removal: %v", err)
	}
}
