package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

func get(path string) request { return request{method: http.MethodGet, path: path} }
func del(path string) request { return request{method: http.MethodDelete, path: path} }
func post(path, body string) request {
	return request{method: http.MethodPost, path: path, body: body}
}
func put(path, body string) request {
	return request{method: http.MethodPut, path: path, body: body}
}
func patch(path, body string) request {
	return request{method: http.MethodPatch, path: path, body: body}
}

// with returns rq with a header added.
func (rq request) with(name, value string) request {
	h := map[string]string{}
	for k, v := range rq.header {
		h[k] = v
	}
	h[name] = value
	rq.header = h
	return rq
}

// contractCase is one row of CONTRACT.md exercised over HTTP: setup
// requests that must succeed, then the request whose answer is checked
// against the status, the exact error message (for errors) and a golden
// file.
type contractCase struct {
	name   string
	setup  []request
	req    request
	status int
	msg    string
	// noGolden skips the golden file (the OpenAPI documents are their own).
	noGolden bool
	// prepare, when set, runs after setup: for a state no route makes
	// (an order placed through the orchestrator's create-and-confirm).
	prepare func(t testing.TB, e *env)
}

const (
	v1        = "/api/v1"
	custURL   = v1 + "/customers"
	products  = v1 + "/products"
	ordersURL = v1 + "/orders"
	internal  = v1 + "/internal/customers"
)

var (
	long256   = strings.Repeat("é", 256)
	long255   = strings.Repeat("é", 255)
	newCust   = `{"name":"Example Corp","email":"orders@example.com","phone":"+1-555-0123"}`
	newProd   = `{"sku":"PROD-001","name":"Sample Product","price_cents":10000,"stock":100}`
	serviceAu = "Bearer " + testServiceToken
)

