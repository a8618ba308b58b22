package rest_test

import (
	"net/http"
	"testing"

	"github.com/b2b-orders/platform/auth/authtest"
)

// allRoutes is one request of every public route, and of the internal one.
func allRoutes() []request {
	return []request{
		post(custURL, `{"name":"Mallory","email":"mallory@example.com"}`), get(custURL), get(custURL + "/2"),
		put(custURL+"/2", `{"name":"Owned"}`), del(custURL + "/2"),
		post(products, `{"sku":"EVIL-1","name":"Evil","price_cents":1,"stock":1}`), get(products), get(products + "/1"),
		patch(products+"/1", `{"stock":0}`),
		post(ordersURL, `{"customer_id":2,"items":[{"product_id":1,"qty":1}]}`), get(ordersURL), get(ordersURL + "/2"),
		post(ordersURL+"/2/confirm", `{"idempotency_key":"evil"}`), post(ordersURL+"/2/cancel", ``),
		post(priceListsURL, acmeContract), get(priceListsURL), get(priceList1), put(priceList1, acmeContract), del(priceList1),
		get(pricesURL + "?customer_id=2&product_ids=1"),
		get(internal + "/2"),
	}
}

// Every forged token is refused on every route, before anything is
// decoded or changed: 401 "Invalid or expired token" on the public
// routes, 403 "Invalid service token" on the internal one.
func TestForgedTokensRefusedOnEveryRoute(t *testing.T) {
	t.Parallel()
	e := newFuzzEnv(t)
	before := snapshot(t, e.db)
	for name, tok := range authtest.Forged(t, []byte(testSecret), e.clock.Now()) {
		if name == authtest.Control {
			continue
		}
		for _, rq := range allRoutes() {
			r := e.do(t, rq.with("Authorization", "Bearer "+tok))
			want, msg := http.StatusUnauthorized, "Invalid or expired token"
			if roleOf(rq) == "customers" && rq.path == internal+"/2" {
				want, msg = http.StatusForbidden, "Invalid service token"
			}
			checkEnvelope(t, r)
			if r.status != want || errorMessage(t, r.body) != msg {
				t.Errorf("%s: %s %s: %d %s, want %d %q", name, rq.method, rq.path, r.status, r.body, want, msg)
			}
		}
	}
	if after := snapshot(t, e.db); after != before {
		t.Fatalf("forged tokens changed data:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The control token works, so the refusals above are the spoilt part's.
	e.must(t, get(custURL+"/2").with("Authorization", "Bearer "+authtest.Forged(t, []byte(testSecret), e.clock.Now())[authtest.Control]))
}

// The service token: wrong, empty, a prefix or an extension of the right
// one are refused on the public and the internal routes; the right one is
// accepted on both.
func TestServiceTokenVariants(t *testing.T) {
	t.Parallel()
	e := newFuzzEnv(t)
	before := snapshot(t, e.db)
	cases := []struct {
		name, authorization string
		public, internal    int
	}{
		{"wrong", "Bearer wrong-service-token", 401, 403},
		{"empty", "Bearer ", 401, 403},
		{"scheme only", "Bearer", 401, 401},
		{"prefix", "Bearer " + testServiceToken[:len(testServiceToken)-1], 401, 403},
		{"first byte", "Bearer " + testServiceToken[:1], 401, 403},
		{"extended", "Bearer " + testServiceToken + "0", 401, 403},
		{"other case", "Bearer " + upper(testServiceToken), 401, 403},
		{"without scheme", testServiceToken, 401, 401},
		{"Basic", "Basic " + testServiceToken, 401, 401},
		{"in the wrong header", "", 401, 401},
	}
	for _, tc := range cases {
		for _, rq := range allRoutes() {
			rq = rq.with("Authorization", tc.authorization)
			if tc.name == "in the wrong header" {
				rq = rq.with("X-Service-Token", testServiceToken)
			}
			want := tc.public
			if rq.path == internal+"/2" {
				want = tc.internal
			}
			r := e.do(t, rq)
			checkEnvelope(t, r)
			if r.status != want {
				t.Errorf("%s: %s %s: %d %s, want %d", tc.name, rq.method, rq.path, r.status, r.body, want)
			}
		}
	}
	if after := snapshot(t, e.db); after != before {
		t.Fatalf("refused service tokens changed data:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	e.must(t, get(internal+"/2").with("Authorization", serviceAu))
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// A customer's token used on another customer's resources, on every
// route: refused (403 or 404, never the data), and nothing changes. The
// lists hold only the caller's own rows whatever the query asks.
func TestCustomerTokenOnOthersResources(t *testing.T) {
	t.Parallel()
	e := newFuzzEnv(t)
	before := snapshot(t, e.db)
	for _, who := range []string{customerTokenOf + "1", customerTokenOf + "999"} {
		for _, tc := range []struct {
			req    request
			status int
		}{
			{get(custURL + "/2"), 404},
			{put(custURL+"/2", `{"name":"Owned"}`), 404},
			{put(custURL+"/2", `{"email":"ops@acme.com"}`), 404},
			{del(custURL + "/2"), 403},
			{post(custURL, `{"name":"Mallory","email":"mallory@example.com"}`), 403},
			{get(internal + "/2"), 403},
			{get(internal + "/1"), 403},
			{post(products, `{"sku":"EVIL-1","name":"Evil","price_cents":1}`), 403},
			{patch(products+"/1", `{"stock":0}`), 403},
			{patch(products+"/1", `{"price_cents":1}`), 403},
			{post(ordersURL, `{"customer_id":2,"items":[{"product_id":1,"qty":1}]}`), 403},
			{post(ordersURL, `{"customer_id":3,"items":[{"product_id":1,"qty":1}]}`), 403},
			{get(ordersURL + "/2"), 404},
			{get(ordersURL + "/3"), 404},
			{post(ordersURL+"/2/confirm", `{"idempotency_key":"evil"}`), 404},
			{post(ordersURL+"/2/confirm", ``).with("X-Idempotency-Key", "evil"), 404},
			{post(ordersURL+"/3/cancel", ``), 404},
			{post(ordersURL+"/2/cancel", `{}`), 404},
			{post(priceListsURL, acmeContract), 403},
			{put(priceList1, acmeContract), 403},
			{del(priceList1), 403},
			{get(pricesURL + "?customer_id=2&product_ids=1"), 404},
		} {
			r := e.do(t, tc.req.with("Authorization", who))
			checkEnvelope(t, r)
			if r.status != tc.status {
				t.Errorf("%s: %s %s: %d %s, want %d", who, tc.req.method, tc.req.path, r.status, r.body, tc.status)
			}
		}
		for _, list := range []string{custURL + "?limit=100", custURL + "?search=a&limit=100", ordersURL + "?limit=100",
			ordersURL + "?status=CREATED", ordersURL + "?cursor=1", ordersURL + "?from=2000-01-01T00:00:00Z"} {
			var rows []struct {
				ID         int `json:"id"`
				CustomerID int `json:"customer_id"`
			}
			dataOf(t, e.must(t, get(list).with("Authorization", who)).body, &rows)
			for _, row := range rows {
				if own := row.CustomerID == 1 || (row.CustomerID == 0 && row.ID == 1); who != customerTokenOf+"1" || !own {
					t.Errorf("%s: %s shows %+v", who, list, row)
				}
			}
		}
	}
	if after := snapshot(t, e.db); after != before {
		t.Fatalf("another customer's token changed data:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
