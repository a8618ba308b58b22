package graph_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// The fuzz targets send fuzzed input through the real combined graph over
// one store per target, as an admin (who gets furthest into the services),
// and check what rig.send checks of every answer: no 5xx, a GraphQL
// response whose errors all carry extensions.code, no internal error and
// nothing logged at level ERROR. Their seeds (below and in
// testdata/fuzz/<Target>) run as ordinary tests.

// fuzzMutation fuzzes the variables of one mutation: the request body is
// {"query": query, "variables": <input>}, so inputs that are not JSON
// objects exercise the transport's decoding too.
func fuzzMutation(f *testing.F, query string, seeds ...string) {
	g := newRig(f)
	admin := g.admin(f)
	q, err := json.Marshal(query)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range append(seeds, `{}`, `null`, `[]`, `{"input":null}`, `{"id":null}`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, variables string) {
		g.send(t, http.MethodPost, "application/json", admin, `{"query":`+string(q)+`,"variables":`+variables+`}`)
	})
}

func FuzzCreateCustomerVariables(f *testing.F) {
	fuzzMutation(f, `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { id name email phone createdAt } }`,
		`{"input":{"name":"Fuzz Corp","email":"fuzz@example.com","phone":"+1-555-0100"}}`,
		`{"input":{"name":"","email":"x"}}`,
		`{"input":{"name":"a\u0000b","email":"nul@example.com"}}`,
		`{"input":{"name":"' OR 1=1 --","email":"ops@acme.com"}}`,
		`{"input":{"name":1,"email":true,"phone":[]}}`,
		`{"input":{"name":"x","email":"y@example.com","extra":1}}`)
}

func FuzzUpdateCustomerVariables(f *testing.F) {
	fuzzMutation(f, `mutation($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id name email phone } }`,
		`{"id":"2","input":{"name":"Renamed"}}`,
		`{"id":"1","input":{}}`,
		`{"id":"-1","input":{"name":"x"}}`,
		`{"id":"99999999999999999999","input":{"phone":null}}`,
		`{"id":3,"input":{"email":"ops@acme.com"}}`,
		`{"id":"1e3","input":{"email":"UPPER@EXAMPLE.COM"}}`)
}

func FuzzDeleteCustomerVariables(f *testing.F) {
	fuzzMutation(f, `mutation($id: ID!) { deleteCustomer(id: $id) }`,
		`{"id":"5"}`, `{"id":"0"}`, `{"id":"abc"}`, `{"id":1.5}`, `{"id":"9223372036854775808"}`)
}

func FuzzCreateProductVariables(f *testing.F) {
	fuzzMutation(f, `mutation($input: CreateProductInput!) { createProduct(input: $input) { id sku name priceCents stock } }`,
		`{"input":{"sku":"FUZZ-1","name":"Fuzz","priceCents":100,"stock":5}}`,
		`{"input":{"sku":"FUZZ-2","name":"Fuzz","priceCents":-1}}`,
		`{"input":{"sku":"FUZZ-3","name":"Fuzz","priceCents":2147483648}}`,
		`{"input":{"sku":"FUZZ-4","name":"Fuzz","priceCents":1e309}}`,
		`{"input":{"sku":"FUZZ-5","name":"Fuzz","priceCents":1.5,"stock":-0}}`,
		`{"input":{"sku":"LAPTOP-001","name":"dup","priceCents":1}}`,
		`{"input":{"sku":"%_\\","name":"meta","priceCents":9007199254740993}}`)
}

func FuzzUpdateProductVariables(f *testing.F) {
	fuzzMutation(f, `mutation($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id sku priceCents stock } }`,
		`{"id":"1","input":{"stock":10}}`,
		`{"id":"2","input":{"priceCents":2147483647}}`,
		`{"id":"3","input":{"sku":"MOUSE-001"}}`,
		`{"id":"4","input":{"stock":-2147483649}}`,
		`{"id":"999","input":{"name":"x"}}`)
}

