package rest_test

import (
	"testing"
)

// The seed's accounts: customer 1 has locations 1 and 2 and members 1
// (admin), 2 (buyer, limited to location 2) and 3 (viewer); customer 2 has
// location 3 and member 4 (admin).
const (
	meURL      = v1 + "/me"
	membersOf1 = custURL + "/1/members"
	locsOf1    = custURL + "/1/locations"
	keysOf1    = custURL + "/1/api-keys"
	adminOf1   = memberTokenOf + "1:1"
	buyerOf1   = memberTokenOf + "1:2"
	viewerOf1  = memberTokenOf + "1:3"
	adminOf2   = memberTokenOf + "2:4"
	newMember  = `{"email":"Nina@ACME.com","name":"Nina New","role":"buyer","location_ids":[1]}`
	newLoc     = `{"name":"ACME Depot","address_line1":"9 Rail Way","city":"Capital City","postal_code":"10001","country":"us","tax_id":"DE123"}`
	newKey     = `{"name":"ERP","role":"buyer","location_ids":[2],"expires_at":"2099-01-01T00:00:00Z"}`
)

func as(rq request, token string) request { return rq.with("Authorization", token) }

var accountCases = []contractCase{
	{name: "me staff", req: get(meURL), status: 200},
	{name: "me legacy customer", req: as(get(meURL), customerTokenOf+"1"), status: 200},
	{name: "me member", req: as(get(meURL), buyerOf1), status: 200},
	{name: "me without token", req: as(get(meURL), ""), status: 401},

	{name: "members list", req: get(membersOf1), status: 200},
	{name: "members list by a viewer", req: as(get(membersOf1), viewerOf1), status: 200},
	{name: "members list of another customer", req: as(get(membersOf1), adminOf2), status: 404, msg: "Customer not found"},
	{name: "members list bad id", req: get(custURL + "/x/members"), status: 400, msg: "Invalid customer ID"},
	{name: "members list without token", req: as(get(membersOf1), ""), status: 401},
	{name: "member invite", req: post(membersOf1, newMember), status: 201},
	{name: "member invite by the customer's admin", req: as(post(membersOf1, newMember), adminOf1), status: 201},
	{name: "member invite by a legacy token", req: as(post(membersOf1, newMember), customerTokenOf+"1"), status: 201},
	{name: "member invite by a buyer", req: as(post(membersOf1, newMember), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "member invite into another customer", req: as(post(custURL+"/2/members", newMember), adminOf1), status: 404, msg: "Customer not found"},
	{name: "member invite another customer's location", req: post(membersOf1, `{"email":"x@acme.com","name":"X","role":"buyer","location_ids":[3]}`), status: 404, msg: "Location not found"},
	{name: "member invite bad role", req: post(membersOf1, `{"email":"x@acme.com","name":"X","role":"owner"}`), status: 400, msg: "Role must be one of admin, buyer, approver, viewer"},
	{name: "member invite bad email", req: post(membersOf1, `{"email":"x","name":"X","role":"buyer"}`), status: 400, msg: "Invalid email format"},
	{name: "member invite without role", req: post(membersOf1, `{"email":"x@acme.com","name":"X"}`), status: 400, msg: "Required"},
	{name: "member invite location string", req: post(membersOf1, `{"email":"x@acme.com","name":"X","role":"buyer","location_ids":["1"]}`), status: 400, msg: "Expected number, received string"},
	{name: "member invite taken email", req: post(membersOf1, `{"email":"ops@acme.com","name":"Again","role":"viewer"}`), status: 409,
		msg: "A current member of the customer already has this email, or a member has this subject"},
	{name: "member invite without token", req: as(post(membersOf1, newMember), ""), status: 401},
	{name: "member update", req: patch(membersOf1+"/2", `{"role":"approver","location_ids":[]}`), status: 200},
	{name: "member update by the customer's admin", req: as(patch(membersOf1+"/3", `{"name":"Vera V."}`), adminOf1), status: 200},
	{name: "member update by a viewer", req: as(patch(membersOf1+"/2", `{"role":"admin"}`), viewerOf1), status: 403, msg: "Permission denied"},
	{name: "member update through another customer's path", req: patch(custURL+"/2/members/2", `{"role":"admin"}`), status: 404, msg: "Member not found"},
	{name: "member update of another customer", req: as(patch(custURL+"/2/members/4", `{"role":"viewer"}`), adminOf1), status: 404, msg: "Member not found"},
	{name: "member update nothing", req: patch(membersOf1+"/2", `{}`), status: 400, msg: "At least one field must be provided for update"},
	{name: "member update bad id", req: patch(membersOf1+"/abc", `{"name":"X"}`), status: 400, msg: "Invalid member ID"},
	{name: "member update without token", req: as(patch(membersOf1+"/2", `{"name":"X"}`), ""), status: 401},
	{name: "member remove", req: del(membersOf1 + "/3"), status: 204},
	{name: "member remove twice", setup: []request{del(membersOf1 + "/3")}, req: del(membersOf1 + "/3"), status: 404, msg: "Member not found"},
	{name: "member remove by a buyer", req: as(del(membersOf1+"/3"), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "member remove bad id", req: del(membersOf1 + "/0"), status: 400, msg: "Invalid member ID"},
	{name: "member remove without token", req: as(del(membersOf1+"/3"), ""), status: 401},

	{name: "locations list", req: get(locsOf1), status: 200},
	{name: "locations list by a limited buyer", req: as(get(locsOf1), buyerOf1), status: 200},
	{name: "locations list of another customer", req: as(get(locsOf1), adminOf2), status: 404, msg: "Customer not found"},
	{name: "locations list bad id", req: get(custURL + "/0/locations"), status: 400, msg: "Invalid customer ID"},
	{name: "locations list without token", req: as(get(locsOf1), ""), status: 401},
	{name: "location create", req: post(locsOf1, newLoc), status: 201},
	{name: "location create by a buyer", req: as(post(locsOf1, newLoc), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "location create for another customer", req: as(post(locsOf1, newLoc), adminOf2), status: 404, msg: "Customer not found"},
	{name: "location create without city", req: post(locsOf1, `{"name":"A","address_line1":"B","postal_code":"1","country":"US"}`), status: 400, msg: "city is required"},
	{name: "location create bad country", req: post(locsOf1, `{"name":"A","address_line1":"B","city":"C","postal_code":"1","country":"U1"}`), status: 400, msg: "country must be an ISO 3166-1 alpha-2 code"},
	{name: "location create without token", req: as(post(locsOf1, newLoc), ""), status: 401},
	{name: "location update", req: patch(locsOf1+"/2", `{"address_line1":"8 Dock Road","tax_id":"US-99"}`), status: 200},
	{name: "location update by a viewer", req: as(patch(locsOf1+"/2", `{"name":"X"}`), viewerOf1), status: 403, msg: "Permission denied"},
	{name: "location update of another customer", req: patch(locsOf1+"/3", `{"name":"X"}`), status: 404, msg: "Location not found"},
	{name: "location update nothing", req: patch(locsOf1+"/2", `{}`), status: 400, msg: "At least one field must be provided for update"},
	{name: "location update bad id", req: patch(locsOf1+"/-2", `{"name":"X"}`), status: 400, msg: "Invalid location ID"},
	{name: "location update without token", req: as(patch(locsOf1+"/2", `{"name":"X"}`), ""), status: 401},
	{name: "location archive", req: del(locsOf1 + "/1"), status: 204},
	{name: "location archive by a buyer", req: as(del(locsOf1+"/2"), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "location archive of another customer", req: as(del(custURL+"/2/locations/3"), adminOf1), status: 404, msg: "Location not found"},
	{name: "location archive twice", setup: []request{del(locsOf1 + "/1")}, req: del(locsOf1 + "/1"), status: 404, msg: "Location not found"},
	{name: "location archive bad id", req: del(locsOf1 + "/x"), status: 400, msg: "Invalid location ID"},
	{name: "location archive without token", req: as(del(locsOf1+"/1"), ""), status: 401},

	{name: "key create", req: post(keysOf1, newKey), status: 201},
	{name: "key create by a buyer within its role", req: as(post(keysOf1, `{"name":"Mine","role":"viewer","location_ids":[2]}`), buyerOf1), status: 201},
	{name: "key create by a buyer above its role", req: as(post(keysOf1, `{"name":"Mine","role":"admin","location_ids":[2]}`), buyerOf1), status: 403,
		msg: "A member or key cannot be given more than its giver may do"},
	{name: "key create by a buyer beyond its locations", req: as(post(keysOf1, `{"name":"Mine","role":"buyer"}`), buyerOf1), status: 403,
		msg: "A member or key cannot be given more than its giver may do"},
	{name: "key create for another customer", req: as(post(keysOf1, newKey), adminOf2), status: 404, msg: "Customer not found"},
	{name: "key create another customer's location", req: post(keysOf1, `{"name":"ERP","role":"buyer","location_ids":[3]}`), status: 404, msg: "Location not found"},
	{name: "key create expired", req: post(keysOf1, `{"name":"ERP","role":"buyer","expires_at":"2001-01-01T00:00:00Z"}`), status: 400, msg: "expires_at must be in the future"},
	{name: "key create bad expiry", req: post(keysOf1, `{"name":"ERP","role":"buyer","expires_at":"tomorrow"}`), status: 400, msg: "expires_at must be an RFC 3339 time"},
	{name: "key create without token", req: as(post(keysOf1, newKey), ""), status: 401},
	{name: "keys list", setup: []request{post(keysOf1, newKey)}, req: get(keysOf1), status: 200},
	{name: "keys list by a buyer", setup: []request{post(keysOf1, newKey)}, req: as(get(keysOf1), buyerOf1), status: 200},
	{name: "keys list of another customer", req: as(get(keysOf1), adminOf2), status: 404, msg: "Customer not found"},
	{name: "keys list bad id", req: get(custURL + "/1.5/api-keys"), status: 400, msg: "Invalid customer ID"},
	{name: "keys list without token", req: as(get(keysOf1), ""), status: 401},
	{name: "key revoke", setup: []request{post(keysOf1, newKey)}, req: del(keysOf1 + "/1"), status: 204},
	{name: "key revoke by a buyer, not its own", setup: []request{post(keysOf1, newKey)}, req: as(del(keysOf1+"/1"), buyerOf1), status: 404, msg: "API key not found"},
	{name: "key revoke through another customer's path", setup: []request{post(keysOf1, newKey)}, req: del(custURL + "/2/api-keys/1"), status: 404, msg: "API key not found"},
	{name: "key revoke bad id", req: del(keysOf1 + "/0"), status: 400, msg: "Invalid API key ID"},
	{name: "key revoke without token", req: as(del(keysOf1+"/1"), ""), status: 401},
}

func TestContractAccounts(t *testing.T) { runContract(t, inProcess, "accounts", accountCases) }

// orderAccountCases are the orders routes as members see them: a location
// on the order with its address copied, who placed it, the filters, and
// every refusal of another customer's ids.
var orderAccountCases = []contractCase{
	{name: "create at a location", req: post(ordersURL, `{"customer_id":1,"location_id":1,"items":[{"product_id":2,"qty":1}]}`), status: 201},
	{name: "create by a limited buyer gets its location", req: as(post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`), buyerOf1), status: 201},
	{name: "create by a limited buyer elsewhere", req: as(post(ordersURL, `{"customer_id":1,"location_id":1,"items":[{"product_id":2,"qty":1}]}`), buyerOf1), status: 404, msg: "Location not found"},
	{name: "create by a viewer", req: as(post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`), viewerOf1), status: 403, msg: "Permission denied"},
	{name: "create at another customer's location", req: post(ordersURL, `{"customer_id":1,"location_id":3,"items":[{"product_id":2,"qty":1}]}`), status: 404, msg: "Location not found"},
	{name: "create by a member for another customer", req: as(post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`), adminOf2), status: 403, msg: "Permission denied"},
	{name: "create at location 0", req: post(ordersURL, `{"customer_id":1,"location_id":0,"items":[{"product_id":2,"qty":1}]}`), status: 400, msg: "Invalid location ID"},
	{name: "get by a limited buyer, another location", setup: []request{post(ordersURL, `{"customer_id":1,"location_id":1,"items":[{"product_id":2,"qty":1}]}`)},
		req: as(get(ordersURL+"/5"), buyerOf1), status: 404, msg: "Order not found"},
	{name: "get by a limited buyer, its location", setup: []request{post(ordersURL, `{"customer_id":1,"location_id":2,"items":[{"product_id":2,"qty":1}]}`)},
		req: as(get(ordersURL+"/5"), buyerOf1), status: 200},
	{name: "get keeps the address as placed", setup: []request{post(ordersURL, `{"customer_id":1,"location_id":2,"items":[{"product_id":2,"qty":1}]}`),
		patch(locsOf1+"/2", `{"address_line1":"Moved Street 1"}`)}, req: get(ordersURL + "/5"), status: 200},
	{name: "list placed by a member", setup: []request{as(post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`), buyerOf1)},
		req: get(ordersURL + "?placed_by=member:2"), status: 200},
	{name: "list at a location", setup: []request{post(ordersURL, `{"customer_id":1,"location_id":1,"items":[{"product_id":2,"qty":1}]}`)},
		req: get(ordersURL + "?location_id=1"), status: 200},
	{name: "list by a limited buyer", setup: []request{post(ordersURL, `{"customer_id":1,"location_id":1,"items":[{"product_id":2,"qty":1}]}`)},
		req: as(get(ordersURL), buyerOf1), status: 200},
	{name: "list bad placed_by", req: get(ordersURL + "?placed_by=nobody"), status: 400, msg: "Invalid query parameters"},
	{name: "list bad location_id", req: get(ordersURL + "?location_id=x"), status: 400, msg: "Invalid query parameters"},
	{name: "confirm by another customer's admin", req: as(post(ordersURL+"/1/confirm", `{"idempotency_key":"v-1"}`), adminOf2), status: 404, msg: "Order not found"},
	{name: "confirm by a viewer", req: as(post(ordersURL+"/1/confirm", `{"idempotency_key":"v-1"}`), viewerOf1), status: 403, msg: "Permission denied"},
	{name: "cancel by a viewer", req: as(post(ordersURL+"/4/cancel", `{}`), viewerOf1), status: 403, msg: "Permission denied"},
	{name: "cancel by the customer's admin", req: as(post(ordersURL+"/4/cancel", `{}`), adminOf1), status: 200},
}

func TestContractOrderAccounts(t *testing.T) {
	runContract(t, inProcess, "orderaccounts", orderAccountCases)
}
