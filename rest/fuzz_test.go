package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/rest"
)

// The fuzz targets send fuzzed requests through the real routers over one
// store per target, as an admin, and check every answer with
// checkAnswer: no 5xx, the contract's envelope, an answer the OpenAPI
// document allows, and nothing logged at level ERROR. Their seeds (f.Add
// and testdata/fuzz/<Target>) run as ordinary tests.

// fuzzEnv is newEnv with the routers' logs kept, so that an internal
// error fails the input that caused it.
type fuzzEnv struct {
	*env
	logs *syncBuffer
}

func newFuzzEnv(t testing.TB) *fuzzEnv {
	t.Helper()
	e := newEnv(t)
	logs := &syncBuffer{}
	a := &auth.Authenticator{Tokens: e.tokens, ServiceToken: testServiceToken, Required: true}
	opts := rest.Options{Auth: a, Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	e.customers = stack(a, rest.NewCustomersAPI(e.custSvc, e.accts, opts))
	e.orders = stack(a, rest.NewOrdersAPI(e.ordSvc, nil, opts))
	return &fuzzEnv{env: e, logs: logs}
}

// send makes a request that httptest.NewRequest could refuse to build:
// the path is escaped, the raw query and headers are taken as they are.
func (e *fuzzEnv) send(t *testing.T, method, path, rawQuery, body string, header map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.RequestURI = req.URL.RequestURI()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", e.admin)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.handlerFor(request{path: path}).ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	rq := request{method: method, path: path, body: body, header: header}
	if rawQuery != "" {
		rq.path += "?" + rawQuery
	}
	e.checkAnswer(t, rq, r)
	return r
}

// checkAnswer checks what every answer must be, whatever was asked.
func (e *fuzzEnv) checkAnswer(t *testing.T, rq request, r response) {
	t.Helper()
	if r.status >= 500 {
		t.Fatalf("%s %s: %d %s\nlogs:\n%s", rq.method, rq.path, r.status, r.body, e.logs.String())
	}
	if l := e.logs.String(); l != "" {
		t.Fatalf("%s %s: %d %s, and logged:\n%s", rq.method, rq.path, r.status, r.body, l)
	}
	checkEnvelope(t, r)
	checkDocumented(t, e.env, rq, r)
}

// checkEnvelope checks the contract's envelopes: 204 without a body;
// otherwise JSON, {"success":true,"data":…[,"pagination":…]} on 2xx and
// {"success":false,"error":"<message>"} on 4xx, and nothing else.
func checkEnvelope(t testing.TB, r response) {
	t.Helper()
	if r.status == http.StatusNoContent {
		if len(r.body) != 0 {
			t.Fatalf("204 with a body: %q", r.body)
		}
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("%d: Content-Type %q: %s", r.status, ct, r.body)
	}
	var env struct {
		Success    *bool            `json:"success"`
		Data       *json.RawMessage `json:"data"`
		Pagination *json.RawMessage `json:"pagination"`
		Error      *string          `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil || env.Success == nil {
		t.Fatalf("%d: not an envelope (%v): %s", r.status, err, r.body)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%d: more after the envelope: %s", r.status, r.body)
	}
	ok := r.status >= 200 && r.status < 300
	switch {
	case *env.Success != ok:
		t.Fatalf("%d with success %v: %s", r.status, *env.Success, r.body)
	case ok && (env.Data == nil || env.Error != nil):
		t.Fatalf("%d: success envelope without data or with an error: %s", r.status, r.body)
	case !ok && (env.Error == nil || *env.Error == "" || env.Data != nil || env.Pagination != nil):
		t.Fatalf("%d: error envelope without a message or with data: %s", r.status, r.body)
	}
}

// validHeader reports whether v could arrive as a header value: net/http
// refuses control characters in them before any handler runs.
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// seedBodies are bodies every body target starts from, besides its own.
var seedBodies = []string{
	``, `{}`, `null`, `[]`, `"s"`, `{`, `{"a":1}{"b":2}`, "\ufeff{}",
	`{"name":{"name":{"name":{}}}}`, `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`,
}

func addBodies(f *testing.F, bodies ...string) {
	for _, b := range append(bodies, seedBodies...) {
		f.Add(b)
	}
}

func FuzzCreateCustomerBody(f *testing.F) {
	e := newFuzzEnv(f)
	addBodies(f,
		newCust,
		`{"name":"A","email":"a@example.com"}`,
		`{"name":"","email":"x"}`,
		`{"name":"N\u0000UL","email":"nul@example.com"}`,
		`{"name":"\u202eevil","email":"rtl@example.com","phone":"😀"}`,
		`{"name":"' OR 1=1 --","email":"o'hara@example.com","phone":"%_\\"}`,
		`{"name":1,"email":"a@example.com"}`,
		`{"name":"A","email":"ops@acme.com"}`,
		`{"name":"A","name":"B","email":"dup@example.com"}`,
		`{"name":"`+long256+`","email":"long@example.com"}`,
	)
	f.Fuzz(func(t *testing.T, body string) {
		e.send(t, http.MethodPost, custURL, "", body, nil)
	})
}

func FuzzUpdateCustomerBody(f *testing.F) {
	e := newFuzzEnv(f)
	for _, b := range []string{`{"name":"X"}`, `{"email":"ops@acme.com"}`, `{"phone":null}`, `{"phone":""}`, `{}`, `{"email":"NEW@EXAMPLE.COM"}`} {
		f.Add("2", b)
	}
	for _, b := range seedBodies {
		f.Add("1", b)
	}
	f.Add("0", `{"name":"X"}`)
	f.Add("-1", `{"name":"X"}`)
	f.Add("999", `{"name":"X"}`)
	f.Add("9223372036854775808", `{"name":"X"}`)
	f.Add("1e3", `{"name":"X"}`)
	f.Fuzz(func(t *testing.T, id, body string) {
		e.send(t, http.MethodPut, custURL+"/"+url.PathEscape(id), "", body, nil)
	})
}

func FuzzCreateProductBody(f *testing.F) {
	e := newFuzzEnv(f)
	addBodies(f,
		newProd,
		`{"sku":"S-1","name":"N","price_cents":0}`,
		`{"sku":"S-2","name":"N","price_cents":2147483648}`,
		`{"sku":"S-3","name":"N","price_cents":9007199254740993}`,
		`{"sku":"S-4","name":"N","price_cents":1e309}`,
		`{"sku":"S-5","name":"N","price_cents":-0,"stock":1.0}`,
		`{"sku":"S-6","name":"N","price_cents":1.5}`,
		`{"sku":"S-7","name":"N","price_cents":"1"}`,
		`{"sku":"S-8","name":"N","price_cents":1,"stock":-1}`,
		`{"sku":"LAPTOP-001","name":"dup","price_cents":1}`,
		`{"sku":"%_\\'","name":"' OR 1=1 --","price_cents":1}`,
		`{"sku":"S-9","name":"N","price_cents":1,"price_cents":-1}`,
	)
	f.Fuzz(func(t *testing.T, body string) {
		e.send(t, http.MethodPost, products, "", body, nil)
	})
}

func FuzzUpdateProductBody(f *testing.F) {
	e := newFuzzEnv(f)
	for _, b := range []string{`{"stock":10}`, `{"price_cents":2147483647}`, `{"sku":"MOUSE-001"}`, `{"stock":-2147483649}`, `{"name":""}`, `{"stock":null}`,
		`{"quantity_rule":{"min":5,"max":50,"increment":5}}`, `{"quantity_rule":null}`, `{"quantity_rule":{}}`, `{"quantity_rule":{"max":1,"min":2}}`,
		`{"quantity_rule":{"increment":1e400}}`, `{"quantity_rule":[]}`, `{"quantity_rule":{"min":null}}`} {
		f.Add("3", b)
	}
	for _, b := range seedBodies {
		f.Add("1", b)
	}
	f.Add("0", `{"stock":1}`)
	f.Add("abc", `{"stock":1}`)
	f.Fuzz(func(t *testing.T, id, body string) {
		e.send(t, http.MethodPatch, products+"/"+url.PathEscape(id), "", body, nil)
	})
}

func FuzzCreateOrderBody(f *testing.F) {
	e := newFuzzEnv(f)
	addBodies(f,
		order1Line,
		`{"customer_id":1,"items":[{"product_id":3,"qty":1},{"product_id":1,"qty":1},{"product_id":3,"qty":2}]}`,
		`{"customer_id":1,"items":[]}`,
		`{"customer_id":1,"items":[{"product_id":1,"qty":0}]}`,
		`{"customer_id":1,"items":[{"product_id":1,"qty":2147483648}]}`,
		`{"customer_id":1,"items":[{"product_id":1,"qty":9223372036854775807},{"product_id":1,"qty":9223372036854775807}]}`,
		`{"customer_id":1,"items":[{"product_id":1,"qty":1e309}]}`,
		`{"customer_id":1,"items":[{"product_id":1,"qty":-0}]}`,
		`{"customer_id":-1,"items":[{"product_id":1,"qty":1}]}`,
		`{"customer_id":999,"items":[{"product_id":1,"qty":1}]}`,
		`{"customer_id":1,"items":[{"product_id":998,"qty":1},{"product_id":999,"qty":1}]}`,
		`{"customer_id":1,"items":[{"product_id":1,"qty":1000}]}`,
		`{"customer_id":1,"items":{"product_id":1,"qty":1}}`,
		`{"customer_id":1,"items":[null]}`,
		`{"customer_id":"1","items":[{"product_id":"1","qty":"1"}]}`,
	)
	f.Fuzz(func(t *testing.T, body string) {
		e.send(t, http.MethodPost, ordersURL, "", body, nil)
	})
}

func FuzzConfirmOrderBody(f *testing.F) {
	e := newFuzzEnv(f)
	for _, b := range []string{confirmK1, `{"idempotency_key":""}`, `{"idempotency_key":1}`, `{"idempotency_key":null}`, `{"idempotency_key":"` + long256 + `"}`, `{"idempotency_key":"\u0000"}`} {
		f.Add("2", b, "")
	}
	for _, b := range seedBodies {
		f.Add("5", b, "hk")
	}
	f.Add("2", ``, "header-key")
	f.Add("3", ``, "k")
	f.Add("0", confirmK1, "")
	f.Add("x", confirmK1, "")
	f.Fuzz(func(t *testing.T, id, body, key string) {
		if !validHeader(key) {
			t.Skip("not a header value net/http would pass on")
		}
		var h map[string]string
		if key != "" {
			h = map[string]string{"X-Idempotency-Key": key}
		}
		e.send(t, http.MethodPost, ordersURL+"/"+url.PathEscape(id)+"/confirm", "", body, h)
	})
}

func FuzzCancelOrderBody(f *testing.F) {
	e := newFuzzEnv(f)
	for _, b := range append([]string{`{"reason":"changed my mind"}`}, seedBodies...) {
		f.Add("2", b)
	}
	f.Add("3", ``)
	f.Add("1", ``)
	f.Add("-2", ``)
	f.Add("02", ``)
	f.Fuzz(func(t *testing.T, id, body string) {
		e.send(t, http.MethodPost, ordersURL+"/"+url.PathEscape(id)+"/cancel", "", body, nil)
	})
}

// FuzzPriceListBody fuzzes the body of a price list's create (id "") and
// replace (any other id).
func FuzzPriceListBody(f *testing.F) {
	e := newFuzzEnv(f)
	e.must(f, post(priceListsURL, acmeContract))
	for _, b := range append([]string{acmeContract, volumeList,
		`{"name":"X","currency":"USD","entries":[{"product_id":1,"min_qty":1,"unit_price_cents":1}],"valid_from":"2025-01-01T00:00:00.5+01:00","valid_to":null}`,
		`{"name":"X","currency":"USD","status":"DRAFT","scope":"CUSTOMERS","customer_ids":[3,3,2],"priority":0,"entries":[{"product_id":1,"min_qty":1000000,"unit_price_cents":2147483647}]}`,
		`{"name":"X","currency":"USD","entries":[{"product_id":1,"min_qty":1,"unit_price_cents":1},{"product_id":1,"min_qty":1,"unit_price_cents":2}]}`,
		`{"name":"X","currency":"usd","entries":[{"product_id":1,"min_qty":1,"unit_price_cents":1}]}`,
		`{"name":"X","currency":"USD","entries":[{"product_id":9223372036854775807,"min_qty":1,"unit_price_cents":1}]}`,
		`{"name":"X","currency":"USD","customer_ids":[-1],"entries":[{"product_id":1,"min_qty":1,"unit_price_cents":1}]}`,
		`{"name":"X","currency":"USD","entries":[{"product_id":1,"min_qty":1,"unit_price_cents":1}],"rules":[{"product_id":1,"min":1e400}]}`,
		`{"name":"X","currency":"USD","entries":[null],"rules":null}`,
		`{"name":"X","currency":"USD","entries":[{"product_id":1,"min_qty":1,"unit_price_cents":1}],"valid_from":"2025-01-01"}`,
	}, seedBodies...) {
		f.Add("", b)
		f.Add("1", b)
	}
	f.Add("99", acmeContract)
	f.Add("0", acmeContract)
	f.Fuzz(func(t *testing.T, id, body string) {
		if id == "" {
			e.send(t, http.MethodPost, priceListsURL, "", body, nil)
			return
		}
		e.send(t, http.MethodPut, priceListsURL+"/"+url.PathEscape(id), "", body, nil)
	})
}

// FuzzPricesQuery fuzzes the query string of GET /prices, over a
// contract and a base list.
func FuzzPricesQuery(f *testing.F) {
	e := newFuzzEnv(f)
	e.must(f, post(priceListsURL, acmeContract))
	e.must(f, post(priceListsURL, volumeList))
	for _, q := range []string{
		"customer_id=1&product_ids=2,4,9", "customer_id=2&product_ids=2", "product_ids=1", "customer_id=1", "customer_id=1&product_ids=",
		"customer_id=1&product_ids=,", "customer_id=1&product_ids=1,,2", "customer_id=1&product_ids=0", "customer_id=1&product_ids=-1",
		"customer_id=1&product_ids=9223372036854775808", "customer_id=1&product_ids=999", "customer_id=999&product_ids=1",
		"customer_id=0&product_ids=1", "customer_id=&product_ids=1", "customer_id=1&customer_id=2&product_ids=1",
		"customer_id=1&product_ids=1&product_ids=2", "customer_id=1&product_ids=" + strings.Repeat("2,", 100) + "2", "%zz", ";;&&==",
		"customer_id=1&product_ids=%C2%B9", "customer_id=%2B1&product_ids=1",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		if !validQuery(rawQuery) {
			t.Skip("not a query a request line can carry")
		}
		e.send(t, http.MethodGet, pricesURL, rawQuery, "", nil)
	})
}

// validQuery reports whether q could arrive as a raw query: a request
// line carries no spaces, control characters or fragment.
func validQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c == 0x7f || c == '#' {
			return false
		}
	}
	return true
}

// FuzzListQuery fuzzes the query strings of the three lists; route picks
// the list.
func FuzzListQuery(f *testing.F) {
	e := newFuzzEnv(f)
	lists := []string{custURL, products, ordersURL}
	for route := range lists {
		for _, q := range []string{
			"", "limit=2", "limit=0", "limit=-1", "limit=101", "limit=abc", "limit=99999999999999999999",
			"cursor=1", "cursor=-5", "cursor=9223372036854775808", "limit=1&limit=2",
			"search=acme", "search=%25", "search=_", "search=%5C", "search=%27%20OR%201%3D1%20--",
			"search=%00", "search=%FF%FE", "search=%E2%80%AE", "search=" + strings.Repeat("x", 256),
			"status=CONFIRMED", "status=confirmed", "status=", "from=2024-01-01T00:00:00Z&to=2030-01-01T00:00:00.000Z",
			"from=yesterday", "to=", "from=2024-13-01T00:00:00Z", "%zz", "a=%", ";;&&==",
		} {
			f.Add(uint8(route), q)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, rawQuery string) {
		e.send(t, http.MethodGet, lists[int(route)%len(lists)], rawQuery, "", nil)
	})
}

// FuzzPathID fuzzes the {id} of the routes that take nothing else; route
// picks one. (The routes with a body fuzz their id with it.)
func FuzzPathID(f *testing.F) {
	e := newFuzzEnv(f)
	routes := []struct{ method, prefix string }{
		{http.MethodGet, custURL + "/"},
		{http.MethodDelete, custURL + "/"},
		{http.MethodGet, products + "/"},
		{http.MethodGet, ordersURL + "/"},
		{http.MethodGet, internal + "/"},
		{http.MethodGet, priceListsURL + "/"},
		{http.MethodDelete, priceListsURL + "/"},
	}
	for route := range routes {
		for _, id := range []string{"1", "2", "0", "-1", "+1", "01", "1.0", "1e2", "abc", "", " 1", "9223372036854775807",
			"9223372036854775808", "99999999999999999999999", "%31", "1/", "1%2F2", "\u0661", "0x1"} {
			f.Add(uint8(route), id)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, id string) {
		rt := routes[int(route)%len(routes)]
		h := map[string]string(nil)
		if strings.HasPrefix(rt.prefix, internal) {
			h = map[string]string{"Authorization": serviceAu}
		}
		e.send(t, rt.method, rt.prefix+url.PathEscape(id), "", "", h)
	})
}
