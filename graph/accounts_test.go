package graph_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket/wsjson"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/internal/gqlcode"
	"github.com/b2b-orders/platform/services"
)

// The seed's accounts (db/seed/accounts.sql): customer 1 has locations 1
// and 2 and members 1 (admin), 2 (buyer limited to location 2) and 3
// (viewer); customer 2 has location 3 and member 4 (admin).

const (
	memberFields   = `id email name role subject locations { id name } customer { id name } createdAt`
	locationFields = `id name addressLine1 addressLine2 city postalCode country taxId createdAt`
	keyFields      = `id name role prefix expiresAt lastUsedAt createdAt locations { id } createdBy { type id member { id name } } member { id }`
)

type memberView struct {
	ID, Email, Name, Role string
	Subject               *string
	Locations             []struct{ ID, Name string }
	Customer              *struct{ ID, Name string }
	CreatedAt             string
}

type edgesOf[T any] struct {
	Edges []struct {
		Cursor string
		Node   T
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

func (c edgesOf[T]) ids(id func(T) string) []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = id(e.Node)
	}
	return out
}

func idOf(v struct{ ID string }) string { return v.ID }

func TestMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type me struct {
		Me struct {
			Role, Subject string
			Customer      *struct{ ID, Name string }
			Access        *string
			Locations     *[]struct{ ID, Name string }
			Member        *struct{ ID, Name, Role string }
			APIKey        *struct{ ID string } `json:"apiKey"`
		}
	}
	const query = `{ me { role subject customer { id name } access locations { id name } member { id name role } apiKey { id } } }`

	var got me
	e.ok(e.admin(), query, nil, &got)
	if m := got.Me; m.Role != "admin" || m.Subject != "test" || m.Customer != nil || m.Access != nil || m.Locations != nil || m.Member != nil || m.APIKey != nil {
		t.Fatalf("admin: %+v", m)
	}

	got = me{}
	e.ok(e.member(1, 2), query, nil, &got)
	m := got.Me
	if m.Role != "customer" || m.Customer == nil || m.Customer.Name != "ACME Corporation" || m.Access == nil || *m.Access != "BUYER" ||
		m.Member == nil || m.Member.ID != "2" || m.Member.Role != "BUYER" || m.APIKey != nil {
		t.Fatalf("member 2: %+v", m)
	}
	if m.Locations == nil || len(*m.Locations) != 1 || (*m.Locations)[0].ID != "2" || (*m.Locations)[0].Name != "ACME Warehouse East" {
		t.Fatalf("member 2's locations: %+v", m.Locations)
	}

	// A customer token without a member is its customer's admin.
	got = me{}
	e.ok(e.customer(1), query, nil, &got)
	if m := got.Me; m.Access == nil || *m.Access != "ADMIN" || m.Locations != nil || m.Member != nil || m.Customer.ID != "1" {
		t.Fatalf("customer token: %+v", m)
	}

	e.fails("", query, nil, gqlcode.Unauthenticated)
	// A member token naming another customer than its member's is refused.
	e.fails(e.member(2, 1), query, nil, gqlcode.Unauthenticated)
}

func TestAccountReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin1 := e.member(1, 1)

	var got struct {
		Customer struct {
			Members   edgesOf[memberView]
			Locations edgesOf[struct{ ID, Name, Country string }]
		}
	}
	e.ok(admin1, `{ customer(id: "1") { members(first: 2) { edges { cursor node { `+memberFields+` } } pageInfo { hasNextPage endCursor } }
		locations { edges { node { id name country } } } } }`, nil, &got)
	members := got.Customer.Members
	if len(members.Edges) != 2 || !members.PageInfo.HasNextPage || members.Edges[1].Node.Email != "bob.buyer@acme.com" ||
		members.Edges[1].Node.Role != "BUYER" || len(members.Edges[1].Node.Locations) != 1 || members.Edges[1].Node.Locations[0].ID != "2" ||
		members.Edges[0].Node.Customer == nil || members.Edges[0].Node.Customer.ID != "1" || len(members.Edges[0].Node.Locations) != 0 {
		t.Fatalf("members, page 1: %+v", members)
	}
	var next struct {
		Customer struct{ Members edgesOf[struct{ ID string }] }
	}
	e.ok(admin1, `query($after: String) { customer(id: "1") { members(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage } } } }`,
		vars("after", *members.PageInfo.EndCursor), &next)
	if ids := next.Customer.Members.ids(idOf); strings.Join(ids, ",") != "3" || next.Customer.Members.PageInfo.HasNextPage {
		t.Fatalf("members, page 2: %v", ids)
	}
	if l := got.Customer.Locations; len(l.Edges) != 2 || l.Edges[0].Node.Name != "ACME Headquarters" || l.Edges[1].Node.Country != "US" {
		t.Fatalf("locations: %+v", l)
	}

	// A buyer limited to location 2 sees that location only.
	var limited struct {
		Customer struct{ Locations edgesOf[struct{ ID string }] }
	}
	e.ok(e.member(1, 2), `{ customer(id: "1") { locations { edges { node { id } } } } }`, nil, &limited)
	if ids := limited.Customer.Locations.ids(idOf); strings.Join(ids, ",") != "2" {
		t.Fatalf("the limited buyer's locations: %v", ids)
	}
	e.fails(e.member(1, 2), `{ location(id: "1") { id } }`, nil, gqlcode.NotFound)

	// Another buyer limited to location 1, seen by the buyer limited to
	// location 2: its location is hidden, its limit is not.
	var invited struct{ MemberInvite struct{ ID string } }
	e.ok(admin1, `mutation { memberInvite(customerId: "1", input: {email: "lou@acme.com", name: "Lou", role: BUYER, locationIds: ["1"]}) { id } }`, nil, &invited)
	var seen struct {
		Member struct {
			Locations       []struct{ ID string }
			LocationLimited bool
		}
	}
	e.ok(e.member(1, 2), `query($id: ID!) { member(id: $id) { locations { id } locationLimited } }`, vars("id", invited.MemberInvite.ID), &seen)
	if len(seen.Member.Locations) != 0 || !seen.Member.LocationLimited {
		t.Fatalf("a limit the caller cannot see: %+v", seen.Member)
	}
	e.ok(admin1, `{ member(id: "3") { locations { id } locationLimited } }`, nil, &seen)
	if len(seen.Member.Locations) != 0 || seen.Member.LocationLimited {
		t.Fatalf("an unlimited member: %+v", seen.Member)
	}

	var one struct {
		Member   memberView
		Location struct {
			ID, Name, AddressLine1, City, PostalCode, Country string
			AddressLine2, TaxID                               *string
		}
	}
	e.ok(e.member(1, 3), `{ member(id: "2") { `+memberFields+` } location(id: "1") { `+locationFields+` } }`, nil, &one)
	if one.Member.Name != "Bob Buyer" || one.Location.AddressLine2 == nil || *one.Location.AddressLine2 != "Floor 4" || one.Location.TaxID == nil {
		t.Fatalf("member and location: %+v", one)
	}
	e.fails(admin1, `{ member(id: "999") { id } }`, nil, gqlcode.NotFound)
	e.fails(admin1, `{ location(id: "999") { id } }`, nil, gqlcode.NotFound)
	e.fails(admin1, `{ customer(id: "1") { members(after: "Y3VzdG9tZXI6MQ") { edges { cursor } } } }`, nil, gqlcode.BadUserInput)
}

