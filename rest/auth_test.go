package rest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/services"
)

// Every public route refuses callers without a principal before looking
// at the request, so a bad body or id does not tell them anything either.
func TestAuthRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expired, err := (&auth.Tokens{Secret: []byte(testSecret), Now: func() time.Time { return testStart.Add(-2 * time.Hour) }}).
		Issue(services.Principal{Role: services.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherSecret, err := (&auth.Tokens{Secret: []byte("another-secret-0123456789abcdef0123"), Now: e.clock.Now}).
		Issue(services.Principal{Role: services.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	routes := []request{
		post(custURL, newCust), get(custURL), get(custURL + "/1"), put(custURL+"/1", `{"name":"X"}`), del(custURL + "/1"),
		post(products, newProd), get(products), get(products + "/1"), patch(products+"/1", `{"name":"X"}`),
		post(ordersURL, order1Line), get(ordersURL), get(ordersURL + "/1"), post(ordersURL+"/2/confirm", confirmK1), post(ordersURL+"/2/cancel", ``),
		post(custURL, `{bad json`), get(ordersURL + "/abc"),
	}
	credentials := []struct {
		name, authorization, msg string
	}{
		{"none", "", "Authentication required"},
		{"expired", "Bearer " + expired, "Invalid or expired token"},
		{"other secret", "Bearer " + otherSecret, "Invalid or expired token"},
		{"garbage", "Bearer not-a-jwt", "Invalid or expired token"},
		{"basic", "Basic dXNlcjpwYXNz", "Invalid or expired token"},
	}
	for _, c := range credentials {
		for _, rq := range routes {
			r := e.do(t, rq.with("Authorization", c.authorization))
			if r.status != http.StatusUnauthorized || errorMessage(t, r.body) != c.msg {
				t.Errorf("%s: %s %s: %d %s, want 401 %q", c.name, rq.method, rq.path, r.status, r.body, c.msg)
			}
			if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="b2b"` {
				t.Errorf("%s: %s %s: WWW-Authenticate %q", c.name, rq.method, rq.path, got)
			}
		}
	}
	// Nothing above changed anything.
	r := e.must(t, get(products+"/1"))
	var p struct{ Name string }
	dataOf(t, r.body, &p)
	if p.Name != "Professional Laptop" {
		t.Fatalf("product 1 changed: %s", r.body)
	}
	// The service token is a credential on the public routes too.
	e.must(t, get(custURL+"/1").with("Authorization", serviceAu))
	// The document needs none.
	e.must(t, get(v1+"/openapi.json").with("Authorization", ""))
}

// With AUTH_REQUIRED=false the original's clients work without a token,
// but a token that is sent must still be valid, and the internal route
// still needs the service token.
func TestAuthNotRequired(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{authRequired: false})
	anon := func(rq request) request { return rq.with("Authorization", "") }
	e.must(t, anon(post(custURL, newCust)))
	e.must(t, anon(get(custURL+"/1")))
	e.must(t, anon(post(products, newProd)))
	e.must(t, anon(post(ordersURL, order1Line)))
	e.must(t, anon(post(ordersURL+"/5/confirm", confirmK1)))
	e.must(t, anon(post(ordersURL+"/5/cancel", ``)))
	e.must(t, anon(del(custURL+"/6")))

	r := e.do(t, get(custURL+"/1").with("Authorization", "Bearer not-a-jwt"))
	if r.status != http.StatusUnauthorized || errorMessage(t, r.body) != "Invalid or expired token" {
		t.Fatalf("bad token while not required: %d %s", r.status, r.body)
	}
	r = e.do(t, anon(get(internal+"/1")))
	if r.status != http.StatusUnauthorized || errorMessage(t, r.body) != "Service token required" {
		t.Fatalf("internal route without token: %d %s", r.status, r.body)
	}
}

// A customer's token sees only that customer, its orders, and orders only
// for it; someone else's order is 404 on every route, ordering for someone
// else is 403, and catalogue changes are 403.
func TestCustomerToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	as1 := e.bearer(t, services.Principal{Role: services.RoleCustomer, CustomerID: 1, Subject: "acme"})
	c1 := func(rq request) request { return rq.with("Authorization", as1) }

	cases := []struct {
		req    request
		status int
		msg    string
	}{
		// Customer 2's order 2 and customer 3's order 3.
		{get(ordersURL + "/2"), 404, "Order not found"},
		{get(ordersURL + "/3"), 404, "Order not found"},
		{post(ordersURL+"/2/confirm", confirmK1), 404, "Order not found"},
		{post(ordersURL+"/2/confirm", ``).with("X-Idempotency-Key", "k9"), 404, "Order not found"},
		{post(ordersURL+"/2/cancel", ``), 404, "Order not found"},
		{post(ordersURL+"/3/cancel", ``), 404, "Order not found"},
		{post(ordersURL, `{"customer_id":2,"items":[{"product_id":1,"qty":1}]}`), 403, "Permission denied"},
		{get(custURL + "/2"), 404, "Customer not found"},
		{put(custURL+"/2", `{"name":"Mine now"}`), 404, "Customer not found"},
		{del(custURL + "/2"), 403, "Permission denied"},
		{del(custURL + "/1"), 403, "Permission denied"},
		{post(custURL, newCust), 403, "Permission denied"},
		{post(products, newProd), 403, "Permission denied"},
		{patch(products+"/1", `{"stock":1000}`), 403, "Permission denied"},
	}
	for _, tc := range cases {
		r := e.do(t, c1(tc.req))
		if r.status != tc.status || errorMessage(t, r.body) != tc.msg {
			t.Errorf("%s %s: %d %s, want %d %q", tc.req.method, tc.req.path, r.status, r.body, tc.status, tc.msg)
		}
	}

	// Order 2 is untouched: still CREATED, its key unused.
	r := e.must(t, get(ordersURL+"/2"))
	var o struct{ Status string }
	dataOf(t, r.body, &o)
	if o.Status != "CREATED" {
		t.Fatalf("order 2 is %s after another customer's attempts", o.Status)
	}
	e.must(t, post(ordersURL+"/2/confirm", confirmK1))

	// Its own data works.
	e.must(t, c1(get(custURL+"/1")))
	e.must(t, c1(put(custURL+"/1", `{"phone":"+1-555-9999"}`)))
	e.must(t, c1(get(ordersURL+"/1")))
	e.must(t, c1(get(products+"/1")))
	r = e.must(t, c1(post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":1}]}`)))
	var created struct{ ID int }
	dataOf(t, r.body, &created)
	e.must(t, c1(post(ordersURL+"/"+itoa(created.ID)+"/confirm", `{"idempotency_key":"mine"}`)))
	e.must(t, c1(post(ordersURL+"/"+itoa(created.ID)+"/cancel", ``)))

	// Lists hold only its own.
	var custs []struct{ ID int }
	dataOf(t, e.must(t, c1(get(custURL))).body, &custs)
	if len(custs) != 1 || custs[0].ID != 1 {
		t.Fatalf("customer list: %+v", custs)
	}
	var ords []struct {
		ID         int
		CustomerID int `json:"customer_id"`
	}
	dataOf(t, e.must(t, c1(get(ordersURL+"?limit=100"))).body, &ords)
	if len(ords) != 3 {
		t.Fatalf("order list: %+v", ords)
	}
	for _, o := range ords {
		if o.CustomerID != 1 {
			t.Fatalf("order list holds %+v", o)
		}
	}
}
