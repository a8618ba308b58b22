package oidctest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// store is zitadel's example storage (auth requests, codes, tokens, login
// check, userinfo) with what a test provider must change about it: keys that
// rotate and can be ECDSA, and clients registered per Provider rather than
// in the example's package-level map, which parallel tests would share.
type store struct {
	*storage.Storage

	mu sync.Mutex
	// keys holds every signing key made, the current one last; all of them
	// are published.
	keys    []*signingKey
	clients map[string]registered
}

// registered is a client and the secret it authenticates with; the
// example's Client keeps its secret unexported.
type registered struct {
	client op.Client
	secret string
}

func newStore(u *users) *store {
	return &store{
		Storage: storage.NewStorageWithClients(u, map[string]*storage.Client{}),
		clients: map[string]registered{},
	}
}

// rotate makes a new signing key of alg and makes it current.
func (s *store) rotate(alg jose.SignatureAlgorithm) error {
	var (
		key crypto.Signer
		err error
	)
	switch alg {
	case jose.RS256:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return fmt.Errorf("oidctest: no key for %s", alg)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, &signingKey{id: randomString(12), alg: alg, private: key})
	return nil
}

func (s *store) current() *signingKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
}

// client returns the secret of the client with id, registering it first
// if needed. The client's id is the audience of the tokens it gets.
func (s *store) client(id, redirectURI string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok {
		return c.secret
	}
	secret := randomString(16)
	s.clients[id] = registered{client: claimsInIDToken{storage.WebClient(id, secret, redirectURI)}, secret: secret}
	return secret
}

// SigningKey implements op.Storage: tokens are signed with the newest key.
func (s *store) SigningKey(context.Context) (op.SigningKey, error) {
	return s.current(), nil
}

// SignatureAlgorithms implements op.Storage.
func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var algs []jose.SignatureAlgorithm
	seen := map[jose.SignatureAlgorithm]bool{}
	for _, k := range s.keys {
		if !seen[k.alg] {
			seen[k.alg] = true
			algs = append(algs, k.alg)
		}
	}
	return algs, nil
}

// KeySet implements op.Storage: the JWKS lists every key ever made, as a
// provider does through a rollover, so tokens signed before a rotation
// still verify.
func (s *store) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]op.Key, len(s.keys))
	for i, k := range s.keys {
		keys[i] = publicKey{k}
	}
	return keys, nil
}

// GetClientByClientID implements op.Storage.
func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, errors.New("client not found")
	}
	return c.client, nil
}

// AuthorizeClientIDSecret implements op.Storage.
func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || c.secret != secret {
		return errors.New("invalid client credentials")
	}
	return nil
}

// claimsInIDToken makes the provider put the email claims in the ID token
// even though it also issues an access token (OIDC Core would have them
// only at the userinfo endpoint then), as many providers do and as the
// verifier's tests need.
type claimsInIDToken struct{ *storage.Client }

func (claimsInIDToken) IDTokenUserinfoClaimsAssertion() bool { return true }

type signingKey struct {
	id      string
	alg     jose.SignatureAlgorithm
	private crypto.Signer
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.private }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.private.Public() }

// users is the example storage's UserStore, filled by AddUser; the
// username a test logs in with is the subject.
type users struct {
	mu   sync.Mutex
	byID map[string]*storage.User
}

func (u *users) add(user *storage.User) {
	u.mu.Lock()
	defer u.mu.Unlock()
	// Replaced, never changed in place: the storage reads users after the
	// lock is released.
	u.byID[user.ID] = user
}

// GetUserByID implements storage.UserStore.
func (u *users) GetUserByID(id string) *storage.User {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.byID[id]
}

// GetUserByUsername implements storage.UserStore.
func (u *users) GetUserByUsername(name string) *storage.User {
	return u.GetUserByID(name)
}

// ExampleClientID implements storage.UserStore; the example storage gives
// that client a JWT-profile key, which no test here uses.
func (u *users) ExampleClientID() string { return storage.ServiceUserID }
