package rest_test

import (
	"strings"
	"testing"
	"time"
)

// Contract prices over REST (docs/pricing.md): price lists managed by
// staff, a customer's prices, orders priced from a list, and a product's
// own quantity rule. The seed's product 2 (Wireless Mouse) is 2599 of its
// own, 4 (27-inch Monitor, stock 30) 29999, 9 (Gaming Mousepad) 1999; the
// clock stands at 2025-06-01.
const (
	priceListsURL = v1 + "/price-lists"
	priceList1    = priceListsURL + "/1"
	pricesURL     = v1 + "/prices"
	// acmeContract is customer 1's contract: the mouse at 2399 from 1 and
	// 2199 from 24, in multiples of 12; the mousepad at 1799.
	acmeContract = `{"name":"Acme contract 2025","currency":"USD","customer_ids":[1],"entries":[` +
		`{"product_id":2,"min_qty":1,"unit_price_cents":2399},{"product_id":2,"min_qty":24,"unit_price_cents":2199},` +
		`{"product_id":9,"min_qty":1,"unit_price_cents":1799}],"rules":[{"product_id":2,"increment":12}]}`
	// volumeList is for every customer within 2025: monitors at 27999
	// from 10.
	volumeList = `{"name":"Volume 2025","currency":"USD","scope":"ALL","valid_from":"2025-01-01T00:00:00Z",` +
		`"valid_to":"2026-01-01T00:00:00Z","priority":5,"entries":[{"product_id":4,"min_qty":10,"unit_price_cents":27999}]}`
	// mice24 orders 24 mice and 2 mousepads for customer 1.
	mice24 = `{"customer_id":1,"items":[{"product_id":2,"qty":24},{"product_id":9,"qty":2}]}`
)

var (
	acme    = post(priceListsURL, acmeContract)
	volume  = post(priceListsURL, volumeList)
	acmeBuy = as(post(ordersURL, mice24), customerTokenOf+"1")
	// mousepadRule gives product 9 a quantity rule of its own.
	mousepadRule = patch(products+"/9", `{"quantity_rule":{"min":5,"max":50,"increment":5}}`)
)

// withEntries is a price list of customer 1 with the given entries, to
// see what the service makes of them.
func withEntries(entries string) string {
	return `{"name":"X","currency":"USD","customer_ids":[1],"entries":[` + entries + `]}`
}

// later moves the clock on a minute, so that a change's updated_at shows.
func later(t testing.TB, e *env) { e.clock.Advance(time.Minute) }