func FuzzCreateOrderVariables(f *testing.F) {
	fuzzMutation(f, `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id status totalCents customer { id } items { quantity product { id stock } } } }`,
		`{"input":{"customerId":"1","items":[{"productId":"2","quantity":1}]}}`,
		`{"input":{"customerId":"1","items":[]}}`,
		`{"input":{"customerId":"1","items":[{"productId":"2","quantity":0}]}}`,
		`{"input":{"customerId":"1","items":[{"productId":"2","quantity":2147483648}]}}`,
		`{"input":{"customerId":"1","items":[{"productId":"998","quantity":1},{"productId":"999","quantity":1}]}}`,
		`{"input":{"customerId":"999","items":[{"productId":"1","quantity":1}]}}`,
		`{"input":{"customerId":"1","items":[{"productId":"3","quantity":1},{"productId":"3","quantity":1000000}]}}`)
}

func FuzzConfirmOrderVariables(f *testing.F) {
	fuzzMutation(f, `mutation($id: ID!, $key: String!) { confirmOrder(id: $id, idempotencyKey: $key) { id status } }`,
		`{"id":"2","key":"k1"}`, `{"id":"2","key":""}`, `{"id":"3","key":"k"}`,
		`{"id":"1","key":"\u0000"}`, `{"id":"1","key":"\ud800"}`)
}

func FuzzCancelOrderVariables(f *testing.F) {
	fuzzMutation(f, `mutation($id: ID!) { cancelOrder(id: $id) { id status items { product { stock } } } }`,
		`{"id":"2"}`, `{"id":"3"}`, `{"id":"-0"}`, `{"id":"0x10"}`, `{"id":" 1"}`)
}

func FuzzCreateAndConfirmOrderVariables(f *testing.F) {
	fuzzMutation(f, `mutation($input: CreateAndConfirmOrderInput!) { createAndConfirmOrder(input: $input) { id status totalCents items { subtotalCents } } }`,
		`{"input":{"customerId":"1","items":[{"productId":"2","quantity":1}],"idempotencyKey":"fz-1","correlationId":"c-1"}}`,
		`{"input":{"customerId":"1","items":[{"productId":"2","quantity":2}],"idempotencyKey":"fz-1"}}`,
		`{"input":{"customerId":"2","items":[{"productId":"1","quantity":1}],"idempotencyKey":""}}`,
		`{"input":{"customerId":"2","items":[{"productId":"1","quantity":1}],"idempotencyKey":"k","correlationId":"\n\u001b[31m"}}`)
}

// FuzzRequest fuzzes the whole request body: queries, operation names,
// variables, extensions, batches and whatever is not JSON at all.
func FuzzRequest(f *testing.F) {
	g := newRig(f)
	admin := g.admin(f)
	for _, s := range []string{
		`{"query":"{ products(first: 2) { edges { node { id sku } } pageInfo { endCursor } } }"}`,
		`{"query":"query Q($n: Int) { customers(first: $n, search: \"%\") { edges { cursor } } }","variables":{"n":-1},"operationName":"Q"}`,
		`{"query":"{ orders(status: CONFIRMED, from: \"2024-01-01T00:00:00Z\", after: \"b3JkZXI6MQ\") { edges { node { id customer { name } items { product { sku } } } } } }"}`,
		`{"query":"query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }","variables":{"r":[{"__typename":"Order","id":"1"},{"__typename":"Nope"}]}}`,
		`{"query":"{ __type(name: \"Order\") { fields { type { ofType { name } } } } }"}`,
		`{"query":"{ _service { sdl } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
		`[{"query":"{ __typename }"}]`,
		`{"query":"mutation { cancelOrder(id: \"2\") { id } } query { __typename }"}`,
		`{"query":"subscription { x }"}`,
		`{"query":"{ product(id: \"1\") { ...F } } fragment F on Product { ...F }"}`,
		`{"query":"{ a: product(id: \"1\") { id } a: product(id: \"2\") { id } }"}`,
		`{"query":"{ order(id: \"1\") @skip(if: true) { id } }"}`,
		`{bad`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		g.send(t, http.MethodPost, "application/json", admin, body)
	})
}