var customerCases = []contractCase{
	{name: "create", req: post(custURL, newCust), status: 201},
	{name: "create without phone", req: post(custURL, `{"name":"No Phone","email":"np@example.com"}`), status: 201},
	{name: "create with 255 characters", req: post(custURL, `{"name":"`+long255+`","email":"long@example.com"}`), status: 201},
	{name: "create ignores unknown fields", req: post(custURL, `{"name":"X","email":"x@example.com","id":99,"created_at":"1999-01-01"}`), status: 201},
	{name: "create empty body", req: post(custURL, ``), status: 400, msg: "Required"},
	{name: "create empty object", req: post(custURL, `{}`), status: 400, msg: "Required"},
	{name: "create without email", req: post(custURL, `{"name":"A"}`), status: 400, msg: "Required"},
	{name: "create empty name", req: post(custURL, `{"name":"","email":"a@b.co"}`), status: 400, msg: "Name is required"},
	{name: "create long name", req: post(custURL, `{"name":"`+long256+`","email":"a@b.co"}`), status: 400, msg: "Name must be less than 255 characters"},
	{name: "create bad email", req: post(custURL, `{"name":"A","email":"nope"}`), status: 400, msg: "Invalid email format"},
	{name: "create long email", req: post(custURL, `{"name":"A","email":"`+strings.Repeat("a", 250)+`@b.com"}`), status: 400, msg: "Email must be less than 255 characters"},
	{name: "create long phone", req: post(custURL, `{"name":"A","email":"a@b.co","phone":"`+strings.Repeat("1", 51)+`"}`), status: 400, msg: "Phone must be less than 50 characters"},
	{name: "create name number", req: post(custURL, `{"name":123,"email":"a@b.co"}`), status: 400, msg: "Expected string, received number"},
	{name: "create email null", req: post(custURL, `{"name":"A","email":null}`), status: 400, msg: "Expected string, received null"},
	{name: "create phone bool", req: post(custURL, `{"name":"A","email":"a@b.co","phone":true}`), status: 400, msg: "Expected string, received boolean"},
	{name: "create malformed JSON", req: post(custURL, `{"name":"A",`), status: 400, msg: "Invalid JSON"},
	{name: "create JSON scalar", req: post(custURL, `"name"`), status: 400, msg: "Invalid JSON"},
	{name: "create JSON array", req: post(custURL, `[]`), status: 400, msg: "Expected object, received array"},
	{name: "create body over 1 MiB", req: post(custURL, `{"name":"`+strings.Repeat("a", 1<<20)+`"}`), status: 413, msg: "Request entity too large"},
	{name: "create duplicate email", req: post(custURL, `{"name":"Again","email":"ops@acme.com"}`), status: 409, msg: "Email already exists"},

	{name: "get", req: get(custURL + "/1"), status: 200},
	{name: "get unknown", req: get(custURL + "/999"), status: 404, msg: "Customer not found"},
	{name: "get non-numeric id", req: get(custURL + "/abc"), status: 400, msg: "Invalid customer ID"},
	{name: "get id 0", req: get(custURL + "/0"), status: 400, msg: "Invalid customer ID"},
	{name: "get negative id", req: get(custURL + "/-1"), status: 400, msg: "Invalid customer ID"},
	{name: "get fractional id", req: get(custURL + "/1.5"), status: 400, msg: "Invalid customer ID"},
	{name: "get huge id", req: get(custURL + "/99999999999999999999"), status: 400, msg: "Invalid customer ID"},
	{name: "get trailing slash", req: get(custURL + "/1/"), status: 200},

	{name: "list", req: get(custURL), status: 200},
	{name: "list README example", req: get(custURL + "?limit=10&cursor=0"), status: 200},
	{name: "list page 1", req: get(custURL + "?limit=2"), status: 200},
	{name: "list page 2", req: get(custURL + "?limit=2&cursor=2"), status: 200},
	{name: "list last page", req: get(custURL + "?limit=2&cursor=4"), status: 200},
	{name: "list empty page", req: get(custURL + "?cursor=5"), status: 200},
	{name: "list search name", req: get(custURL + "?search=Tech"), status: 200},
	{name: "list search ignores case", req: get(custURL + "?search=acme"), status: 200},
	{name: "list search email", req: get(custURL + "?search=globalind"), status: 200},
	{name: "list search nothing", req: get(custURL + "?search=zzz"), status: 200},
	{name: "list limit non-numeric", req: get(custURL + "?limit=abc"), status: 200},
	{name: "list limit 0", req: get(custURL + "?limit=0"), status: 200},
	{name: "list limit over 100", req: get(custURL + "?limit=500"), status: 200},
	{name: "list repeated limit", req: get(custURL + "?limit=1&limit=2"), status: 400, msg: "Invalid query parameters"},
	{name: "list repeated search", req: get(custURL + "?search=a&search=b"), status: 400, msg: "Invalid query parameters"},
	{name: "list long search", req: get(custURL + "?search=" + strings.Repeat("a", 256)), status: 400, msg: "Invalid query parameters"},
	{name: "list bad query string", req: get(custURL + "?search=%zz"), status: 400, msg: "Invalid query parameters"},
	{name: "list excludes deleted", setup: []request{del(custURL + "/2")}, req: get(custURL), status: 200},

	{name: "update name", req: put(custURL+"/1", `{"name":"ACME Corporation Updated"}`), status: 200},
	{name: "update all", req: put(custURL+"/1", `{"name":"N","email":"new@acme.com","phone":"+1"}`), status: 200},
	{name: "update nothing", req: put(custURL+"/1", `{}`), status: 400, msg: "At least one field must be provided for update"},
	{name: "update bad email", req: put(custURL+"/1", `{"email":"bad"}`), status: 400, msg: "Invalid email format"},
	{name: "update empty name", req: put(custURL+"/1", `{"name":""}`), status: 400, msg: "Name is required"},
	{name: "update phone number", req: put(custURL+"/1", `{"phone":5550101}`), status: 400, msg: "Expected string, received number"},
	{name: "update taken email", req: put(custURL+"/1", `{"email":"procurement@techstart.com"}`), status: 409, msg: "Email already exists"},
	{name: "update with unchanged values", req: put(custURL+"/1", `{"email":"ops@acme.com"}`), status: 200},
	{name: "update unknown", req: put(custURL+"/999", `{"name":"X"}`), status: 404, msg: "Customer not found"},
	{name: "update bad id", req: put(custURL+"/x", `{"name":"X"}`), status: 400, msg: "Invalid customer ID"},
	{name: "update malformed JSON", req: put(custURL+"/1", `{name:1}`), status: 400, msg: "Invalid JSON"},

	{name: "delete", req: del(custURL + "/5"), status: 204},
	{name: "delete again", setup: []request{del(custURL + "/5")}, req: del(custURL + "/5"), status: 404, msg: "Customer not found"},
	{name: "get deleted", setup: []request{del(custURL + "/5")}, req: get(custURL + "/5"), status: 404, msg: "Customer not found"},
	{name: "update deleted", setup: []request{del(custURL + "/5")}, req: put(custURL+"/5", `{"name":"X"}`), status: 404, msg: "Customer not found"},
	{name: "email of deleted is free", setup: []request{del(custURL + "/5")}, req: post(custURL, `{"name":"Back","email":"purchasing@nextgen.com"}`), status: 201},
	{name: "delete unknown", req: del(custURL + "/999"), status: 404, msg: "Customer not found"},
	{name: "delete bad id", req: del(custURL + "/0"), status: 400, msg: "Invalid customer ID"},

	{name: "internal", req: get(internal+"/1").with("Authorization", serviceAu), status: 200},
	{name: "internal unknown", req: get(internal+"/999").with("Authorization", serviceAu), status: 404, msg: "Customer not found"},
	{name: "internal deleted", setup: []request{del(custURL + "/3")}, req: get(internal+"/3").with("Authorization", serviceAu), status: 404, msg: "Customer not found"},
	{name: "internal bad id", req: get(internal+"/abc").with("Authorization", serviceAu), status: 400, msg: "Invalid customer ID"},
	{name: "internal without token", req: get(internal+"/1").with("Authorization", ""), status: 401, msg: "Service token required"},
	{name: "internal not bearer", req: get(internal+"/1").with("Authorization", "Basic "+testServiceToken), status: 401, msg: "Service token required"},
	{name: "internal wrong token", req: get(internal+"/1").with("Authorization", "Bearer wrong"), status: 403, msg: "Invalid service token"},
	{name: "internal with user token", req: get(internal + "/1"), status: 403, msg: "Invalid service token"},
	{name: "internal batch", setup: []request{del(custURL + "/3")}, req: get(internal+"?ids=1,3,999,1").with("Authorization", serviceAu), status: 200},
	{name: "internal batch without ids", req: get(internal).with("Authorization", serviceAu), status: 400, msg: "Invalid query parameters"},
	{name: "internal batch bad id", req: get(internal+"?ids=1,x").with("Authorization", serviceAu), status: 400, msg: "Invalid customer ID"},
	{name: "internal batch without token", req: get(internal+"?ids=1").with("Authorization", ""), status: 401, msg: "Service token required"},
	{name: "internal batch with user token", req: get(internal + "?ids=1"), status: 403, msg: "Invalid service token"},
}

