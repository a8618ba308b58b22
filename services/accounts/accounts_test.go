package accounts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/accounts"
	"github.com/b2b-orders/platform/services/internal/servicetest"
)

var start = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newService(t *testing.T, link bool) (*accounts.Service, *servicetest.Clock) {
	t.Helper()
	d := dbtest.Open(t)
	if _, err := d.Seed(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock := servicetest.NewClock(start)
	return accounts.New(d, accounts.Config{Now: clock.Now, LinkByEmail: link}), clock
}

// asMember is the context of a seed member, as the authenticator makes it.
func asMember(t *testing.T, svc *accounts.Service, id int) context.Context {
	t.Helper()
	p, err := svc.MemberPrincipal(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return services.WithPrincipal(context.Background(), p)
}

func kindOf(err error) services.Kind { return services.KindOf(err) }

// Sixteen first sign-ins race for one email: each subject other than the
// winner's finds nobody, the member is bound once, and the winner's
// subject, racing itself, is found by every one of its sign-ins.
func TestLinkByEmailBindsOnce(t *testing.T) {
	svc, _ := newService(t, true)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]error, 16)
	for i := range results {
		wg.Go(func() {
			subject := "same-subject"
			if i%2 == 1 {
				subject = "rival-" + string(rune('a'+i))
			}
			_, results[i] = svc.SubjectPrincipal(ctx, subject, "BOB.buyer@acme.com", true)
		})
	}
	wg.Wait()
	won := map[bool]int{}
	for i, err := range results {
		if err != nil && kindOf(err) != services.NotFound {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		won[err == nil]++
	}
	p, err := svc.SubjectPrincipal(ctx, "same-subject", "", false)
	if err != nil {
		// A rival bound it first: then every same-subject sign-in failed.
		if won[true] != 1 {
			t.Fatalf("%d rivals bound the member", won[true])
		}
	} else if won[true] != 8 || p.MemberID != 2 || p.CustomerID != 1 || p.Access != services.MemberBuyer {
		t.Fatalf("wins %v, principal %+v", won, p)
	}
	// Nobody else can link the bound member again, even with its email.
	if _, err := svc.SubjectPrincipal(ctx, "latecomer", "bob.buyer@acme.com", true); kindOf(err) != services.NotFound {
		t.Fatalf("latecomer: %v", err)
	}
}

// Linking needs the operator's consent and a verified email, and never
// makes an account.
func TestLinkByEmailNeedsConsentAndVerifiedEmail(t *testing.T) {
	ctx := context.Background()
	off, _ := newService(t, false)
	if _, err := off.SubjectPrincipal(ctx, "s1", "ops@acme.com", true); kindOf(err) != services.NotFound {
		t.Fatalf("linking off: %v", err)
	}
	on, _ := newService(t, true)
	if _, err := on.SubjectPrincipal(ctx, "s1", "ops@acme.com", false); kindOf(err) != services.NotFound {
		t.Fatalf("unverified email: %v", err)
	}
	if _, err := on.SubjectPrincipal(ctx, "s1", "nobody@acme.com", true); kindOf(err) != services.NotFound {
		t.Fatalf("unknown email: %v", err)
	}
	if p, err := on.SubjectPrincipal(ctx, "s1", "ops@acme.com", true); err != nil || p.MemberID != 1 || p.Access != services.MemberAdmin {
		t.Fatalf("verified email: %+v %v", p, err)
	}
}

// A key works until it is revoked, expires, or its member is removed or
// demoted below it; its use is recorded at most once a minute.
func TestKeyLifecycle(t *testing.T) {
	svc, clock := newService(t, false)
	admin := asMember(t, svc, 1)
	buyer := asMember(t, svc, 2)
	expires := start.Add(time.Hour)
	k, secret, err := svc.CreateKey(buyer, 1, accounts.KeyInput{Name: "script", Role: "viewer", LocationIDs: []int{2}, ExpiresAt: &expires})
	if err != nil {
		t.Fatal(err)
	}
	if k.MemberID == nil || *k.MemberID != 2 || k.CreatedBy != (services.Actor{Type: "member", ID: "2"}) {
		t.Fatalf("key %+v", k)
	}
	p, err := svc.KeyPrincipal(context.Background(), secret)
	if err != nil || p.KeyID != k.ID || p.MemberID != 2 || p.Access != services.MemberViewer || len(p.Locations) != 1 || !p.Expires.Equal(expires) {
		t.Fatalf("principal %+v %v", p, err)
	}
	// A tampered secret with the right prefix is nobody.
	if _, err := svc.KeyPrincipal(context.Background(), secret[:len(secret)-1]+"x"); kindOf(err) != services.NotFound {
		t.Fatalf("tampered: %v", err)
	}
	// The buyer may not give more than it has.
	if _, _, err := svc.CreateKey(buyer, 1, accounts.KeyInput{Name: "x", Role: "buyer"}); services.ErrorOf(err).Code != services.CodeRoleAboveCreator {
		t.Fatalf("beyond its locations: %v", err)
	}
	// Demoting the member below the key's role stops the key.
	approver := "approver"
	if _, err := svc.UpdateMember(admin, 1, 2, accounts.MemberUpdate{Role: &approver}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.KeyPrincipal(context.Background(), secret); err != nil {
		t.Fatalf("a viewer key of an approver: %v", err) // viewer is within approver
	}
	viewerOnly := "viewer"
	if _, err := svc.UpdateMember(admin, 1, 2, accounts.MemberUpdate{Role: &viewerOnly}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.KeyPrincipal(context.Background(), secret); err != nil {
		t.Fatalf("a viewer key of a viewer: %v", err)
	}
	// Moving the member to another location stops a key of its old one.
	if _, err := svc.UpdateMember(admin, 1, 2, accounts.MemberUpdate{LocationIDs: &[]int{1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.KeyPrincipal(context.Background(), secret); kindOf(err) != services.NotFound {
		t.Fatalf("a key outside its member's locations: %v", err)
	}
	if _, err := svc.UpdateMember(admin, 1, 2, accounts.MemberUpdate{LocationIDs: &[]int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.KeyPrincipal(context.Background(), secret); err != nil {
		t.Fatalf("a key within its member's locations again: %v", err)
	}
	// Expiry.
	clock.Advance(time.Hour)
	if _, err := svc.KeyPrincipal(context.Background(), secret); kindOf(err) != services.NotFound {
		t.Fatalf("expired: %v", err)
	}
	// Removal of its member (of a key that has not expired).
	if _, err := svc.KeyPrincipal(context.Background(), secret); kindOf(err) != services.NotFound {
		t.Fatalf("expired: %v", err)
	}
	later := start.Add(3 * time.Hour)
	_, secret, err = svc.CreateKey(asMember(t, svc, 2), 1, accounts.KeyInput{Name: "script 2", Role: "viewer", LocationIDs: []int{2}, ExpiresAt: &later})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.RemoveMember(admin, 1, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.KeyPrincipal(context.Background(), secret); kindOf(err) != services.NotFound {
		t.Fatalf("member removed: %v", err)
	}
	// Revocation of a staff key; another customer's admin cannot revoke it.
	staff := servicetest.As(services.RoleStaff, 0)
	k2, secret2, err := svc.CreateKey(staff, 1, accounts.KeyInput{Name: "erp", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	other := asMember(t, svc, 4)
	if err := svc.RevokeKey(other, 0, k2.ID); kindOf(err) != services.NotFound {
		t.Fatalf("another customer's revoke: %v", err)
	}
	if err := svc.RevokeKey(admin, 1, k2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.KeyPrincipal(context.Background(), secret2); kindOf(err) != services.NotFound {
		t.Fatalf("revoked: %v", err)
	}
}

// The last-used time is written once per minute per key, however many
// replicas race on it.
func TestKeyLastUsedIsThrottled(t *testing.T) {
	svc, clock := newService(t, false)
	k, secret, err := svc.CreateKey(servicetest.Admin(), 1, accounts.KeyInput{Name: "erp", Role: "buyer"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := svc.KeyPrincipal(context.Background(), secret); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	lastUsed := func() time.Time {
		page, err := svc.ListKeys(servicetest.Admin(), 1, accounts.ListParams{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != k.ID || page.Items[0].LastUsedAt == nil {
			t.Fatalf("keys %+v %v", page, err)
		}
		return *page.Items[0].LastUsedAt
	}
	if got := lastUsed(); !got.Equal(start) {
		t.Fatalf("last used %v, want %v", got, start)
	}
	clock.Advance(30 * time.Second)
	if _, err := svc.KeyPrincipal(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(start) {
		t.Fatalf("written again within the minute: %v", got)
	}
	clock.Advance(90 * time.Second)
	if _, err := svc.KeyPrincipal(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(); !got.Equal(start.Add(2 * time.Minute)) {
		t.Fatalf("last used %v after two minutes", got)
	}
}

// Members of one customer never see or change another's: every id of
// customer 1 answers NotFound to customer 2's admin.
func TestAnotherCustomersIDsAreNotFound(t *testing.T) {
	svc, _ := newService(t, false)
	other := asMember(t, svc, 4)
	name := "x"
	checks := map[string]error{}
	_, checks["list members"] = svc.ListMembers(other, 1, accounts.ListParams{})
	_, checks["get member"] = svc.GetMember(other, 1)
	_, checks["update member"] = svc.UpdateMember(other, 0, 1, accounts.MemberUpdate{Name: &name})
	checks["remove member"] = svc.RemoveMember(other, 0, 1)
	_, checks["invite into"] = svc.InviteMember(other, 1, accounts.MemberInput{Email: "a@b.co", Name: "A", Role: "viewer"})
	_, checks["invite with a foreign location"] = svc.InviteMember(other, 2, accounts.MemberInput{Email: "a@b.co", Name: "A", Role: "viewer", LocationIDs: []int{1}})
	_, checks["list locations"] = svc.ListLocations(other, 1, accounts.ListParams{})
	_, checks["update location"] = svc.UpdateLocation(other, 0, 1, accounts.LocationInput{Name: &name})
	checks["archive location"] = svc.ArchiveLocation(other, 0, 1)
	_, _, checks["create key"] = svc.CreateKey(other, 1, accounts.KeyInput{Name: "k", Role: "viewer"})
	_, checks["list keys"] = svc.ListKeys(other, 1, accounts.ListParams{})
	for name, err := range checks {
		if kindOf(err) != services.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
	}
	if ms, err := svc.GetMembers(other, []int{1, 2, 3, 4}); err != nil || len(ms) != 1 || ms[0].ID != 4 {
		t.Errorf("GetMembers = %+v, %v", ms, err)
	}
	if ls, err := svc.GetLocations(other, []int{1, 2, 3}); err != nil || len(ls) != 1 || ls[0].ID != 3 {
		t.Errorf("GetLocations = %+v, %v", ls, err)
	}
}

// A location's optional fields are cleared by an empty string and kept
// when left out.
func TestLocationOptionalFields(t *testing.T) {
	svc, _ := newService(t, false)
	ctx := servicetest.Admin()
	city, empty := "Springfield West", ""
	l, err := svc.UpdateLocation(ctx, 1, 1, accounts.LocationInput{City: &city})
	if err != nil || l.AddressLine2 == nil || *l.AddressLine2 != "Floor 4" || l.TaxID == nil {
		t.Fatalf("left out: %+v %v", l, err)
	}
	l, err = svc.UpdateLocation(ctx, 1, 1, accounts.LocationInput{AddressLine2: &empty, TaxID: &empty})
	if err != nil || l.AddressLine2 != nil || l.TaxID != nil || l.City != city {
		t.Fatalf("cleared: %+v %v", l, err)
	}
}