func TestAccountMutations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin1 := e.member(1, 1)

	// Members: invite, update, remove.
	var invited struct{ MemberInvite memberView }
	e.ok(admin1, `mutation($in: MemberInviteInput!) { memberInvite(customerId: "1", input: $in) { `+memberFields+` } }`,
		vars("in", map[string]any{"email": "New.Person@ACME.com", "name": "New Person", "role": "VIEWER", "locationIds": []any{"1"}}), &invited)
	m := invited.MemberInvite
	if m.Email != "new.person@acme.com" || m.Role != "VIEWER" || len(m.Locations) != 1 || m.Locations[0].Name != "ACME Headquarters" ||
		m.Subject != nil || m.CreatedAt != "2025-03-01T12:00:00.000Z" {
		t.Fatalf("invited: %+v", m)
	}
	taken := e.fails(admin1, `mutation { memberInvite(customerId: "1", input: {email: "new.person@acme.com", name: "X", role: VIEWER}) { id } }`, nil, gqlcode.Conflict)
	if taken.Extensions["reason"] != "member_taken" {
		t.Fatalf("a taken email: %+v", taken)
	}
	var updated struct{ MemberUpdate memberView }
	e.ok(admin1, `mutation($id: ID!) { memberUpdate(id: $id, input: {role: BUYER, locationIds: []}) { `+memberFields+` } }`, vars("id", m.ID), &updated)
	if u := updated.MemberUpdate; u.Role != "BUYER" || len(u.Locations) != 0 || u.Name != "New Person" {
		t.Fatalf("updated: %+v", u)
	}
	e.ok(admin1, `mutation($id: ID!) { memberUpdate(id: $id, input: {name: "Renamed"}) { id } }`, vars("id", m.ID), nil)
	e.fails(admin1, `mutation($id: ID!) { memberUpdate(id: $id, input: {}) { id } }`, vars("id", m.ID), gqlcode.BadUserInput)
	// Only the customer's admins manage it.
	e.fails(e.member(1, 2), `mutation { memberInvite(customerId: "1", input: {email: "a@acme.com", name: "A", role: VIEWER}) { id } }`, nil, gqlcode.Forbidden)
	e.fails(e.member(1, 3), `mutation($id: ID!) { memberRemove(id: $id) }`, vars("id", m.ID), gqlcode.Forbidden)
	var removed struct{ MemberRemove bool }
	e.ok(admin1, `mutation($id: ID!) { memberRemove(id: $id) }`, vars("id", m.ID), &removed)
	if !removed.MemberRemove {
		t.Fatal("memberRemove = false")
	}
	e.fails(admin1, `mutation($id: ID!) { memberRemove(id: $id) }`, vars("id", m.ID), gqlcode.NotFound)
	var list struct {
		Customer struct{ Members edgesOf[struct{ ID string }] }
	}
	e.ok(admin1, `{ customer(id: "1") { members { edges { node { id } } } } }`, nil, &list)
	if ids := list.Customer.Members.ids(idOf); strings.Join(ids, ",") != "1,2,3" {
		t.Fatalf("members after the removal: %v", ids)
	}

	// Locations: create, update, archive.
	var created struct {
		LocationCreate struct {
			ID, Name, Country string
			TaxID             *string
		}
	}
	e.ok(admin1, `mutation($in: LocationInput!) { locationCreate(customerId: "1", input: $in) { id name country taxId } }`,
		vars("in", map[string]any{"name": "ACME West", "addressLine1": "1 Sunset Blvd", "city": "Los Angeles", "postalCode": "90001", "country": "us", "taxId": "US-1"}), &created)
	loc := created.LocationCreate
	if loc.Country != "US" || loc.TaxID == nil || *loc.TaxID != "US-1" {
		t.Fatalf("created: %+v", loc)
	}
	missing := e.fails(admin1, `mutation { locationCreate(customerId: "1", input: {name: "X"}) { id } }`, nil, gqlcode.BadUserInput)
	if missing.field() != "address_line1" {
		t.Fatalf("a location without its address: %+v", missing)
	}
	var changed struct {
		LocationUpdate struct {
			City  string
			TaxID *string
		}
	}
	e.ok(admin1, `mutation($id: ID!) { locationUpdate(id: $id, input: {city: "Pasadena"}) { city taxId } }`, vars("id", loc.ID), &changed)
	if changed.LocationUpdate.City != "Pasadena" || changed.LocationUpdate.TaxID == nil || *changed.LocationUpdate.TaxID != "US-1" {
		t.Fatalf("updated: %+v", changed)
	}
	e.fails(e.member(1, 2), `mutation { locationCreate(customerId: "1", input: {name: "X"}) { id } }`, nil, gqlcode.Forbidden)
	var archived struct{ LocationArchive bool }
	e.ok(admin1, `mutation($id: ID!) { locationArchive(id: $id) }`, vars("id", loc.ID), &archived)
	if !archived.LocationArchive {
		t.Fatal("locationArchive = false")
	}
	e.fails(admin1, `mutation($id: ID!) { locationArchive(id: $id) }`, vars("id", loc.ID), gqlcode.NotFound)

	// API keys: created with the secret once, listed without it, used,
	// revoked.
	var key struct {
		APIKeyCreate struct {
			APIKey struct {
				ID, Name, Role, Prefix string
				CreatedBy              struct {
					Type, ID string
					Member   *struct{ ID, Name string }
				}
				Member    *struct{ ID string }
				Locations []struct{ ID string }
			} `json:"apiKey"`
			Key string
		} `json:"apiKeyCreate"`
	}
	e.ok(admin1, `mutation { apiKeyCreate(customerId: "1", input: {name: "ERP", role: BUYER, locationIds: ["2"]}) { apiKey { `+keyFields+` } key } }`, nil, &key)
	k := key.APIKeyCreate
	if !strings.HasPrefix(k.Key, k.APIKey.Prefix+"_") || !strings.HasPrefix(k.APIKey.Prefix, "b2bk_") || k.APIKey.Role != "BUYER" ||
		k.APIKey.CreatedBy.Type != "member" || k.APIKey.CreatedBy.ID != "1" || k.APIKey.CreatedBy.Member == nil ||
		k.APIKey.CreatedBy.Member.Name != "Olivia Ops" || k.APIKey.Member == nil || k.APIKey.Member.ID != "1" ||
		len(k.APIKey.Locations) != 1 || k.APIKey.Locations[0].ID != "2" {
		t.Fatalf("apiKeyCreate: %+v", k)
	}
	above := e.fails(e.member(1, 2), `mutation { apiKeyCreate(customerId: "1", input: {name: "Mine", role: ADMIN, locationIds: ["2"]}) { key } }`, nil, gqlcode.Forbidden)
	if above.Extensions["reason"] != "role_above_creator" {
		t.Fatalf("a key above its creator: %+v", above)
	}
	var keys struct {
		Customer struct {
			APIKeys edgesOf[struct{ ID, Prefix string }]
		} `json:"customer"`
	}
	e.ok(admin1, `{ customer(id: "1") { apiKeys { edges { node { id prefix } } } } }`, nil, &keys)
	raw, _ := json.Marshal(keys)
	if strings.Contains(string(raw), k.Key) || len(keys.Customer.APIKeys.Edges) != 1 || keys.Customer.APIKeys.Edges[0].Node.ID != k.APIKey.ID {
		t.Fatalf("apiKeys: %s", raw)
	}
	var asKey struct {
		Me struct {
			Subject string
			Access  string
			APIKey  struct{ ID string } `json:"apiKey"`
			Member  struct{ ID string }
		}
	}
	e.ok("Bearer "+k.Key, `{ me { subject access apiKey { id } member { id } } }`, nil, &asKey)
	if asKey.Me.APIKey.ID != k.APIKey.ID || asKey.Me.Access != "BUYER" || asKey.Me.Member.ID != "1" {
		t.Fatalf("me with the key: %+v", asKey)
	}
	var revoked struct{ APIKeyRevoke bool }
	e.ok(admin1, `mutation($id: ID!) { apiKeyRevoke(id: $id) }`, vars("id", k.APIKey.ID), &revoked)
	if !revoked.APIKeyRevoke {
		t.Fatal("apiKeyRevoke = false")
	}
	// b2b serve's accounts service tells its own authenticator at once;
	// the test's authenticator is told here.
	e.identities.Forget()
	e.fails("Bearer "+k.Key, `{ me { subject } }`, nil, gqlcode.Unauthenticated)
	e.fails(admin1, `mutation($id: ID!) { apiKeyRevoke(id: $id) }`, vars("id", k.APIKey.ID), gqlcode.NotFound)
}