var productCases = []contractCase{
	{name: "create", req: post(products, newProd), status: 201},
	{name: "create without stock", req: post(products, `{"sku":"S-1","name":"No Stock","price_cents":100}`), status: 201},
	{name: "create whole float", req: post(products, `{"sku":"S-2","name":"Whole","price_cents":100.0,"stock":1e1}`), status: 201},
	{name: "create empty object", req: post(products, `{}`), status: 400, msg: "Required"},
	{name: "create without price", req: post(products, `{"sku":"S","name":"N"}`), status: 400, msg: "Required"},
	{name: "create empty sku", req: post(products, `{"sku":"","name":"N","price_cents":1}`), status: 400, msg: "SKU is required"},
	{name: "create empty name", req: post(products, `{"sku":"S","name":"","price_cents":1}`), status: 400, msg: "Name is required"},
	{name: "create negative price", req: post(products, `{"sku":"S","name":"N","price_cents":-1}`), status: 400, msg: "Price must be non-negative"},
	{name: "create negative stock", req: post(products, `{"sku":"S","name":"N","price_cents":1,"stock":-1}`), status: 400, msg: "Stock must be non-negative"},
	{name: "create fractional price", req: post(products, `{"sku":"S","name":"N","price_cents":1.5}`), status: 400, msg: "Expected integer, received float"},
	{name: "create fractional stock", req: post(products, `{"sku":"S","name":"N","price_cents":1,"stock":0.5}`), status: 400, msg: "Expected integer, received float"},
	{name: "create string price", req: post(products, `{"sku":"S","name":"N","price_cents":"100"}`), status: 400, msg: "Expected number, received string"},
	{name: "create sku number", req: post(products, `{"sku":1,"name":"N","price_cents":1}`), status: 400, msg: "Expected string, received number"},
	{name: "create huge price", req: post(products, `{"sku":"S","name":"N","price_cents":1e30}`), status: 400, msg: "Price must be at most 2147483647"},
	{name: "create duplicate sku", req: post(products, `{"sku":"LAPTOP-001","name":"Again","price_cents":1}`), status: 409, msg: "SKU already exists"},
	{name: "create malformed JSON", req: post(products, `{"sku":`), status: 400, msg: "Invalid JSON"},

	{name: "get", req: get(products + "/1"), status: 200},
	{name: "get unknown", req: get(products + "/999"), status: 404, msg: "Product not found"},
	{name: "get bad id", req: get(products + "/abc"), status: 400, msg: "Invalid product ID"},
	{name: "get id 0", req: get(products + "/0"), status: 400, msg: "Invalid product ID"},

	{name: "list", req: get(products), status: 200},
	{name: "list page 2", req: get(products + "?limit=3&cursor=3"), status: 200},
	{name: "list search", req: get(products + "?search=Mouse"), status: 200},
	{name: "list search ignores case", req: get(products + "?search=mouse"), status: 200},
	{name: "list search sku", req: get(products + "?search=CABLE"), status: 200},
	{name: "list search with cursor", req: get(products + "?search=Laptop&cursor=1"), status: 200},
	{name: "list empty page", req: get(products + "?cursor=10"), status: 200},
	{name: "list repeated cursor", req: get(products + "?cursor=1&cursor=2"), status: 400, msg: "Invalid query parameters"},
	{name: "list long search", req: get(products + "?search=" + strings.Repeat("x", 256)), status: 400, msg: "Invalid query parameters"},

	{name: "update price", req: patch(products+"/1", `{"price_cents":139900}`), status: 200},
	{name: "update all", req: patch(products+"/1", `{"sku":"LAPTOP-002","name":"Updated Laptop Name","price_cents":139900,"stock":75}`), status: 200},
	{name: "update nothing", req: patch(products+"/1", `{}`), status: 400, msg: "At least one field must be provided for update"},
	{name: "update negative stock", req: patch(products+"/1", `{"stock":-1}`), status: 400, msg: "Stock must be non-negative"},
	{name: "update string stock", req: patch(products+"/1", `{"stock":"5"}`), status: 400, msg: "Expected number, received string"},
	{name: "update taken sku", req: patch(products+"/1", `{"sku":"MOUSE-001"}`), status: 409, msg: "SKU already exists"},
	{name: "update unknown", req: patch(products+"/999", `{"name":"X"}`), status: 404, msg: "Product not found"},
	{name: "update bad id", req: patch(products+"/-3", `{"name":"X"}`), status: 400, msg: "Invalid product ID"},
}

