package rest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/services"
	"github.com/b2b-orders/platform/services/orders"
)

// Buyer governance over REST: the credit, spending limits and approval
// rules of customer 1, and its orders' approvals and payments. The seed's
// customer 1 has an exposure of 389700 cents (its confirmed order 1);
// member 3 (a viewer in the seed) is made an approver by veraApproves; a
// new order is order 5.
const (
	creditOf1   = custURL + "/1/credit"
	limitsOf1   = custURL + "/1/spending-limits"
	rulesOf1    = custURL + "/1/approval-rules"
	approverOf1 = memberTokenOf + "1:3"
	order5      = ordersURL + "/5"
	// bobsOrder is 7797 cents: over largeOrders' threshold, within
	// bobLimit once.
	bobsOrder = `{"customer_id":1,"items":[{"product_id":2,"qty":3}]}`
)

var (
	creditLimit  = patch(settingsOf1, `{"credit_limit_cents":500000}`)
	veraApproves = patch(membersOf1+"/3", `{"role":"approver"}`)
	bobLimit     = as(post(limitsOf1, `{"member_id":2,"period":"MONTH","amount_cents":10000}`), adminOf1)
	buyersLimit  = post(limitsOf1, `{"role":"buyer","period":"WEEK","amount_cents":50000}`)
	largeOrders  = as(post(rulesOf1, `{"name":"Large orders","min_total_cents":5000,"approver_roles":["approver"]}`), adminOf1)
	twoLevels    = as(post(rulesOf1, `{"name":"Two levels","min_total_cents":5000,"approver_roles":["approver","approver"]}`), adminOf1)
	bobOrders    = as(post(ordersURL, bobsOrder), buyerOf1)
	// governed is customer 1 with a credit limit (staff), an approver, a
	// spending limit for Bob and a rule (its admin); pending adds Bob's
	// order 5, PENDING_APPROVAL.
	governed = []request{creditLimit, veraApproves, bobLimit, largeOrders}
	pending  = then(governed, bobOrders)
	// pendingTwice is order 5 asking for two approvers.
	pendingTwice = []request{veraApproves, bobLimit, twoLevels, bobOrders}
	veraApproved = decide("approve", approverOf1, "a-1", `{"reason":"within budget"}`)
	veraRejected = decide("reject", approverOf1, "r-1", `{"reason":"over budget"}`)
	paid1        = post(ordersURL+"/1/payments", ``).with("Idempotency-Key", "pay-1")
)

// decide is a decision on order 5 by token under key.
func decide(verb, token, key, body string) request {
	return as(post(order5+"/"+verb, body), token).with("Idempotency-Key", key)
}

// then is base followed by more, in a new slice.
func then(base []request, more ...request) []request {
	return append(append([]request{}, base...), more...)
}

// rules50 are 50 approval rules of customer 1, its most.
func rules50() []request {
	out := make([]request, 50)
	for i := range out {
		out[i] = post(rulesOf1, `{"name":"Rule `+itoa(i+1)+`","min_total_cents":`+itoa(1000*(i+1))+`,"approver_roles":["admin"]}`)
	}
	return out
}

// placedToBeConfirmed places bobsOrder through create-and-confirm, as
// the orchestrator does (no REST route does): an order whose last
// approval confirms it.
func placedToBeConfirmed(t testing.TB, e *env) {
	t.Helper()
	ctx := services.WithPrincipal(t.Context(), services.Principal{Role: services.RoleAdmin, Subject: "test-admin"})
	o, err := e.ordSvc.CreateAndConfirm(ctx, orders.CreateAndConfirmInput{CustomerID: 1,
		Lines: []orders.Line{{ProductID: 2, Qty: 3}}, IdempotencyKey: "cc-1"})
	if err != nil || o.ID != 5 || o.Status != orders.StatusPendingApproval || !o.ConfirmOnApproval {
		t.Fatalf("create and confirm: %+v, %v", o, err)
	}
}