// TestAccountScoping: the admin of customer 2 (member 4) reaches nothing
// of customer 1's through any id, cursor or representation, on the
// combined graph and on each subgraph.
func TestAccountScoping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin1, admin2 := e.member(1, 1), e.member(2, 4)

	// Customer 1's own records, for the ids below: a key, and an order
	// its admin placed at location 1.
	var key struct {
		APIKeyCreate struct {
			APIKey struct{ ID string } `json:"apiKey"`
		} `json:"apiKeyCreate"`
	}
	e.ok(admin1, `mutation { apiKeyCreate(customerId: "1", input: {name: "ERP", role: VIEWER}) { apiKey { id } } }`, nil, &key)
	var placed struct{ CreateOrder struct{ ID string } }
	e.ok(admin1, `mutation { createOrder(input: {customerId: "1", locationId: "1", items: [{productId: "1", quantity: 1}]}) { id } }`, nil, &placed)

	for _, q := range []string{
		`{ member(id: "1") { id } }`,
		`{ member(id: "2") { id email } }`,
		`{ location(id: "1") { id } }`,
		`{ customer(id: "1") { id members { edges { node { id } } } } }`,
		`{ customer(id: "1") { locations { edges { node { id } } } } }`,
		`{ customer(id: "1") { apiKeys { edges { node { id } } } } }`,
		`query($id: ID!) { order(id: $id) { id location { id } placedBy { member { id } } } }`,
	} {
		e.fails(admin2, q, vars("id", placed.CreateOrder.ID), gqlcode.NotFound)
	}
	for _, q := range []string{
		`mutation { memberUpdate(id: "1", input: {name: "Mine"}) { id } }`,
		`mutation { memberUpdate(id: "2", input: {role: ADMIN}) { id } }`,
		`mutation { memberRemove(id: "3") }`,
		`mutation { locationUpdate(id: "1", input: {name: "Mine"}) { id } }`,
		`mutation { locationArchive(id: "2") }`,
		`mutation($id: ID!) { apiKeyRevoke(id: $id) }`,
		`mutation { memberInvite(customerId: "1", input: {email: "spy@techstart.com", name: "Spy", role: ADMIN}) { id } }`,
		`mutation { locationCreate(customerId: "1", input: {name: "Spy", addressLine1: "1", city: "X", postalCode: "1", country: "US"}) { id } }`,
		`mutation { apiKeyCreate(customerId: "1", input: {name: "Spy", role: VIEWER}) { key } }`,
		// Its own customer's order, at customer 1's location.
		`mutation { createOrder(input: {customerId: "2", locationId: "1", items: [{productId: "1", quantity: 1}]}) { id } }`,
		`mutation { createAndConfirmOrder(input: {customerId: "2", locationId: "2", items: [{productId: "1", quantity: 1}], idempotencyKey: "spy"}) { id } }`,
	} {
		e.fails(admin2, q, vars("id", key.APIKeyCreate.APIKey.ID), gqlcode.NotFound)
	}
	e.fails(admin2, `mutation { createOrder(input: {customerId: "1", items: [{productId: "1", quantity: 1}]}) { id } }`, nil, gqlcode.Forbidden)

	// Filters and cursors select among its own orders and members only.
	var lists struct {
		ByMember   edgesOf[struct{ ID string }] `json:"byMember"`
		ByLocation edgesOf[struct{ ID string }] `json:"byLocation"`
		After      edgesOf[struct{ ID string }] `json:"after"`
		Me         struct {
			Customer struct {
				Members   edgesOf[struct{ ID string }]
				Locations edgesOf[struct{ ID string }]
			}
		}
	}
	e.ok(admin2, `query($m: String, $l: String) { byMember: orders(placedBy: "member:1") { edges { node { id } } }
		byLocation: orders(locationId: "1") { edges { node { id } } }
		after: orders(after: "b3JkZXI6MQ") { edges { node { id } } }
		me { customer { members(after: $m) { edges { node { id } } } locations(after: $l) { edges { node { id } } } } } }`,
		vars("m", model.Cursor(model.CursorMember, 1), "l", model.Cursor(model.CursorLocation, 1)), &lists)
	if len(lists.ByMember.Edges) != 0 || len(lists.ByLocation.Edges) != 0 {
		t.Fatalf("customer 1's orders through filters: %+v", lists)
	}
	if ids := lists.After.ids(idOf); strings.Join(ids, ",") != "2" {
		t.Fatalf("orders after order 1: %v, want customer 2's only", ids)
	}
	if m, l := lists.Me.Customer.Members.ids(idOf), lists.Me.Customer.Locations.ids(idOf); strings.Join(m, ",") != "4" || strings.Join(l, ",") != "3" {
		t.Fatalf("after cursors of customer 1's ids: members %v, locations %v", m, l)
	}

	// _entities on each graph: customer 1's members, locations and orders
	// are null; customer 2's own resolve.
	g := e.graphs()
	reps := func(kv ...string) map[string]any {
		var out []any
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, map[string]any{"__typename": kv[i], "id": kv[i+1]})
		}
		return map[string]any{"r": out}
	}
	customers := reps("Member", "1", "Member", "2", "Member", "3", "Location", "1", "Location", "2", "Customer", "1", "Member", "4", "Location", "3")
	const accountQuery = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Member { id email locations { id } }
		... on Location { id name } ... on Customer { id name } } }`
	const wantAccounts = `{"data":{"_entities":[null,null,null,null,null,null,{"__typename":"Member","id":"4","email":"procurement@techstart.com","locations":[]},{"__typename":"Location","id":"3","name":"TechStart Office"}]}}`
	if got := string(post(t, g["customers"], admin2, accountQuery, customers)); got != wantAccounts {
		t.Errorf("customers subgraph, _entities as customer 2's admin:\n got %s\nwant %s", got, wantAccounts)
	}
	if got := string(post(t, g["combined"], admin2, accountQuery, customers)); got != wantAccounts {
		t.Errorf("combined graph, _entities as customer 2's admin:\n got %s\nwant %s", got, wantAccounts)
	}
	orders := reps("Member", "1", "Order", placed.CreateOrder.ID, "Order", "1", "Customer", "1", "Member", "4", "Order", "2")
	const orderQuery = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Member { id orders { edges { node { id } } } }
		... on Order { id location { id } } ... on Customer { id orders { edges { node { id } } } } } }`
	const wantOrders = `{"data":{"_entities":[null,null,null,null,{"__typename":"Member","id":"4","orders":{"edges":[]}},{"__typename":"Order","id":"2","location":null}]}}`
	for _, name := range []string{"orders", "combined"} {
		if got := string(post(t, g[name], admin2, orderQuery, orders)); got != wantOrders {
			t.Errorf("%s graph, _entities as customer 2's admin:\n got %s\nwant %s", name, got, wantOrders)
		}
	}
	// The orders subgraph only refers to locations: it resolves none.
	var refused result
	mustJSON(t, post(t, g["orders"], e.admin(), `{ _entities(representations: [{__typename: "Location", id: "1"}]) { __typename } }`, nil), &refused)
	if len(refused.Errors) != 1 || refused.Errors[0].code() != gqlcode.BadUserInput {
		t.Errorf("orders subgraph, a Location representation: %+v", refused)
	}
}