var pricingCases = []contractCase{
	// Managing lists: admin and staff.
	{name: "price list create", req: acme, status: 201},
	{name: "price list create for every customer", req: volume, status: 201},
	{name: "price list create by staff", req: as(acme, staffToken), status: 201},
	{name: "price list create with every field", req: post(priceListsURL, `{"name":"  Draft for two  ","currency":"USD","status":"DRAFT",`+
		`"scope":"CUSTOMERS","valid_from":"2025-07-01T02:00:00+02:00","valid_to":null,"priority":1000,"customer_ids":[2,1,2],`+
		`"entries":[{"product_id":3,"min_qty":100,"unit_price_cents":0},{"product_id":3,"min_qty":1,"unit_price_cents":8500}],`+
		`"rules":[{"product_id":3,"min":1,"max":500,"increment":1}]}`), status: 201},
	{name: "price list create ignores unknown fields", req: post(priceListsURL, `{"id":9,"name":"X","currency":"USD","entries":[`+
		`{"product_id":1,"min_qty":1,"unit_price_cents":1,"list":7}],"created_at":"1999-01-01T00:00:00Z"}`), status: 201},
	{name: "price lists", setup: []request{acme, volume}, req: get(priceListsURL), status: 200},
	{name: "price lists by staff", setup: []request{acme}, req: as(get(priceListsURL), staffToken), status: 200},
	{name: "price lists empty", req: get(priceListsURL), status: 200},
	{name: "price list get", setup: []request{acme}, req: get(priceList1), status: 200},
	{name: "price list get unknown", req: get(priceListsURL + "/99"), status: 404, msg: "Price list not found"},
	{name: "price list get bad id", req: get(priceListsURL + "/x"), status: 400, msg: "Invalid price list ID"},
	{name: "price list replace", setup: []request{acme}, prepare: later, req: put(priceList1, `{"name":"Acme contract 2025 (revised)",`+
		`"currency":"USD","status":"ARCHIVED","customer_ids":[1,3],"entries":[{"product_id":2,"min_qty":1,"unit_price_cents":2299}]}`), status: 200},
	{name: "price list replace by staff", setup: []request{acme}, req: as(put(priceList1, volumeList), staffToken), status: 200},
	{name: "price list replace unknown", req: put(priceListsURL+"/99", acmeContract), status: 404, msg: "Price list not found"},
	{name: "price list replace bad id", req: put(priceListsURL+"/0", acmeContract), status: 400, msg: "Invalid price list ID"},
	{name: "price list replace invalid", setup: []request{acme}, req: put(priceList1, withEntries(`{"product_id":2,"min_qty":1,"unit_price_cents":1},`+
		`{"product_id":2,"min_qty":1,"unit_price_cents":2}`)), status: 400, msg: "Product 2 has two entries from 1"},
	{name: "price list replace without entries", setup: []request{acme}, req: put(priceList1, `{"name":"X","currency":"USD"}`), status: 400, msg: "Required"},
	{name: "price list delete", setup: []request{acme}, req: del(priceList1), status: 204},
	{name: "price list delete by staff", setup: []request{acme}, req: as(del(priceList1), staffToken), status: 204},
	{name: "price list delete twice", setup: []request{acme, del(priceList1)}, req: del(priceList1), status: 404, msg: "Price list not found"},
	{name: "price list get deleted", setup: []request{acme, del(priceList1)}, req: get(priceList1), status: 404, msg: "Price list not found"},
	{name: "price list delete bad id", req: del(priceListsURL + "/-1"), status: 400, msg: "Invalid price list ID"},

	// Customers neither manage nor read lists: a legacy token, and its
	// admin member.
	{name: "price list create by a customer", req: as(acme, customerTokenOf+"1"), status: 403, msg: "Permission denied"},
	{name: "price list create by a customer's admin", req: as(acme, adminOf1), status: 403, msg: "Permission denied"},
	{name: "price lists by a customer", setup: []request{acme}, req: as(get(priceListsURL), customerTokenOf+"1"), status: 403, msg: "Permission denied"},
	{name: "price list get by a customer", setup: []request{acme}, req: as(get(priceList1), customerTokenOf+"1"), status: 403, msg: "Permission denied"},
	{name: "price list replace by a customer", setup: []request{acme}, req: as(put(priceList1, acmeContract), customerTokenOf+"1"), status: 403, msg: "Permission denied"},
	{name: "price list delete by a customer", setup: []request{acme}, req: as(del(priceList1), adminOf1), status: 403, msg: "Permission denied"},

	// What a list must be.
	{name: "price list break from 0", req: post(priceListsURL, withEntries(`{"product_id":2,"min_qty":0,"unit_price_cents":100}`)), status: 400,
		msg: "min_qty must be between 1 and 1000000"},
	{name: "price list negative price", req: post(priceListsURL, withEntries(`{"product_id":2,"min_qty":1,"unit_price_cents":-1}`)), status: 400,
		msg: "unit_price_cents must be between 0 and 2147483647"},
	{name: "price list two entries for one product and minimum", req: post(priceListsURL, withEntries(`{"product_id":2,"min_qty":10,"unit_price_cents":2000},`+
		`{"product_id":9,"min_qty":10,"unit_price_cents":1500},{"product_id":2,"min_qty":10,"unit_price_cents":1900}`)), status: 400,
		msg: "Product 2 has two entries from 10"},
	{name: "price list in another currency", req: post(priceListsURL, strings.Replace(acmeContract, `"USD"`, `"EUR"`, 1)), status: 400,
		msg: "currency must be USD, the store's currency"},
	{name: "price list for an unknown product", req: post(priceListsURL, withEntries(`{"product_id":999,"min_qty":1,"unit_price_cents":100}`)), status: 400,
		msg: "Product 999 not found"},
	{name: "price list rule for an unknown product", req: post(priceListsURL, strings.Replace(acmeContract, `"rules":[{"product_id":2,`, `"rules":[{"product_id":998,`, 1)),
		status: 400, msg: "Product 998 not found"},
	{name: "price list for an unknown customer", req: post(priceListsURL, strings.Replace(acmeContract, `[1]`, `[1,999]`, 1)), status: 400, msg: "Customer 999 not found"},
	{name: "price list for a deleted customer", setup: []request{del(custURL + "/4")}, req: post(priceListsURL, strings.Replace(acmeContract, `[1]`, `[4]`, 1)),
		status: 400, msg: "Customer 4 not found"},
	{name: "price list for customer 0", req: post(priceListsURL, strings.Replace(acmeContract, `[1]`, `[0,1]`, 1)), status: 400, msg: "Invalid customer ID"},
	{name: "price list entry for product 0", req: post(priceListsURL, withEntries(`{"product_id":0,"min_qty":1,"unit_price_cents":100}`)), status: 400,
		msg: "Invalid product ID"},
	{name: "price list break above the largest quantity", req: post(priceListsURL, withEntries(`{"product_id":2,"min_qty":1000001,"unit_price_cents":100}`)), status: 400,
		msg: "min_qty must be between 1 and 1000000"},
	{name: "price list absurd price", req: post(priceListsURL, withEntries(`{"product_id":2,"min_qty":1,"unit_price_cents":1e30}`)), status: 400,
		msg: "unit_price_cents must be between 0 and 2147483647"},
	{name: "price list without entries", req: post(priceListsURL, withEntries(``)), status: 400, msg: "A list has 1 to 10000 entries"},
	{name: "price list blank name", req: post(priceListsURL, strings.Replace(acmeContract, `"Acme contract 2025"`, `"   "`, 1)), status: 400, msg: "name is required"},
	{name: "price list long name", req: post(priceListsURL, strings.Replace(acmeContract, `"Acme contract 2025"`, `"`+strings.Repeat("n", 101)+`"`, 1)), status: 400,
		msg: "name must be at most 100 characters"},
	{name: "price list name with a control character", req: post(priceListsURL, strings.Replace(acmeContract, `"Acme contract 2025"`, `"Acme\u0007"`, 1)), status: 400,
		msg: "name must not contain control characters"},
	{name: "price list unknown status", req: post(priceListsURL, strings.Replace(acmeContract, `"currency":"USD"`, `"currency":"USD","status":"LIVE"`, 1)), status: 400,
		msg: "status must be DRAFT, ACTIVE or ARCHIVED"},
	{name: "price list unknown scope", req: post(priceListsURL, strings.Replace(acmeContract, `"currency":"USD"`, `"currency":"USD","scope":"SOME"`, 1)), status: 400,
		msg: "scope must be ALL or CUSTOMERS"},
	{name: "price list for all customers naming some", req: post(priceListsURL, strings.Replace(acmeContract, `"currency":"USD"`, `"currency":"USD","scope":"ALL"`, 1)),
		status: 400, msg: "A list for ALL customers names none"},
	{name: "price list for customers naming none", req: post(priceListsURL, strings.Replace(volumeList, `"ALL"`, `"CUSTOMERS"`, 1)), status: 400,
		msg: "A list for CUSTOMERS names 1 to 1000 customers"},
	{name: "price list ending before it starts", req: post(priceListsURL, strings.Replace(volumeList, `"2026-01-01T00:00:00Z"`, `"2025-01-01T00:00:00Z"`, 1)), status: 400,
		msg: "valid_to must be after valid_from"},
	{name: "price list start that is no time", req: post(priceListsURL, strings.Replace(volumeList, `"2025-01-01T00:00:00Z"`, `"2025-01-01"`, 1)), status: 400,
		msg: "valid_from must be an RFC 3339 time"},
	{name: "price list end that is no time", req: post(priceListsURL, strings.Replace(volumeList, `"2026-01-01T00:00:00Z"`, `"next year"`, 1)), status: 400,
		msg: "valid_to must be an RFC 3339 time"},
	{name: "price list priority above 1000", req: post(priceListsURL, strings.Replace(volumeList, `"priority":5`, `"priority":1001`, 1)), status: 400,
		msg: "priority must be between 0 and 1000"},
	{name: "price list rule with max below min", req: post(priceListsURL, strings.Replace(acmeContract, `"increment":12`, `"min":10,"max":5`, 1)), status: 400,
		msg: "max must be at least min"},
	{name: "price list rule with a negative bound", req: post(priceListsURL, strings.Replace(acmeContract, `"increment":12`, `"increment":-12`, 1)), status: 400,
		msg: "min, max and increment must be between 0 and 1000000"},
	{name: "price list two rules for one product", req: post(priceListsURL, strings.Replace(acmeContract, `"rules":[`, `"rules":[{"product_id":2,"min":1},`, 1)), status: 400,
		msg: "Product 2 has two rules"},
	{name: "price list without name", req: post(priceListsURL, `{"currency":"USD","entries":[]}`), status: 400, msg: "Required"},
	{name: "price list without currency", req: post(priceListsURL, `{"name":"X","entries":[]}`), status: 400, msg: "Required"},
	{name: "price list entry without price", req: post(priceListsURL, withEntries(`{"product_id":2,"min_qty":1}`)), status: 400, msg: "Required"},
	{name: "price list rule without product", req: post(priceListsURL, strings.Replace(acmeContract, `{"product_id":2,"increment":12}`, `{"increment":12}`, 1)),
		status: 400, msg: "Required"},
	{name: "price list name number", req: post(priceListsURL, `{"name":1,"currency":"USD","entries":[]}`), status: 400, msg: "Expected string, received number"},
	{name: "price list currency null", req: post(priceListsURL, `{"name":"X","currency":null,"entries":[]}`), status: 400, msg: "Expected string, received null"},
	{name: "price list priority string", req: post(priceListsURL, strings.Replace(volumeList, `"priority":5`, `"priority":"5"`, 1)), status: 400,
		msg: "Expected number, received string"},
	{name: "price list customer string", req: post(priceListsURL, strings.Replace(acmeContract, `[1]`, `["1"]`, 1)), status: 400, msg: "Expected number, received string"},
	{name: "price list fractional quantity", req: post(priceListsURL, withEntries(`{"product_id":2,"min_qty":1.5,"unit_price_cents":100}`)), status: 400,
		msg: "Expected integer, received float"},
	{name: "price list entries not array", req: post(priceListsURL, `{"name":"X","currency":"USD","entries":{"product_id":2}}`), status: 400,
		msg: "Expected array, received object"},
	{name: "price list entry not object", req: post(priceListsURL, withEntries(`2`)), status: 400, msg: "Expected object, received number"},
	{name: "price list rule not object", req: post(priceListsURL, strings.Replace(acmeContract, `"rules":[`, `"rules":[[2],`, 1)), status: 400,
		msg: "Expected object, received array"},
	{name: "price list malformed JSON", req: post(priceListsURL, `{"name":`), status: 400, msg: "Invalid JSON"},
	{name: "price list JSON array", req: post(priceListsURL, `[]`), status: 400, msg: "Expected object, received array"},
	{name: "price list body over 1 MiB", req: post(priceListsURL, `{"name":"`+strings.Repeat("x", 1<<20)+`"}`), status: 413, msg: "Request entity too large"},
	{name: "price list replace body over 1 MiB", setup: []request{acme}, req: put(priceList1, `{"name":"`+strings.Repeat("x", 1<<20)+`"}`), status: 413,
		msg: "Request entity too large"},
	{name: "price list as a form", req: post(priceListsURL, `name=X`).with("Content-Type", "application/x-www-form-urlencoded"), status: 415,
		msg: "Content-Type must be application/json"},
	{name: "price list replace as text", setup: []request{acme}, req: put(priceList1, acmeContract).with("Content-Type", "text/plain"), status: 415,
		msg: "Content-Type must be application/json"},

	// Without credentials.
	{name: "price lists without token", req: as(get(priceListsURL), ""), status: 401, msg: "Authentication required"},
	{name: "price list create without token", req: as(acme, ""), status: 401, msg: "Authentication required"},
	{name: "price list get without token", req: as(get(priceList1), ""), status: 401, msg: "Authentication required"},
	{name: "price list replace without token", req: as(put(priceList1, acmeContract), ""), status: 401, msg: "Authentication required"},
	{name: "price list delete without token", req: as(del(priceList1), ""), status: 401, msg: "Authentication required"},
	{name: "prices without token", req: as(get(pricesURL+"?customer_id=1&product_ids=2"), ""), status: 401, msg: "Authentication required"},

	// A customer's prices: its own, or any customer's to staff.
	{name: "prices of a customer with a contract", setup: []request{acme, volume}, req: get(pricesURL + "?customer_id=1&product_ids=2,4,9,1"), status: 200},
	{name: "prices of a customer without one", setup: []request{acme, volume}, req: get(pricesURL + "?customer_id=2&product_ids=2,4,9,1"), status: 200},
	{name: "prices without lists", req: get(pricesURL + "?customer_id=1&product_ids=2,9"), status: 200},
	{name: "prices by the customer", setup: []request{acme}, req: as(get(pricesURL+"?product_ids=2,9"), customerTokenOf+"1"), status: 200},
	{name: "prices by a member naming its customer", setup: []request{acme}, req: as(get(pricesURL+"?customer_id=1&product_ids=2"), buyerOf1), status: 200},
	{name: "prices by staff", setup: []request{acme}, req: as(get(pricesURL+"?customer_id=1&product_ids=2"), staffToken), status: 200},
	{name: "prices with the product's rule", setup: []request{acme, mousepadRule}, req: get(pricesURL + "?customer_id=2&product_ids=9,9"), status: 200},
	{name: "prices with a rule from a later break", setup: []request{post(priceListsURL, strings.Replace(volumeList, `]}`, `],"rules":[{"product_id":4,"increment":5}]}`, 1))},
		req: get(pricesURL + "?customer_id=1&product_ids=4"), status: 200},
	{name: "prices of a draft list", setup: []request{post(priceListsURL, strings.Replace(acmeContract, `"currency":"USD"`, `"currency":"USD","status":"DRAFT"`, 1))},
		req: get(pricesURL + "?customer_id=1&product_ids=2"), status: 200},
	{name: "prices of another customer", setup: []request{acme}, req: as(get(pricesURL+"?customer_id=2&product_ids=2"), customerTokenOf+"1"), status: 404,
		msg: "Customer not found"},
	{name: "prices of another customer by a member", req: as(get(pricesURL+"?customer_id=1&product_ids=2"), adminOf2), status: 404, msg: "Customer not found"},
	{name: "prices of an unknown customer", req: get(pricesURL + "?customer_id=999&product_ids=2"), status: 404, msg: "Customer not found"},
	{name: "prices of a deleted customer", setup: []request{del(custURL + "/4")}, req: as(get(pricesURL+"?customer_id=4&product_ids=2"), staffToken), status: 404,
		msg: "Customer not found"},
	{name: "prices of unknown products", req: get(pricesURL + "?customer_id=1&product_ids=999,2,998"), status: 404, msg: "Products not found: 999, 998"},
	{name: "prices of product 0", req: get(pricesURL + "?customer_id=1&product_ids=2,0"), status: 400, msg: "Invalid product ID"},
	{name: "prices of a product that is no number", req: get(pricesURL + "?customer_id=1&product_ids=2,x"), status: 400, msg: "Invalid product ID"},
	{name: "prices of 101 products", req: get(pricesURL + "?customer_id=1&product_ids=" + strings.Repeat("1,", 100) + "1"), status: 400,
		msg: "Give 1 to 100 product ids"},
	{name: "prices without products", req: get(pricesURL + "?customer_id=1"), status: 400, msg: "Invalid query parameters"},
	{name: "prices with empty products", req: get(pricesURL + "?customer_id=1&product_ids="), status: 400, msg: "Invalid query parameters"},
	{name: "prices with repeated products", req: get(pricesURL + "?customer_id=1&product_ids=1&product_ids=2"), status: 400, msg: "Invalid query parameters"},
	{name: "prices without a customer by staff", req: get(pricesURL + "?product_ids=1"), status: 400, msg: "customer_id is required: the caller acts for no customer"},
	{name: "prices of customer 0", req: get(pricesURL + "?customer_id=0&product_ids=1"), status: 400, msg: "Invalid customer ID"},
	{name: "prices of a customer that is no number", req: get(pricesURL + "?customer_id=acme&product_ids=1"), status: 400, msg: "Invalid customer ID"},
	{name: "prices with a bad query string", req: get(pricesURL + "?customer_id=1&product_ids=%zz"), status: 400, msg: "Invalid query parameters"},

	// Orders take the contract price, frozen with its list and break.
	{name: "order at a contract price", setup: []request{acme}, req: acmeBuy, status: 201},
	{name: "order at a contract price read", setup: []request{acme, acmeBuy}, req: as(get(ordersURL+"/5"), customerTokenOf+"1"), status: 200},
	{name: "order at a contract price after the list changed", setup: []request{acme, acmeBuy,
		put(priceList1, strings.Replace(acmeContract, `2199`, `1000`, 1))}, req: get(ordersURL + "/5"), status: 200},
	{name: "order at a contract price after the list was deleted", setup: []request{acme, acmeBuy, del(priceList1)}, req: get(ordersURL + "/5"), status: 200},
	{name: "order confirmed at a contract price", setup: []request{acme, acmeBuy}, req: as(post(ordersURL+"/5/confirm", confirmK1), customerTokenOf+"1"), status: 200},
	{name: "order at a contract price listed", setup: []request{acme, acmeBuy}, req: get(ordersURL + "?cursor=4"), status: 200},
	{name: "order at the price after a replace", setup: []request{acme, put(priceList1, strings.Replace(acmeContract, `2199`, `1000`, 1))}, req: acmeBuy, status: 201},
	{name: "order at the product's price after a delete", setup: []request{acme, del(priceList1)}, req: acmeBuy, status: 201},
	{name: "order at a volume price", setup: []request{acme, volume}, req: post(ordersURL, `{"customer_id":2,"items":[{"product_id":4,"qty":10},{"product_id":2,"qty":3}]}`),
		status: 201},
	{name: "order below the volume break", setup: []request{volume}, req: post(ordersURL, `{"customer_id":2,"items":[{"product_id":4,"qty":9}]}`), status: 201},
	{name: "order outside the contract's rule", setup: []request{acme}, req: as(post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":3}]}`), customerTokenOf+"1"),
		status: 400, msg: "Product 2: order in multiples of 12"},
	{name: "order by another customer outside the contract's rule", setup: []request{acme}, req: post(ordersURL, `{"customer_id":2,"items":[{"product_id":2,"qty":3}]}`),
		status: 201},
	{name: "order below the product's minimum", setup: []request{mousepadRule}, req: post(ordersURL, `{"customer_id":2,"items":[{"product_id":9,"qty":2}]}`), status: 400,
		msg: "Product 9: order at least 5"},
	{name: "order above the product's maximum", setup: []request{mousepadRule}, req: post(ordersURL, `{"customer_id":2,"items":[{"product_id":9,"qty":55}]}`), status: 400,
		msg: "Product 9: order at most 50"},
	{name: "order within the product's rule", setup: []request{mousepadRule}, req: post(ordersURL, `{"customer_id":2,"items":[{"product_id":9,"qty":10}]}`), status: 201},
	// The contract prices customer 1's mousepads without a rule, so the
	// product's rule binds them still.
	{name: "order at a contract price below the product's minimum", setup: []request{acme, mousepadRule}, req: acmeBuy, status: 400, msg: "Product 9: order at least 5"},

	// A product's own quantity rule.
	{name: "product quantity rule set", req: mousepadRule, status: 200},
	{name: "product quantity rule with other fields", req: patch(products+"/9", `{"price_cents":1899,"quantity_rule":{"increment":12}}`), status: 200},
	{name: "product quantity rule removed with null", setup: []request{mousepadRule}, req: patch(products+"/9", `{"quantity_rule":null}`), status: 200},
	{name: "product quantity rule removed with zeros", setup: []request{mousepadRule}, req: patch(products+"/9", `{"quantity_rule":{"min":0,"max":0,"increment":0}}`),
		status: 200},
	{name: "product quantity rule replaced whole", setup: []request{mousepadRule}, req: patch(products+"/9", `{"quantity_rule":{"max":20}}`), status: 200},
	{name: "product quantity rule ignores unknown fields", req: patch(products+"/9", `{"quantity_rule":{"min":2,"step":3}}`), status: 200},
	{name: "product with a quantity rule", setup: []request{mousepadRule}, req: get(products + "/9"), status: 200},
	{name: "products with a quantity rule", setup: []request{mousepadRule}, req: get(products + "?cursor=7&limit=3"), status: 200},
	{name: "product quantity rule with a negative bound", req: patch(products+"/9", `{"quantity_rule":{"min":-1}}`), status: 400,
		msg: "min, max and increment must be between 0 and 1000000"},
	{name: "product quantity rule above the largest quantity", req: patch(products+"/9", `{"quantity_rule":{"increment":1000001}}`), status: 400,
		msg: "min, max and increment must be between 0 and 1000000"},
	{name: "product quantity rule with max below min", req: patch(products+"/9", `{"quantity_rule":{"min":10,"max":5}}`), status: 400, msg: "max must be at least min"},
	{name: "product quantity rule string", req: patch(products+"/9", `{"quantity_rule":"12"}`), status: 400, msg: "Expected object, received string"},
	{name: "product quantity rule array", req: patch(products+"/9", `{"quantity_rule":[12]}`), status: 400, msg: "Expected object, received array"},
	{name: "product quantity rule string bound", req: patch(products+"/9", `{"quantity_rule":{"increment":"12"}}`), status: 400, msg: "Expected number, received string"},
	{name: "product quantity rule fractional bound", req: patch(products+"/9", `{"quantity_rule":{"min":1.5}}`), status: 400, msg: "Expected integer, received float"},
	{name: "product quantity rule after a bad price", req: patch(products+"/9", `{"price_cents":"1","quantity_rule":{"min":"x"}}`), status: 400,
		msg: "Expected number, received string"},
	{name: "product quantity rule by a customer", req: as(mousepadRule, customerTokenOf+"1"), status: 403, msg: "Permission denied"},
	{name: "product quantity rule of an unknown product", req: patch(products+"/999", `{"quantity_rule":null}`), status: 404, msg: "Product not found"},
}

func TestContractPricing(t *testing.T) { runContract(t, inProcess, "pricing", pricingCases) }