const (
	order1Line = `{"customer_id":1,"items":[{"product_id":2,"qty":3}]}`
	confirmK1  = `{"idempotency_key":"k1"}`
)

var orderCases = []contractCase{
	{name: "create", req: post(ordersURL, order1Line), status: 201},
	{name: "create README example", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":2}]}`), status: 201},
	{name: "create merges lines", req: post(ordersURL, `{"customer_id":2,"items":[{"product_id":3,"qty":1},{"product_id":1,"qty":1},{"product_id":3,"qty":2}]}`), status: 201},
	{name: "create uses current price", setup: []request{patch(products+"/2", `{"price_cents":3000}`)}, req: post(ordersURL, order1Line), status: 201},
	{name: "create empty object", req: post(ordersURL, `{}`), status: 400, msg: "Required"},
	{name: "create without items", req: post(ordersURL, `{"customer_id":1}`), status: 400, msg: "Required"},
	{name: "create no items", req: post(ordersURL, `{"customer_id":1,"items":[]}`), status: 400, msg: "At least one item is required"},
	{name: "create qty 0", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":0}]}`), status: 400, msg: "Quantity must be at least 1"},
	{name: "create string customer", req: post(ordersURL, `{"customer_id":"1","items":[{"product_id":1,"qty":1}]}`), status: 400, msg: "Expected number, received string"},
	{name: "create string qty", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":"2"}]}`), status: 400, msg: "Expected number, received string"},
	{name: "create fractional qty", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":1.5}]}`), status: 400, msg: "Expected integer, received float"},
	{name: "create item without qty", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":1}]}`), status: 400, msg: "Required"},
	{name: "create item not object", req: post(ordersURL, `{"customer_id":1,"items":[1]}`), status: 400, msg: "Expected object, received number"},
	{name: "create items not array", req: post(ordersURL, `{"customer_id":1,"items":{"product_id":1,"qty":1}}`), status: 400, msg: "Expected array, received object"},
	{name: "create unknown customer", req: post(ordersURL, `{"customer_id":999,"items":[{"product_id":1,"qty":1}]}`), status: 404, msg: "Customer not found or inactive"},
	{name: "create deleted customer", setup: []request{del(custURL + "/4")}, req: post(ordersURL, `{"customer_id":4,"items":[{"product_id":1,"qty":1}]}`), status: 404, msg: "Customer not found or inactive"},
	{name: "create unknown products", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":999,"qty":1},{"product_id":1,"qty":1},{"product_id":998,"qty":1}]}`), status: 404, msg: "Products not found: 999, 998"},
	{name: "create insufficient stock", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":4,"qty":1000}]}`), status: 400, msg: "Insufficient stock for product 27-inch Monitor. Available: 30, Requested: 1000"},
	{name: "create insufficient after merge", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":4,"qty":20},{"product_id":4,"qty":11}]}`), status: 400, msg: "Insufficient stock for product 27-inch Monitor. Available: 30, Requested: 31"},
	{name: "create malformed JSON", req: post(ordersURL, `{"customer_id":1,"items":[}`), status: 400, msg: "Invalid JSON"},

	{name: "get", req: get(ordersURL + "/1"), status: 200},
	{name: "get created", setup: []request{post(ordersURL, order1Line)}, req: get(ordersURL + "/5"), status: 200},
	{name: "get keeps price snapshot", setup: []request{post(ordersURL, order1Line), patch(products+"/2", `{"price_cents":3000,"name":"Renamed Mouse"}`)}, req: get(ordersURL + "/5"), status: 200},
	{name: "get order of deleted customer", setup: []request{del(custURL + "/1")}, req: get(ordersURL + "/1"), status: 200},
	{name: "get unknown", req: get(ordersURL + "/999"), status: 404, msg: "Order not found"},
	{name: "get bad id", req: get(ordersURL + "/abc"), status: 400, msg: "Invalid order ID"},

	{name: "list", req: get(ordersURL), status: 200},
	{name: "list page", req: get(ordersURL + "?limit=1&cursor=1"), status: 200},
	{name: "list status", req: get(ordersURL + "?status=CONFIRMED"), status: 200},
	{name: "list from to", req: get(ordersURL + "?from=2024-01-01T15:00:00Z&to=2024-01-01T15:30:00Z"), status: 200},
	{name: "list from with offset", req: get(ordersURL + "?from=2024-01-01T16:40:00%2B01:00"), status: 200},
	{name: "list created today", setup: []request{post(ordersURL, order1Line)}, req: get(ordersURL + "?from=2025-01-01T00:00:00Z"), status: 200},
	{name: "list empty page", req: get(ordersURL + "?status=CREATED&cursor=2"), status: 200},
	{name: "list bad status", req: get(ordersURL + "?status=SHIPPED"), status: 400, msg: "Invalid query parameters"},
	{name: "list lower-case status", req: get(ordersURL + "?status=created"), status: 400, msg: "Invalid query parameters"},
	{name: "list bad from", req: get(ordersURL + "?from=yesterday"), status: 400, msg: "Invalid query parameters"},
	{name: "list date without time", req: get(ordersURL + "?to=2024-01-01"), status: 400, msg: "Invalid query parameters"},
	{name: "list repeated status", req: get(ordersURL + "?status=CREATED&status=CANCELED"), status: 400, msg: "Invalid query parameters"},

	{name: "confirm body key", req: post(ordersURL+"/2/confirm", confirmK1), status: 200},
	{name: "confirm header key", req: post(ordersURL+"/2/confirm", ``).with("X-Idempotency-Key", "k1"), status: 200},
	{name: "confirm same key again", setup: []request{post(ordersURL+"/2/confirm", confirmK1)}, req: post(ordersURL+"/2/confirm", confirmK1), status: 200},
	{name: "confirm confirmed with new key", req: post(ordersURL+"/1/confirm", `{"idempotency_key":"unique-key-123"}`), status: 200},
	// The seed's keys expired in 2024: they count as new.
	{name: "confirm with expired seed key", req: post(ordersURL+"/2/confirm", `{"idempotency_key":"order-confirm-001"}`), status: 200},
	{name: "confirm key of other order", setup: []request{post(ordersURL+"/2/confirm", confirmK1)}, req: post(ordersURL+"/1/confirm", confirmK1), status: 400, msg: "Idempotency key already used for different operation"},
	{name: "confirm body wins over header", setup: []request{post(ordersURL+"/2/confirm", confirmK1).with("X-Idempotency-Key", "k2")}, req: post(ordersURL+"/1/confirm", `{"idempotency_key":"k2"}`), status: 200},
	{name: "confirm without key", req: post(ordersURL+"/2/confirm", `{}`), status: 400, msg: "Required"},
	{name: "confirm without body", req: post(ordersURL+"/2/confirm", ``), status: 400, msg: "Required"},
	{name: "confirm empty key", req: post(ordersURL+"/2/confirm", `{"idempotency_key":""}`), status: 400, msg: "Idempotency key is required"},
	{name: "confirm empty header key", req: post(ordersURL+"/2/confirm", ``).with("X-Idempotency-Key", ""), status: 400, msg: "Idempotency key is required"},
	{name: "confirm number key", req: post(ordersURL+"/2/confirm", `{"idempotency_key":123}`), status: 400, msg: "Expected string, received number"},
	{name: "confirm canceled", req: post(ordersURL+"/4/confirm", confirmK1), status: 400, msg: "Order cannot be confirmed. Current status: CANCELED"},
	{name: "confirm unknown", req: post(ordersURL+"/999/confirm", confirmK1), status: 404, msg: "Order not found"},
	{name: "confirm bad id", req: post(ordersURL+"/abc/confirm", confirmK1), status: 400, msg: "Invalid order ID"},
	{name: "confirm malformed JSON", req: post(ordersURL+"/2/confirm", `{"idempotency_key":`), status: 400, msg: "Invalid JSON"},

	{name: "cancel created", req: post(ordersURL+"/2/cancel", ``), status: 200},
	{name: "cancel with reason", req: post(ordersURL+"/2/cancel", `{"reason":"Customer requested cancellation"}`), status: 200},
	{name: "cancel canceled", req: post(ordersURL+"/4/cancel", ``), status: 200},
	{name: "cancel twice", setup: []request{post(ordersURL+"/2/cancel", ``)}, req: post(ordersURL+"/2/cancel", ``), status: 200},
	{name: "cancel new confirmed", setup: []request{post(ordersURL, order1Line), post(ordersURL+"/5/confirm", confirmK1)}, req: post(ordersURL+"/5/cancel", ``), status: 200},
	{name: "cancel old confirmed", req: post(ordersURL+"/1/cancel", ``), status: 400, msg: "Confirmed orders can only be canceled within 10 minutes of creation"},
	{name: "cancel unknown", req: post(ordersURL+"/999/cancel", ``), status: 404, msg: "Order not found"},
	{name: "cancel bad id", req: post(ordersURL+"/0/cancel", ``), status: 400, msg: "Invalid order ID"},
	{name: "cancel malformed JSON", req: post(ordersURL+"/2/cancel", `nope`), status: 400, msg: "Invalid JSON"},
	{name: "create under a key", req: post(ordersURL, order1Line).with("Idempotency-Key", "c-1"), status: 201},
	{name: "create retried under its key", setup: []request{post(ordersURL, order1Line).with("Idempotency-Key", "c-1")},
		req: post(ordersURL, order1Line).with("Idempotency-Key", "c-1"), status: 201},
	{name: "create under a body key", setup: []request{post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":"c-3"}`)},
		req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":"c-3"}`).with("Idempotency-Key", "other"), status: 201},
	{name: "create under an empty body key", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":3}],"idempotency_key":""}`), status: 400, msg: "Idempotency key is required"},
	{name: "create under another request's key", setup: []request{post(ordersURL, order1Line).with("X-Idempotency-Key", "c-2")},
		req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":9}]}`).with("Idempotency-Key", "c-2"), status: 400, msg: "Idempotency key already used for a different request"},
}

// notJSON: every write refuses a body that is not declared JSON, the kind
// a web page can send to another site without a preflight.
var notJSONCases = []contractCase{
	{name: "create customer as a form", req: post(custURL, `name=A&email=a%40example.com`).with("Content-Type", "application/x-www-form-urlencoded"), status: 415, msg: "Content-Type must be application/json"},
	{name: "update customer as text", req: put(custURL+"/1", `{"name":"A"}`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
	{name: "create product as multipart", req: post(products, "--x--").with("Content-Type", "multipart/form-data; boundary=x"), status: 415, msg: "Content-Type must be application/json"},
	{name: "update product as text", req: patch(products+"/1", `{"stock":1}`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
	{name: "create order as text", req: post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":1}]}`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
	{name: "confirm as a form", req: post(ordersURL+"/2/confirm", `idempotency_key=k`).with("Content-Type", "application/x-www-form-urlencoded"), status: 415, msg: "Content-Type must be application/json"},
	{name: "cancel as text", req: post(ordersURL+"/2/cancel", `x`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
	{name: "create webhook as a form", req: post(webhooksURL, `url=x`).with("Content-Type", "application/x-www-form-urlencoded"), status: 415, msg: "Content-Type must be application/json"},
	{name: "update webhook as text", req: patch(webhooksURL+"/1", `{"enabled":true}`).with("Content-Type", "text/plain"), status: 415, msg: "Content-Type must be application/json"},
}

var routingCases = []contractCase{
	{name: "unknown route", req: get(v1 + "/nope"), status: 404, msg: "Endpoint not found"},
	{name: "api root", req: get(v1), status: 404, msg: "Endpoint not found"},
	{name: "outside api", req: get("/nope"), status: 404, msg: "Endpoint not found"},
	{name: "too deep", req: get(custURL + "/1/orders"), status: 404, msg: "Endpoint not found"},
	{name: "wrong method on item", req: del(products + "/1"), status: 404, msg: "Endpoint not found"},
	{name: "wrong method without credentials", req: del(products+"/1").with("Authorization", ""), status: 404, msg: "Endpoint not found"},
	{name: "unknown route without credentials", req: get(v1+"/nope").with("Authorization", ""), status: 404, msg: "Endpoint not found"},
	{name: "wrong method on collection", req: put(ordersURL, `{}`), status: 404, msg: "Endpoint not found"},
	{name: "PATCH customer", req: patch(custURL+"/1", `{"name":"X"}`), status: 404, msg: "Endpoint not found"},
	{name: "PUT product", req: put(products+"/1", `{"name":"X"}`), status: 404, msg: "Endpoint not found"},
	{name: "GET confirm", req: get(ordersURL + "/1/confirm"), status: 404, msg: "Endpoint not found"},
	{name: "OPTIONS without CORS", req: request{method: http.MethodOptions, path: custURL}, status: 404, msg: "Endpoint not found"},
	{name: "HEAD", req: request{method: http.MethodHead, path: custURL + "/1"}, status: 404},
	{name: "POST internal", req: post(internal+"/1", `{}`).with("Authorization", serviceAu), status: 404, msg: "Endpoint not found"},
	{name: "orders route on customers role", req: request{method: http.MethodGet, path: custURL + "/../orders/1"}, status: 404, msg: "Endpoint not found"},
}

// generatedCases are the rows every route shares: 401 without
// credentials, 413 for a body over 1 MiB, 403 for customer tokens where
// the route is for staff, and the documents.
func generatedCases() []contractCase {
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	var out []contractCase
	for _, rq := range []request{
		post(custURL, newCust), get(custURL), get(custURL + "/1"), put(custURL+"/1", `{"name":"X"}`), del(custURL + "/1"),
		post(products, newProd), get(products), get(products + "/1"), patch(products+"/1", `{"name":"X"}`),
		post(ordersURL, order1Line), get(ordersURL), get(ordersURL + "/1"), post(ordersURL+"/2/confirm", confirmK1), post(ordersURL+"/2/cancel", ``),
		webhookRoutes[0], webhookRoutes[1], webhookRoutes[2], webhookRoutes[3], webhookRoutes[4], webhookRoutes[5],
	} {
		out = append(out, contractCase{name: "no credentials " + rq.method + " " + rq.path, req: rq.with("Authorization", ""),
			status: 401, msg: "Authentication required"})
		if rq.body != "" || strings.HasSuffix(rq.path, "/cancel") {
			rq.body = big
			out = append(out, contractCase{name: "too large " + rq.method + " " + rq.path, req: rq, status: 413, msg: "Request entity too large"})
		}
	}
	for _, rq := range []request{
		post(custURL, newCust), del(custURL + "/1"), post(products, newProd), patch(products+"/1", `{"name":"X"}`),
		post(ordersURL, `{"customer_id":2,"items":[{"product_id":1,"qty":1}]}`),
		webhookRoutes[0], webhookRoutes[1], webhookRoutes[2], webhookRoutes[3], webhookRoutes[4], webhookRoutes[5],
	} {
		out = append(out, contractCase{name: "customer token " + rq.method + " " + rq.path, req: rq.with("Authorization", customerTokenOf+"1"),
			status: 403, msg: "Permission denied"})
	}
	for _, path := range []string{custURL, ordersURL} {
		out = append(out, contractCase{name: "document of " + roleOf(get(path)), req: request{method: http.MethodGet, path: v1 + "/openapi.json", role: roleOf(get(path))},
			status: 200, noGolden: true})
	}
	return out
}

var inProcess = envOptions{authRequired: true}

func TestContractGenerated(t *testing.T) { runContract(t, inProcess, "generated", generatedCases()) }

func TestContractCustomers(t *testing.T) { runContract(t, inProcess, "customers", customerCases) }
func TestContractProducts(t *testing.T)  { runContract(t, inProcess, "products", productCases) }
func TestContractOrders(t *testing.T)    { runContract(t, inProcess, "orders", orderCases) }
func TestContractRouting(t *testing.T)   { runContract(t, inProcess, "routing", routingCases) }
func TestContractNotJSON(t *testing.T)   { runContract(t, inProcess, "notjson", notJSONCases) }

// In split mode the orders service checks customers through the customers
// role's internal route over HTTP; every answer must stay the same.
func TestContractOrdersSplit(t *testing.T) {
	runContract(t, envOptions{authRequired: true, customersAt: httpCustomers}, "orders", orderCases)
}

func runContract(t *testing.T, opts envOptions, dir string, cases []contractCase) {
	t.Parallel()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, opts)
			for _, s := range tc.setup {
				e.must(t, s)
			}
			if tc.prepare != nil {
				tc.prepare(t, e)
			}
			r := e.do(t, tc.req)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.msg != "" {
				if got := errorMessage(t, r.body); got != tc.msg {
					t.Fatalf("error %q, want %q", got, tc.msg)
				}
			}
			if r.status == http.StatusNoContent && len(r.body) != 0 {
				t.Fatalf("204 with a body: %q", r.body)
			}
			if len(r.body) > 0 {
				if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
					t.Fatalf("Content-Type %q", ct)
				}
			}
			checkDocumented(t, e, tc.req, r)
			if !tc.noGolden {
				checkGolden(t, dir, tc.name, r)
			}
		})
	}
}