type actorView struct {
	Type, ID string
	Member   *struct{ ID, Name string }
}

type placedOrder struct {
	ID       string
	Status   string
	Location *struct{ ID, Name string }
	ShipTo   *struct {
		Name, AddressLine1, City, PostalCode, Country string
		AddressLine2, TaxID                           *string
	}
	PlacedBy, ConfirmedBy, CanceledBy *actorView
}

const placedFields = `id status location { id name } shipTo { name addressLine1 addressLine2 city postalCode country taxId }
	placedBy { type id member { id name } } confirmedBy { type id member { id name } } canceledBy { type id member { id name } }`

// Orders at locations and by members: who may place them where, who each
// change is recorded as, and what a buyer limited to a location sees.
func TestOrdersOfMembersAndLocations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin1, buyer2, viewer3 := e.member(1, 1), e.member(1, 2), e.member(1, 3)
	create := func(auth, location string) placedOrder {
		t.Helper()
		in := map[string]any{"customerId": "1", "items": []any{map[string]any{"productId": "10", "quantity": 1}}}
		if location != "" {
			in["locationId"] = location
		}
		var got struct{ CreateOrder placedOrder }
		e.ok(auth, `mutation($in: CreateOrderInput!) { createOrder(input: $in) { `+placedFields+` } }`, vars("in", in), &got)
		return got.CreateOrder
	}

	atHQ := create(admin1, "1")
	if atHQ.Location == nil || atHQ.Location.Name != "ACME Headquarters" || atHQ.ShipTo == nil || atHQ.ShipTo.City != "Springfield" ||
		atHQ.ShipTo.AddressLine2 == nil || *atHQ.ShipTo.AddressLine2 != "Floor 4" || atHQ.PlacedBy == nil ||
		atHQ.PlacedBy.Type != "member" || atHQ.PlacedBy.ID != "1" || atHQ.PlacedBy.Member == nil || atHQ.PlacedBy.Member.Name != "Olivia Ops" ||
		atHQ.ConfirmedBy != nil || atHQ.CanceledBy != nil {
		t.Fatalf("an order at location 1: %+v", atHQ)
	}
	// The buyer limited to location 2 orders there without naming it.
	atWarehouse := create(buyer2, "")
	if atWarehouse.Location == nil || atWarehouse.Location.ID != "2" || atWarehouse.ShipTo.Name != "ACME Warehouse East" ||
		atWarehouse.PlacedBy.Member == nil || atWarehouse.PlacedBy.Member.ID != "2" {
		t.Fatalf("the limited buyer's order: %+v", atWarehouse)
	}
	byStaff := create(e.admin(), "")
	if byStaff.Location != nil || byStaff.ShipTo != nil || byStaff.PlacedBy == nil || byStaff.PlacedBy.Type != "admin" ||
		byStaff.PlacedBy.ID != "test" || byStaff.PlacedBy.Member != nil {
		t.Fatalf("an admin's order without a location: %+v", byStaff)
	}
	order := `mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`
	line := []any{map[string]any{"productId": "10", "quantity": 1}}
	e.fails(viewer3, order, vars("in", map[string]any{"customerId": "1", "items": line}), gqlcode.Forbidden)
	outside := e.fails(buyer2, order, vars("in", map[string]any{"customerId": "1", "locationId": "1", "items": line}), gqlcode.NotFound)
	if outside.Message != "Location not found" {
		t.Fatalf("the limited buyer at another location: %+v", outside)
	}
	var cc struct{ CreateAndConfirmOrder placedOrder }
	e.ok(admin1, `mutation { createAndConfirmOrder(input: {customerId: "1", locationId: "2", items: [{productId: "9", quantity: 1}], idempotencyKey: "acct-1"}) { `+placedFields+` } }`, nil, &cc)
	if o := cc.CreateAndConfirmOrder; o.Status != "CONFIRMED" || o.Location.ID != "2" || o.ConfirmedBy == nil || o.ConfirmedBy.Member.ID != "1" {
		t.Fatalf("createAndConfirmOrder at location 2: %+v", o)
	}

	// Who confirmed and who canceled.
	var confirmed struct{ ConfirmOrder placedOrder }
	e.ok(admin1, `mutation($id: ID!) { confirmOrder(id: $id, idempotencyKey: "acct-2") { `+placedFields+` } }`, vars("id", atHQ.ID), &confirmed)
	if c := confirmed.ConfirmOrder.ConfirmedBy; c == nil || c.Type != "member" || c.Member.Name != "Olivia Ops" {
		t.Fatalf("confirmedBy: %+v", confirmed)
	}
	var canceled struct{ CancelOrder placedOrder }
	e.ok(buyer2, `mutation($id: ID!) { cancelOrder(id: $id) { `+placedFields+` } }`, vars("id", atWarehouse.ID), &canceled)
	if c := canceled.CancelOrder.CanceledBy; c == nil || c.Member.Name != "Bob Buyer" || canceled.CancelOrder.PlacedBy.Member.ID != "2" {
		t.Fatalf("canceledBy: %+v", canceled)
	}
	e.fails(buyer2, `mutation($id: ID!) { cancelOrder(id: $id) { id } }`, vars("id", atHQ.ID), gqlcode.NotFound)

	// The limited buyer sees its location's orders only, however asked.
	var seen struct {
		Orders   edgesOf[struct{ ID string }]
		Customer struct{ Orders edgesOf[struct{ ID string }] }
		Member   struct{ Orders edgesOf[struct{ ID string }] }
	}
	e.ok(buyer2, `{ orders(first: 100) { edges { node { id } } } customer(id: "1") { orders(first: 100) { edges { node { id } } } }
		member(id: "1") { orders { edges { node { id } } } } }`, nil, &seen)
	want := atWarehouse.ID + "," + cc.CreateAndConfirmOrder.ID
	if got := strings.Join(seen.Orders.ids(idOf), ","); got != want {
		t.Fatalf("the limited buyer's orders: %s, want %s", got, want)
	}
	if got := strings.Join(seen.Customer.Orders.ids(idOf), ","); got != want {
		t.Fatalf("the limited buyer's Customer.orders: %s, want %s", got, want)
	}
	if got := strings.Join(seen.Member.Orders.ids(idOf), ","); got != cc.CreateAndConfirmOrder.ID {
		t.Fatalf("member 1's orders as the limited buyer sees them: %s", got)
	}
	e.fails(buyer2, `query($id: ID!) { order(id: $id) { id } }`, vars("id", atHQ.ID), gqlcode.NotFound)

	// Filters by who placed an order and where it ships.
	var filtered struct {
		ByBuyer   edgesOf[struct{ ID string }]                  `json:"byBuyer"`
		AtHQ      edgesOf[struct{ ID string }]                  `json:"atHQ"`
		ByOlivia  edgesOf[struct{ ID string }]                  `json:"byOlivia"`
		ByAdmin   edgesOf[struct{ ID string }]                  `json:"byAdmin"`
		BuyerSelf struct{ Orders edgesOf[struct{ ID string }] } `json:"buyerSelf"`
	}
	e.ok(admin1, `{ byBuyer: orders(placedBy: "member:2") { edges { node { id } } } atHQ: orders(locationId: "1") { edges { node { id } } }
		byOlivia: orders(placedBy: "member:1", locationId: "2") { edges { node { id } } } byAdmin: orders(placedBy: "admin:test") { edges { node { id } } }
		buyerSelf: member(id: "2") { orders { edges { node { id } } } } }`, nil, &filtered)
	if got := strings.Join(filtered.ByBuyer.ids(idOf), ","); got != atWarehouse.ID {
		t.Fatalf("placedBy member:2: %s", got)
	}
	if got := strings.Join(filtered.AtHQ.ids(idOf), ","); got != atHQ.ID {
		t.Fatalf("locationId 1: %s", got)
	}
	if got := strings.Join(filtered.ByOlivia.ids(idOf), ","); got != cc.CreateAndConfirmOrder.ID {
		t.Fatalf("placedBy member:1 at location 2: %s", got)
	}
	if got := strings.Join(filtered.ByAdmin.ids(idOf), ","); got != byStaff.ID {
		t.Fatalf("placedBy admin:test: %s", got)
	}
	if got := strings.Join(filtered.BuyerSelf.Orders.ids(idOf), ","); got != atWarehouse.ID {
		t.Fatalf("Member.orders of member 2: %s", got)
	}
	for _, bad := range []string{"member", "member:", ":1", ""} {
		err := e.fails(admin1, `query($by: String) { orders(placedBy: $by) { edges { cursor } } }`, vars("by", bad), gqlcode.BadUserInput)
		if err.field() != "placedBy" {
			t.Fatalf("placedBy %q: %+v", bad, err)
		}
	}
}