var governanceCases = []contractCase{
	// The settings: the time zone (the customer's) and the credit limit
	// (staff's).
	{name: "settings with a time zone and a credit limit", req: patch(settingsOf1, `{"time_zone":"Europe/Berlin","credit_limit_cents":500000}`), status: 200},
	{name: "settings after a credit limit", setup: []request{creditLimit}, req: get(settingsOf1), status: 200},
	{name: "settings remove the credit limit", setup: []request{creditLimit}, req: patch(settingsOf1, `{"credit_limit_cents":null}`), status: 200},
	{name: "settings time zone by the customer's admin", req: as(patch(settingsOf1, `{"time_zone":"America/New_York"}`), adminOf1), status: 200},
	{name: "settings credit limit by the customer's admin", req: as(patch(settingsOf1, `{"credit_limit_cents":900000}`), adminOf1), status: 403, msg: "Permission denied"},
	{name: "settings credit limit removed by the customer's admin", req: as(patch(settingsOf1, `{"credit_limit_cents":null}`), adminOf1), status: 403, msg: "Permission denied"},
	{name: "settings unknown time zone", req: patch(settingsOf1, `{"time_zone":"Mars/Olympus_Mons"}`), status: 400, msg: "time_zone must be an IANA time zone such as Europe/Berlin"},
	{name: "settings time zone null", req: patch(settingsOf1, `{"time_zone":null}`), status: 400, msg: "Expected string, received null"},
	{name: "settings negative credit limit", req: patch(settingsOf1, `{"credit_limit_cents":-1}`), status: 400, msg: "credit_limit_cents must be between 0 and 2147483647"},
	{name: "settings absurd credit limit", req: patch(settingsOf1, `{"credit_limit_cents":1e30}`), status: 400, msg: "credit_limit_cents must be between 0 and 2147483647"},
	{name: "settings credit limit as a string", req: patch(settingsOf1, `{"credit_limit_cents":"500000"}`), status: 400, msg: "Expected number, received string"},
	{name: "settings fractional credit limit", req: patch(settingsOf1, `{"credit_limit_cents":10.5}`), status: 400, msg: "Expected integer, received float"},

	// The credit: the customer's admins and staff.
	{name: "credit", req: get(creditOf1), status: 200},
	{name: "credit with a limit", setup: []request{creditLimit}, req: get(creditOf1), status: 200},
	{name: "credit by the customer's admin", setup: []request{creditLimit}, req: as(get(creditOf1), adminOf1), status: 200},
	{name: "credit by a buyer", req: as(get(creditOf1), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "credit of another customer", req: as(get(creditOf1), adminOf2), status: 404, msg: "Customer not found"},
	{name: "credit of an unknown customer", req: get(custURL + "/999/credit"), status: 404, msg: "Customer not found"},
	{name: "credit bad id", req: get(custURL + "/x/credit"), status: 400, msg: "Invalid customer ID"},
	{name: "credit without token", req: as(get(creditOf1), ""), status: 401},

	// Spending limits: the customer's admins and staff.
	{name: "spending limit set for a member", req: bobLimit, status: 200},
	{name: "spending limit set for a role", req: buyersLimit, status: 200},
	{name: "spending limit replaced", setup: []request{bobLimit}, req: post(limitsOf1, `{"member_id":2,"period":"DAY","amount_cents":3000}`), status: 200},
	{name: "spending limit ignores unknown fields", req: post(limitsOf1, `{"role":"buyer","period":"NONE","amount_cents":0,"id":9,"currency":"EUR"}`), status: 200},
	{name: "spending limits list", setup: []request{bobLimit, buyersLimit}, req: get(limitsOf1), status: 200},
	{name: "spending limits list empty", req: as(get(limitsOf1), adminOf1), status: 200},
	{name: "spending limits list by a buyer", req: as(get(limitsOf1), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "spending limits list of another customer", req: as(get(limitsOf1), adminOf2), status: 404, msg: "Customer not found"},
	{name: "spending limits list bad id", req: get(custURL + "/0/spending-limits"), status: 400, msg: "Invalid customer ID"},
	{name: "spending limits list without token", req: as(get(limitsOf1), ""), status: 401},
	{name: "spending limit set by a buyer", req: as(post(limitsOf1, `{"member_id":2,"period":"DAY","amount_cents":1}`), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "spending limit set for another customer's member", req: post(limitsOf1, `{"member_id":4,"period":"DAY","amount_cents":1}`), status: 404, msg: "Member not found"},
	{name: "spending limit set into another customer", req: as(post(limitsOf1, `{"role":"buyer","period":"DAY","amount_cents":1}`), adminOf2), status: 404, msg: "Customer not found"},
	{name: "spending limit period that does not exist", req: post(limitsOf1, `{"role":"buyer","period":"YEAR","amount_cents":1}`), status: 400, msg: "period must be one of DAY, WEEK, MONTH, NONE"},
	{name: "spending limit negative amount", req: post(limitsOf1, `{"role":"buyer","period":"DAY","amount_cents":-100}`), status: 400, msg: "amount_cents must be between 0 and 2147483647"},
	{name: "spending limit absurd amount", req: post(limitsOf1, `{"role":"buyer","period":"DAY","amount_cents":99999999999999999999999}`), status: 400, msg: "amount_cents must be between 0 and 2147483647"},
	{name: "spending limit just above the largest amount", req: post(limitsOf1, `{"role":"buyer","period":"DAY","amount_cents":2147483648}`), status: 400, msg: "amount_cents must be between 0 and 2147483647"},
	{name: "spending limit for a member and a role", req: post(limitsOf1, `{"member_id":2,"role":"buyer","period":"DAY","amount_cents":1}`), status: 400, msg: "Give exactly one of member_id and role"},
	{name: "spending limit for nobody", req: post(limitsOf1, `{"period":"DAY","amount_cents":1}`), status: 400, msg: "Give exactly one of member_id and role"},
	{name: "spending limit for a role that does not exist", req: post(limitsOf1, `{"role":"owner","period":"DAY","amount_cents":1}`), status: 400, msg: "Role must be one of admin, buyer, approver, viewer"},
	{name: "spending limit for member 0", req: post(limitsOf1, `{"member_id":0,"period":"DAY","amount_cents":1}`), status: 400, msg: "Invalid member ID"},
	{name: "spending limit without period", req: post(limitsOf1, `{"role":"buyer","amount_cents":1}`), status: 400, msg: "Required"},
	{name: "spending limit amount as a string", req: post(limitsOf1, `{"role":"buyer","period":"DAY","amount_cents":"1"}`), status: 400, msg: "Expected number, received string"},
	{name: "spending limit fractional amount", req: post(limitsOf1, `{"role":"buyer","period":"DAY","amount_cents":0.5}`), status: 400, msg: "Expected integer, received float"},
	{name: "spending limit period as a number", req: post(limitsOf1, `{"role":"buyer","period":1,"amount_cents":1}`), status: 400, msg: "Expected string, received number"},
	{name: "spending limit malformed JSON", req: post(limitsOf1, `{"role":`), status: 400, msg: "Invalid JSON"},
	{name: "spending limit JSON array", req: post(limitsOf1, `[]`), status: 400, msg: "Expected object, received array"},
	{name: "spending limit body over 1 MiB", req: post(limitsOf1, `{"role":"`+strings.Repeat("x", 1<<20)+`"}`), status: 413, msg: "Request entity too large"},
	{name: "spending limit as a form", req: post(limitsOf1, `role=buyer`).with("Content-Type", "application/x-www-form-urlencoded"), status: 415, msg: "Content-Type must be application/json"},
	{name: "spending limit without token", req: as(post(limitsOf1, `{"role":"buyer","period":"DAY","amount_cents":1}`), ""), status: 401},
	{name: "spending limit delete", setup: []request{bobLimit}, req: as(del(limitsOf1+"/1"), adminOf1), status: 204},
	{name: "spending limit delete twice", setup: []request{bobLimit, del(limitsOf1 + "/1")}, req: del(limitsOf1 + "/1"), status: 404, msg: "Spending limit not found"},
	{name: "spending limit delete through another customer's path", setup: []request{bobLimit}, req: del(custURL + "/2/spending-limits/1"), status: 404, msg: "Spending limit not found"},
	{name: "spending limit delete of another customer", setup: []request{bobLimit}, req: as(del(limitsOf1+"/1"), adminOf2), status: 404, msg: "Customer not found"},
	{name: "spending limit delete by a buyer", setup: []request{bobLimit}, req: as(del(limitsOf1+"/1"), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "spending limit delete bad id", req: del(limitsOf1 + "/x"), status: 400, msg: "Invalid spending limit ID"},
	{name: "spending limit delete bad customer id", req: del(custURL + "/-1/spending-limits/1"), status: 400, msg: "Invalid customer ID"},
	{name: "spending limit delete without token", req: as(del(limitsOf1+"/1"), ""), status: 401},

	// Approval rules: the customer's admins and staff.
	{name: "approval rule create", req: largeOrders, status: 201},
	{name: "approval rule create with every condition", req: post(rulesOf1, `{"name":"  Buyers over budget ","min_total_cents":0,"placed_by_roles":["buyer","buyer"],"over_spending_limit":true,"approver_roles":["approver","admin"]}`), status: 201},
	{name: "approval rule create without a minimum", req: post(rulesOf1, `{"name":"Buyers","min_total_cents":null,"placed_by_roles":["buyer"],"approver_roles":["approver"]}`), status: 201},
	{name: "approval rules list", setup: []request{largeOrders, twoLevels}, req: get(rulesOf1), status: 200},
	{name: "approval rules list empty", req: as(get(rulesOf1), adminOf1), status: 200},
	{name: "approval rules list by a buyer", req: as(get(rulesOf1), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "approval rules list of another customer", req: as(get(rulesOf1), adminOf2), status: 404, msg: "Customer not found"},
	{name: "approval rules list bad id", req: get(custURL + "/abc/approval-rules"), status: 400, msg: "Invalid customer ID"},
	{name: "approval rules list without token", req: as(get(rulesOf1), ""), status: 401},
	{name: "approval rule create by a buyer", req: as(post(rulesOf1, `{"name":"Mine","min_total_cents":1,"approver_roles":["approver"]}`), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "approval rule create for another customer", req: as(post(rulesOf1, `{"name":"X","min_total_cents":1,"approver_roles":["approver"]}`), adminOf2), status: 404, msg: "Customer not found"},
	{name: "approval rule without a condition", req: post(rulesOf1, `{"name":"Always","approver_roles":["approver"]}`), status: 400,
		msg: "A rule needs a condition: min_total_cents, placed_by_roles or over_spending_limit"},
	{name: "approval rule with three levels", req: post(rulesOf1, `{"name":"X","min_total_cents":1,"approver_roles":["approver","approver","admin"]}`), status: 400, msg: "approver_roles must name one or two levels"},
	{name: "approval rule without levels", req: post(rulesOf1, `{"name":"X","min_total_cents":1,"approver_roles":[]}`), status: 400, msg: "approver_roles must name one or two levels"},
	{name: "approval rule with a buyer level", req: post(rulesOf1, `{"name":"X","min_total_cents":1,"approver_roles":["buyer"]}`), status: 400, msg: "Each level of approver_roles must be approver or admin"},
	{name: "approval rule placed by a role that does not exist", req: post(rulesOf1, `{"name":"X","placed_by_roles":["intern"],"approver_roles":["admin"]}`), status: 400,
		msg: "placed_by_roles must name roles among admin, buyer, approver, viewer"},
	{name: "approval rule blank name", req: post(rulesOf1, `{"name":"   ","min_total_cents":1,"approver_roles":["admin"]}`), status: 400, msg: "name must be 1 to 100 characters, without control characters"},
	{name: "approval rule long name", req: post(rulesOf1, `{"name":"`+strings.Repeat("n", 101)+`","min_total_cents":1,"approver_roles":["admin"]}`), status: 400,
		msg: "name must be 1 to 100 characters, without control characters"},
	{name: "approval rule negative minimum", req: post(rulesOf1, `{"name":"X","min_total_cents":-1,"approver_roles":["admin"]}`), status: 400, msg: "min_total_cents must be between 0 and 2147483647"},
	{name: "approval rule absurd minimum", req: post(rulesOf1, `{"name":"X","min_total_cents":1e40,"approver_roles":["admin"]}`), status: 400, msg: "min_total_cents must be between 0 and 2147483647"},
	{name: "approval rule without name", req: post(rulesOf1, `{"min_total_cents":1,"approver_roles":["admin"]}`), status: 400, msg: "Required"},
	{name: "approval rule without approvers", req: post(rulesOf1, `{"name":"X","min_total_cents":1}`), status: 400, msg: "Required"},
	{name: "approval rule approvers not an array", req: post(rulesOf1, `{"name":"X","min_total_cents":1,"approver_roles":"admin"}`), status: 400, msg: "Expected array, received string"},
	{name: "approval rule approver number", req: post(rulesOf1, `{"name":"X","min_total_cents":1,"approver_roles":[1]}`), status: 400, msg: "Expected string, received number"},
	{name: "approval rule minimum as a string", req: post(rulesOf1, `{"name":"X","min_total_cents":"1","approver_roles":["admin"]}`), status: 400, msg: "Expected number, received string"},
	{name: "approval rule flag as a string", req: post(rulesOf1, `{"name":"X","over_spending_limit":"yes","approver_roles":["admin"]}`), status: 400, msg: "Expected boolean, received string"},
	{name: "approval rule fifty-first", setup: rules50(), req: post(rulesOf1, `{"name":"One more","min_total_cents":1,"approver_roles":["admin"]}`), status: 400,
		msg: "A customer can have at most 50 approval rules"},
	{name: "approval rule malformed JSON", req: post(rulesOf1, `{"name"`), status: 400, msg: "Invalid JSON"},
	{name: "approval rule body over 1 MiB", req: post(rulesOf1, `{"name":"`+strings.Repeat("x", 1<<20)+`"}`), status: 413, msg: "Request entity too large"},
	{name: "approval rule as text", req: post(rulesOf1, `{}`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
	{name: "approval rule without token", req: as(post(rulesOf1, `{"name":"X","min_total_cents":1,"approver_roles":["admin"]}`), ""), status: 401},
	{name: "approval rule delete", setup: []request{largeOrders}, req: as(del(rulesOf1+"/1"), adminOf1), status: 204},
	{name: "approval rule delete twice", setup: []request{largeOrders, del(rulesOf1 + "/1")}, req: del(rulesOf1 + "/1"), status: 404, msg: "Approval rule not found"},
	{name: "approval rule delete through another customer's path", setup: []request{largeOrders}, req: del(custURL + "/2/approval-rules/1"), status: 404, msg: "Approval rule not found"},
	{name: "approval rule delete of another customer", setup: []request{largeOrders}, req: as(del(rulesOf1+"/1"), adminOf2), status: 404, msg: "Customer not found"},
	{name: "approval rule delete by a buyer", setup: []request{largeOrders}, req: as(del(rulesOf1+"/1"), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "approval rule delete bad id", req: del(rulesOf1 + "/0"), status: 400, msg: "Invalid approval rule ID"},
	{name: "approval rule delete without token", req: as(del(rulesOf1+"/1"), ""), status: 401},

	// Orders placed under the rules and limits.
	{name: "order over a rule's threshold", setup: governed, req: bobOrders, status: 201},
	{name: "order under a rule's threshold", setup: governed, req: as(post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`), buyerOf1), status: 201},
	{name: "order over the spending limit", setup: pending, req: bobOrders, status: 409,
		msg: "Spending limit exceeded: the order would take the buyer's spend above its limit"},
	{name: "order after a rejection gets the spend back", setup: then(pending, veraRejected), req: bobOrders, status: 201},
	{name: "order over the spending limit routed to approval", setup: []request{veraApproves,
		as(post(limitsOf1, `{"member_id":2,"period":"NONE","amount_cents":5000}`), adminOf1),
		as(post(rulesOf1, `{"name":"Over budget","over_spending_limit":true,"approver_roles":["approver"]}`), adminOf1)},
		req: bobOrders, status: 201},
	{name: "order by staff under the rule", setup: governed, req: post(ordersURL, bobsOrder), status: 201},
	{name: "get an order pending approval", setup: pending, req: as(get(order5), buyerOf1), status: 200},
	{name: "orders pending approval", setup: pending, req: get(ordersURL + "?status=PENDING_APPROVAL"), status: 200},
	{name: "orders pending approval, none", req: get(ordersURL + "?status=PENDING_APPROVAL"), status: 200},
	{name: "confirm an order pending approval", setup: pending, req: post(order5+"/confirm", `{"idempotency_key":"c-5"}`), status: 400,
		msg: "Order cannot be confirmed before it is approved"},
	{name: "cancel an order pending approval", setup: pending, req: as(post(order5+"/cancel", ``), buyerOf1), status: 200},

	// Approving.
	{name: "approve", setup: pending, req: veraApproved, status: 200},
	{name: "approve replayed under its key", setup: then(pending, veraApproved), req: veraApproved, status: 200},
	{name: "approve under its key with another reason", setup: then(pending, veraApproved), req: decide("approve", approverOf1, "a-1", `{"reason":"changed my mind"}`), status: 400,
		msg: "Idempotency key already used for a different request"},
	{name: "approve under a rejection's key", setup: then(pending, veraRejected), req: decide("approve", approverOf1, "r-1", `{"reason":"over budget"}`), status: 400,
		msg: "Idempotency key already used for a different request"},
	{name: "approve an approved order", setup: then(pending, veraApproved), req: decide("approve", approverOf1, "a-2", ``), status: 400,
		msg: "Order is not pending approval. Current status: CREATED"},
	{name: "confirm an approved order", setup: then(pending, veraApproved), req: as(post(order5+"/confirm", `{"idempotency_key":"c-5"}`), buyerOf1), status: 200},
	{name: "approve by its buyer", setup: pending, req: decide("approve", buyerOf1, "a-1", ``), status: 403, msg: "Permission denied"},
	{name: "approve by the admin who placed it", setup: then(governed, as(post(ordersURL, bobsOrder), adminOf1)), req: decide("approve", adminOf1, "a-1", ``), status: 403,
		msg: "A buyer cannot decide the approval of its own order"},
	{name: "approve by staff", setup: pending, req: post(order5+"/approve", ``).with("Idempotency-Key", "a-1"), status: 403, msg: "Permission denied"},
	{name: "approve another customer's order", setup: pending, req: decide("approve", adminOf2, "a-1", ``), status: 404, msg: "Order not found"},
	{name: "approve the first of two levels", setup: pendingTwice, req: veraApproved, status: 200},
	{name: "approve both levels by one approver", setup: then(pendingTwice, veraApproved), req: decide("approve", approverOf1, "a-2", ``), status: 403,
		msg: "Each level must be approved by another approver"},
	{name: "approve the second level by another", setup: then(pendingTwice, veraApproved), req: decide("approve", adminOf1, "a-2", `{"reason":"ok"}`), status: 200},
	{name: "approve an order placed to be confirmed", setup: []request{veraApproves, largeOrders}, prepare: placedToBeConfirmed, req: veraApproved, status: 200},
	{name: "approve over the credit limit", setup: []request{patch(settingsOf1, `{"credit_limit_cents":389700}`), veraApproves, largeOrders}, prepare: placedToBeConfirmed,
		req: veraApproved, status: 409, msg: "Credit limit exceeded: available 0 cents, order 7797 cents"},
	{name: "approve with the key in the body", setup: pending, req: as(post(order5+"/approve", `{"idempotency_key":"a-1","reason":"ok"}`), approverOf1), status: 200},
	{name: "approve with X-Idempotency-Key", setup: pending, req: as(post(order5+"/approve", ``), approverOf1).with("X-Idempotency-Key", "a-1"), status: 200},
	{name: "approve with a null reason", setup: pending, req: decide("approve", approverOf1, "a-1", `{"reason":null}`), status: 200},
	{name: "approve without a key", setup: pending, req: as(post(order5+"/approve", `{"reason":"ok"}`), approverOf1), status: 400, msg: "Required"},
	{name: "approve with an empty key", setup: pending, req: decide("approve", approverOf1, "", ``), status: 400, msg: "Idempotency key is required"},
	{name: "approve with a long key", setup: pending, req: decide("approve", approverOf1, strings.Repeat("k", 256), ``), status: 400, msg: "Idempotency key must be at most 255 characters"},
	{name: "approve with a long reason", setup: pending, req: decide("approve", approverOf1, "a-1", `{"reason":"`+strings.Repeat("r", 501)+`"}`), status: 400,
		msg: "reason must be at most 500 characters, without control characters"},
	{name: "approve with a control character in its reason", setup: pending, req: decide("approve", approverOf1, "a-1", `{"reason":"ok\u0000"}`), status: 400,
		msg: "reason must be at most 500 characters, without control characters"},
	{name: "approve with a reason number", setup: pending, req: decide("approve", approverOf1, "a-1", `{"reason":5}`), status: 400, msg: "Expected string, received number"},
	{name: "approve malformed JSON", setup: pending, req: decide("approve", approverOf1, "a-1", `{"reason":`), status: 400, msg: "Invalid JSON"},
	{name: "approve an unknown order", req: as(post(ordersURL+"/999/approve", ``), approverOf1).with("Idempotency-Key", "a-1"), status: 404, msg: "Order not found"},
	{name: "approve bad id", req: as(post(ordersURL+"/x/approve", ``), approverOf1).with("Idempotency-Key", "a-1"), status: 400, msg: "Invalid order ID"},
	{name: "approve body over 1 MiB", req: decide("approve", approverOf1, "a-1", `{"reason":"`+strings.Repeat("x", 1<<20)+`"}`), status: 413, msg: "Request entity too large"},
	{name: "approve as text", req: decide("approve", approverOf1, "a-1", `{}`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
	{name: "approve without token", req: decide("approve", "", "a-1", ``), status: 401},

	// Rejecting.
	{name: "reject", setup: pending, req: veraRejected, status: 200},
	{name: "reject replayed under its key", setup: then(pending, veraRejected), req: veraRejected, status: 200},
	{name: "reject a rejected order", setup: then(pending, veraRejected), req: decide("reject", approverOf1, "r-2", ``), status: 400,
		msg: "Order is not pending approval. Current status: CANCELED"},
	{name: "reject gives the stock back", setup: then(pending, veraRejected), req: get(products + "/2"), status: 200},
	{name: "reject by its buyer", setup: pending, req: decide("reject", buyerOf1, "r-1", ``), status: 403, msg: "Permission denied"},
	{name: "reject by the admin who placed it", setup: then(governed, as(post(ordersURL, bobsOrder), adminOf1)), req: decide("reject", adminOf1, "r-1", ``), status: 403,
		msg: "A buyer cannot decide the approval of its own order"},
	{name: "reject another customer's order", setup: pending, req: decide("reject", adminOf2, "r-1", ``), status: 404, msg: "Order not found"},
	{name: "reject without a key", setup: pending, req: as(post(order5+"/reject", ``), approverOf1), status: 400, msg: "Required"},
	{name: "reject bad id", req: decide("reject", approverOf1, "r-1", ``).withPath(ordersURL + "/0/reject"), status: 400, msg: "Invalid order ID"},
	{name: "reject body over 1 MiB", req: decide("reject", approverOf1, "r-1", `{"reason":"`+strings.Repeat("x", 1<<20)+`"}`), status: 413, msg: "Request entity too large"},
	{name: "reject as text", req: decide("reject", approverOf1, "r-1", `{}`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
	{name: "reject without token", req: decide("reject", "", "r-1", ``), status: 401},

	// The decisions.
	{name: "approvals", setup: then(pending, veraApproved), req: get(order5 + "/approvals"), status: 200},
	{name: "approvals of two levels", setup: then(pendingTwice, veraApproved, decide("approve", adminOf1, "a-2", `{"reason":"ok"}`)), req: as(get(order5+"/approvals"), buyerOf1), status: 200},
	{name: "approvals after a rejection", setup: then(pending, veraRejected), req: get(order5 + "/approvals"), status: 200},
	{name: "approvals of an order without", req: get(ordersURL + "/1/approvals"), status: 200},
	{name: "approvals of another customer's order", setup: then(pending, veraApproved), req: as(get(order5+"/approvals"), adminOf2), status: 404, msg: "Order not found"},
	{name: "approvals of an unknown order", req: get(ordersURL + "/999/approvals"), status: 404, msg: "Order not found"},
	{name: "approvals bad id", req: get(ordersURL + "/1.5/approvals"), status: 400, msg: "Invalid order ID"},
	{name: "approvals without token", req: as(get(ordersURL+"/1/approvals"), ""), status: 401},

	// Credit on confirmation, and payments (staff).
	{name: "confirm within the credit limit", setup: []request{creditLimit, post(ordersURL, order1Line)}, req: post(order5+"/confirm", confirmK1), status: 200},
	{name: "confirm over the credit limit", setup: []request{patch(settingsOf1, `{"credit_limit_cents":389700}`), post(ordersURL, order1Line)},
		req: post(order5+"/confirm", confirmK1), status: 409, msg: "Credit limit exceeded: available 0 cents, order 7797 cents"},
	{name: "credit after a confirmation", setup: []request{creditLimit, post(ordersURL, order1Line), post(order5+"/confirm", confirmK1)}, req: get(creditOf1), status: 200},
	{name: "pay", req: paid1, status: 200},
	{name: "pay replayed under its key", setup: []request{paid1}, req: paid1, status: 200},
	{name: "pay a paid order under a new key", setup: []request{paid1}, req: post(ordersURL+"/1/payments", ``).with("Idempotency-Key", "pay-2"), status: 200},
	{name: "pay with the key in the body", req: post(ordersURL+"/1/payments", `{"idempotency_key":"pay-1"}`), status: 200},
	{name: "pay under a confirm's key", setup: []request{post(ordersURL+"/1/confirm", `{"idempotency_key":"k-1"}`)}, req: post(ordersURL+"/1/payments", ``).with("Idempotency-Key", "k-1"), status: 400,
		msg: "Idempotency key already used for a different request"},
	{name: "credit after a payment", setup: []request{creditLimit, paid1}, req: get(creditOf1), status: 200},
	{name: "confirm a paid order under a new key", setup: []request{paid1}, req: post(ordersURL+"/1/confirm", `{"idempotency_key":"c-1"}`), status: 200},
	{name: "cancel a paid order", setup: []request{post(ordersURL, order1Line), post(order5+"/confirm", confirmK1), post(order5+"/payments", ``).with("Idempotency-Key", "pay-5")},
		req: post(order5+"/cancel", ``), status: 400, msg: "A paid order cannot be canceled"},
	{name: "pay a canceled order", req: post(ordersURL+"/4/payments", ``).with("Idempotency-Key", "pay-4"), status: 400, msg: "Only confirmed orders can be paid. Current status: CANCELED"},
	{name: "pay an order pending approval", setup: pending, req: post(order5+"/payments", ``).with("Idempotency-Key", "pay-5"), status: 400,
		msg: "Only confirmed orders can be paid. Current status: PENDING_APPROVAL"},
	{name: "pay by the customer's admin", req: as(post(ordersURL+"/1/payments", ``), adminOf1).with("Idempotency-Key", "pay-1"), status: 403, msg: "Permission denied"},
	{name: "pay by another customer's admin", req: as(post(ordersURL+"/1/payments", ``), adminOf2).with("Idempotency-Key", "pay-1"), status: 404, msg: "Order not found"},
	{name: "pay without a key", req: post(ordersURL+"/1/payments", ``), status: 400, msg: "Required"},
	{name: "pay with a number key", req: post(ordersURL+"/1/payments", `{"idempotency_key":1}`), status: 400, msg: "Expected string, received number"},
	{name: "pay an unknown order", req: post(ordersURL+"/999/payments", ``).with("Idempotency-Key", "pay-1"), status: 404, msg: "Order not found"},
	{name: "pay bad id", req: post(ordersURL+"/abc/payments", ``).with("Idempotency-Key", "pay-1"), status: 400, msg: "Invalid order ID"},
	{name: "pay body over 1 MiB", req: post(ordersURL+"/1/payments", `{"idempotency_key":"`+strings.Repeat("x", 1<<20)+`"}`), status: 413, msg: "Request entity too large"},
	{name: "pay as a form", req: post(ordersURL+"/1/payments", `idempotency_key=pay-1`).with("Content-Type", "application/x-www-form-urlencoded"), status: 415,
		msg: "Content-Type must be application/json"},
	{name: "pay without token", req: as(paid1, ""), status: 401},

	// Webhooks take the new event types.
	{name: "webhook for the governance events", req: post(webhooksURL, `{"url":"https://erp.example.com/hooks","secret":"`+hookSecret+
		`","event_types":["order.approval_requested","order.approved","order.rejected","order.paid"]}`), status: 201},
}

// withPath returns rq sent to path instead.
func (rq request) withPath(path string) request {
	rq.path = path
	return rq
}

func TestContractGovernance(t *testing.T) { runContract(t, inProcess, "governance", governanceCases) }

// An order not decided within the approval's time expires: a decision
// after it is refused, and the expiry cancels the order as the system.
func TestApprovalExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, rq := range pending {
		e.must(t, rq)
	}
	e.clock.Advance(72 * time.Hour)
	e.admin = e.bearer(t, services.Principal{Role: services.RoleAdmin, Subject: "test-admin"}) // the first expired
	rq := veraApproved
	r := e.do(t, rq)
	if r.status != 400 || errorMessage(t, r.body) != "The order's approval expired" {
		t.Fatalf("approve after the expiry: %d %s", r.status, r.body)
	}
	checkDocumented(t, e, rq, r)
	checkGolden(t, "governance", "approve after the approval expired", r)
	route, _, err := documentFor(t, e, rq).findRoute(rq)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := route.Operation.Responses.Status(400).Value.Extensions["x-messages"].(map[string]any)
	if !documentedMessage(msgs, "The order's approval expired") {
		t.Fatal("the expiry's message is not in the document")
	}
	if n, err := e.ordSvc.ExpireApprovals(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("expired %d: %v", n, err)
	}
	checkGolden(t, "governance", "order after its approval expired", e.must(t, get(order5)))
}
