package rest_test

import "testing"

const settingsOf1 = custURL + "/1/settings"

// poRules makes customer 1 require unique PO numbers, with NET_30 terms.
var poRules = patch(settingsOf1, `{"po_number_required":true,"po_number_unique":true,"payment_terms":"NET_30"}`)

// settingsCases are the customer's order settings and the orders that
// follow them: PO numbers required and unique, payment terms copied onto
// each order and a due date once confirmed.
var settingsCases = []contractCase{
	{name: "settings", req: get(settingsOf1), status: 200},
	{name: "settings of another customer", req: as(get(settingsOf1), adminOf2), status: 404, msg: "Customer not found"},
	{name: "settings bad id", req: get(custURL + "/x/settings"), status: 400, msg: "Invalid customer ID"},
	{name: "settings without token", req: as(get(settingsOf1), ""), status: 401},
	{name: "settings update", req: poRules, status: 200},
	{name: "settings remove terms", setup: []request{poRules}, req: patch(settingsOf1, `{"payment_terms":null}`), status: 200},
	{name: "settings update by the customer's admin", req: as(patch(settingsOf1, `{"po_number_required":true}`), adminOf1), status: 200},
	{name: "settings terms by the customer's admin", req: as(patch(settingsOf1, `{"payment_terms":"NET_90"}`), adminOf1), status: 403, msg: "Permission denied"},
	{name: "settings update by a buyer", req: as(patch(settingsOf1, `{"po_number_required":false}`), buyerOf1), status: 403, msg: "Permission denied"},
	{name: "settings update of another customer", req: as(patch(settingsOf1, `{"po_number_required":true}`), adminOf2), status: 404, msg: "Customer not found"},
	{name: "settings update nothing", req: patch(settingsOf1, `{}`), status: 400, msg: "At least one field must be provided for update"},
	{name: "settings update bad terms", req: patch(settingsOf1, `{"payment_terms":"NET_0"}`), status: 400, msg: "payment_terms must be NET_<days> (1 to 365) or DUE_ON_RECEIPT"},
	{name: "settings update string flag", req: patch(settingsOf1, `{"po_number_required":"yes"}`), status: 400, msg: "Expected boolean, received string"},
	{name: "settings update without token", req: as(patch(settingsOf1, `{"po_number_required":true}`), ""), status: 401},

	{name: "order with a PO number and terms", setup: []request{poRules},
		req: post(ordersURL, `{"customer_id":1,"po_number":"  PO-1 ","items":[{"product_id":2,"qty":1}]}`), status: 201},
	{name: "order without the required PO number", setup: []request{poRules},
		req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`), status: 400,
		msg: "po_number is required: the customer requires a PO number on every order"},
	{name: "order with a taken PO number", setup: []request{poRules, post(ordersURL, `{"customer_id":1,"po_number":"PO-1","items":[{"product_id":2,"qty":1}]}`)},
		req: post(ordersURL, `{"customer_id":1,"po_number":"PO-1","items":[{"product_id":3,"qty":1}]}`), status: 409,
		msg: "PO number already used by another order of this customer"},
	{name: "order with a control character in its PO number", req: post(ordersURL, `{"customer_id":1,"po_number":"PO\u0007","items":[{"product_id":2,"qty":1}]}`),
		status: 400, msg: "po_number must not contain control characters"},
	{name: "order with a blank PO number", req: post(ordersURL, `{"customer_id":1,"po_number":"  ","items":[{"product_id":2,"qty":1}]}`),
		status: 400, msg: "po_number must not be empty"},
	{name: "order with a long PO number", req: post(ordersURL, `{"customer_id":1,"po_number":"`+long65+`","items":[{"product_id":2,"qty":1}]}`),
		status: 400, msg: "po_number must be at most 64 characters"},
	{name: "confirmed order is due after its terms", setup: []request{poRules, post(ordersURL, `{"customer_id":1,"po_number":"PO-1","items":[{"product_id":2,"qty":1}]}`)},
		req: post(ordersURL+"/5/confirm", `{"idempotency_key":"due-1"}`), status: 200},
	{name: "orders by PO number", setup: []request{poRules, post(ordersURL, `{"customer_id":1,"po_number":"PO-1","items":[{"product_id":2,"qty":1}]}`),
		post(ordersURL+"/5/confirm", `{"idempotency_key":"due-1"}`)}, req: get(ordersURL + "?po_number=PO-1"), status: 200},
}

var long65 = "12345678901234567890123456789012345678901234567890123456789012345"

func TestContractSettings(t *testing.T) { runContract(t, inProcess, "settings", settingsCases) }