// memberEvent is an orderEvents message with the accounts' fields.
type memberEvent struct {
	Type    string
	Payload struct {
		Data struct {
			OrderEvents struct {
				Type  string
				Order struct {
					ID       string
					Location *struct{ ID, Name string }
					PlacedBy *actorView
				}
				Actor *actorView
			}
		}
		Errors []struct{ Message string }
	}
}

// A member limited to a location receives the events of that location's
// orders only, with who made each change, on the combined graph and on
// the orders subgraph (whose members are key-only).
func TestOrderEventsAtMemberLocations(t *testing.T) {
	p, admin := startBinary(t)
	tokens := &auth.Tokens{Secret: []byte(binaryJWTSecret)}
	issue := func(customerID, memberID int) string {
		tok, err := tokens.Issue(services.Principal{Role: services.RoleCustomer, CustomerID: customerID, MemberID: memberID, Subject: "m"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	buyer2, admin1 := issue(1, 2), issue(1, 1)
	const fields = `{ type order { id location { id name } placedBy { type id member { id name } } } actor { type id member { id name } } }`
	const stubFields = `{ type order { id location { id } placedBy { type id member { id } } } actor { type id member { id } } }`
	feed := func(url, query string) <-chan memberEvent {
		c := wsSubscribe(t, url, buyer2, query)
		ch := make(chan memberEvent, 64)
		go func() {
			defer close(ch)
			for {
				var raw wsMessage
				if err := wsjson.Read(t.Context(), c, &raw); err != nil {
					return
				}
				if raw.Type != "next" && raw.Type != "error" && raw.Type != "complete" {
					continue
				}
				m := memberEvent{Type: raw.Type}
				_ = json.Unmarshal(raw.Payload, &m.Payload)
				select {
				case ch <- m:
				case <-t.Context().Done():
					return
				}
			}
		}()
		return ch
	}
	combined := feed(p.URL("graph", "/graphql"), `subscription { orderEvents `+fields+` }`)
	subgraph := feed(p.URL("orders", "/graphql"), `subscription { orderEvents `+stubFields+` }`)
	ids := func(ch <-chan memberEvent) func(time.Duration) (string, bool) {
		return func(wait time.Duration) (string, bool) {
			select {
			case m, ok := <-ch:
				return m.Payload.Data.OrderEvents.Order.ID, ok
			case <-time.After(wait):
				return "", false
			}
		}
	}
	orders := p.URL("orders", "/api/v1/orders")
	place := func(auth, location string) string {
		body := `{"customer_id":1,"items":[{"product_id":10,"qty":1}]` + location + `}`
		return restCall(t, "POST", orders, body, auth)
	}
	awaitSubscribed(t, func() string { return place("Bearer "+admin, `,"location_id":2`) }, ids(combined), ids(subgraph))

	// Changes the buyer may not see: an order at location 1, its
	// confirmation, and an order without a location.
	atHQ := place("Bearer "+admin1, `,"location_id":1`)
	restCall(t, "POST", orders+"/"+atHQ+"/confirm", `{"idempotency_key":"loc-1"}`, "Bearer "+admin1)
	place("Bearer "+admin, "")
	// And those it sees: member 1's order at location 2, canceled by the
	// buyer, and a last order, after which nothing else may have come.
	atWarehouse := place("Bearer "+admin1, `,"location_id":2`)
	restCall(t, "POST", orders+"/"+atWarehouse+"/cancel", ``, "Bearer "+buyer2)
	last := place("Bearer "+admin, `,"location_id":2`)

	want := []string{
		atWarehouse + " order.created member:1 Olivia Ops",
		atWarehouse + " order.canceled member:2 Bob Buyer",
		last + " order.created admin:ops -",
	}
	for _, name := range []string{"combined", "orders"} {
		ch := map[string]<-chan memberEvent{"combined": combined, "orders": subgraph}[name]
		for i, w := range want {
			m := receive(t, name, ch)
			ev := m.Payload.Data.OrderEvents
			if m.Type != "next" || len(m.Payload.Errors) > 0 || ev.Actor == nil || ev.Order.Location == nil || ev.Order.Location.ID != "2" {
				t.Fatalf("%s, event %d: %+v", name, i, m)
			}
			who := "-"
			if ev.Actor.Member != nil {
				who = ev.Actor.Member.ID
				if name == "combined" {
					who = ev.Actor.Member.Name
				}
			}
			got := ev.Order.ID + " " + ev.Type + " " + ev.Actor.Type + ":" + ev.Actor.ID + " " + who
			if name == "orders" {
				w = strings.Replace(strings.Replace(w, "Olivia Ops", "1", 1), "Bob Buyer", "2", 1)
			}
			if got != w {
				t.Fatalf("%s, event %d: %s, want %s", name, i, got, w)
			}
			if name == "combined" && (ev.Order.Location.Name != "ACME Warehouse East" || ev.Order.PlacedBy == nil || ev.Order.PlacedBy.Type == "") {
				t.Fatalf("%s, event %d: %+v", name, i, ev.Order)
			}
		}
	}
}
