package rest_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/auth"
	"github.com/b2b-orders/platform/rest"
)

func (e *env) stock(t testing.TB, productID int) int64 {
	t.Helper()
	var p struct{ Stock int64 }
	dataOf(t, e.must(t, get(products+"/"+itoa(productID))).body, &p)
	return p.Stock
}

func (e *env) status(t testing.TB, orderID int) string {
	t.Helper()
	var o struct{ Status string }
	dataOf(t, e.must(t, get(ordersURL+"/"+itoa(orderID))).body, &o)
	return o.Status
}

// Stock is taken when the order is created and given back exactly once
// when it is cancelled.
func TestStockTakenAndRestoredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.must(t, post(ordersURL, `{"customer_id":1,"items":[{"product_id":4,"qty":10},{"product_id":2,"qty":5},{"product_id":4,"qty":5}]}`))
	var o struct{ ID int }
	dataOf(t, r.body, &o)
	if s4, s2 := e.stock(t, 4), e.stock(t, 2); s4 != 15 || s2 != 195 {
		t.Fatalf("after create: stock %d and %d, want 15 and 195", s4, s2)
	}
	for range 3 {
		e.must(t, post(ordersURL+"/"+itoa(o.ID)+"/cancel", ``))
	}
	if s4, s2 := e.stock(t, 4), e.stock(t, 2); s4 != 30 || s2 != 200 {
		t.Fatalf("after cancels: stock %d and %d, want 30 and 200", s4, s2)
	}
	// A failed order takes nothing.
	e.do(t, post(ordersURL, `{"customer_id":1,"items":[{"product_id":2,"qty":1},{"product_id":4,"qty":31}]}`))
	if s4, s2 := e.stock(t, 4), e.stock(t, 2); s4 != 30 || s2 != 200 {
		t.Fatalf("after a refused order: stock %d and %d", s4, s2)
	}
}

// A CONFIRMED order can be cancelled for 10 minutes after its creation.
func TestCancelWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, wait := range []time.Duration{10 * time.Minute, 10*time.Minute + time.Millisecond} {
		var o struct{ ID int }
		dataOf(t, e.must(t, post(ordersURL, order1Line)).body, &o)
		e.must(t, post(ordersURL+"/"+itoa(o.ID)+"/confirm", `{"idempotency_key":"w`+itoa(i)+`"}`))
		e.clock.Advance(wait)
		r := e.do(t, post(ordersURL+"/"+itoa(o.ID)+"/cancel", ``))
		if i == 0 && (r.status != 200 || e.status(t, o.ID) != "CANCELED") {
			t.Fatalf("cancel at the window's end: %d %s", r.status, r.body)
		}
		if i == 1 && (r.status != 400 || errorMessage(t, r.body) != "Confirmed orders can only be canceled within 10 minutes of creation") {
			t.Fatalf("cancel after the window: %d %s", r.status, r.body)
		}
	}
}

// Confirm is idempotent per key, and the key is bound to its order.
func TestConfirmIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.must(t, post(ordersURL+"/2/confirm", ``).with("X-Idempotency-Key", "hdr"))
	e.clock.Advance(time.Minute)
	again := e.must(t, post(ordersURL+"/2/confirm", `{"idempotency_key":"hdr"}`))
	if !bytes.Equal(first.body, again.body) {
		t.Fatalf("replay differs:\n%s\n%s", first.body, again.body)
	}
	r := e.do(t, post(ordersURL+"/3/confirm", ``).with("X-Idempotency-Key", "hdr"))
	if r.status != 400 || errorMessage(t, r.body) != "Idempotency key already used for different operation" {
		t.Fatalf("key of another order: %d %s", r.status, r.body)
	}
	// Two concurrent confirms with one key both succeed with one effect.
	const n = 8
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := e.do(t, post(ordersURL+"/1/confirm", `{"idempotency_key":"same"}`))
			if r.status != 200 {
				t.Errorf("concurrent confirm: %d %s", r.status, r.body)
			}
			bodies[i] = r.body
		})
	}
	wg.Wait()
	for i := range bodies {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Fatalf("concurrent confirms answered differently:\n%s\n%s", bodies[i], bodies[0])
		}
	}
}

// 40 clients race over HTTP for 10 units: exactly 10 orders, 30 refusals
// for stock, none oversold.
func TestRaceForStockOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var p struct{ ID int }
	dataOf(t, e.must(t, post(products, `{"sku":"HOT","name":"Hot Item","price_cents":100,"stock":10}`)).body, &p)
	srv := httptest.NewServer(e.orders)
	t.Cleanup(srv.Close)

	const clients = 40
	type result struct {
		status int
		msg    string
	}
	results := make([]result, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			body := `{"customer_id":` + itoa(i%5+1) + `,"items":[{"product_id":` + itoa(p.ID) + `,"qty":1}]}`
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+ordersURL, strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", e.admin)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var env struct{ Error string }
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Error(err)
			}
			results[i] = result{resp.StatusCode, env.Error}
		})
	}
	wg.Wait()
	created, refused := 0, 0
	for _, r := range results {
		switch {
		case r.status == http.StatusCreated:
			created++
		// A refusal quotes the stock the update found, never a stale
		// pre-read: past the tenth order there is none left.
		case r.status == http.StatusBadRequest && r.msg == "Insufficient stock for product Hot Item. Available: 0, Requested: 1":
			refused++
		default:
			t.Errorf("unexpected answer %d %q", r.status, r.msg)
		}
	}
	if created != 10 || refused != 30 {
		t.Fatalf("%d created, %d refused; want 10 and 30", created, refused)
	}
	if s := e.stock(t, p.ID); s != 0 {
		t.Fatalf("stock %d, want 0", s)
	}
}

// Creates racing for one email: one 201, the others 409, over HTTP.
func TestRaceForEmailOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := httptest.NewServer(e.customers)
	t.Cleanup(srv.Close)
	const clients = 12
	statuses := make([]int, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+custURL,
				strings.NewReader(`{"name":"Racer `+itoa(i)+`","email":"race@example.com"}`))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", e.admin)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var env struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&env)
			if resp.StatusCode == http.StatusConflict && env.Error != "Email already exists" {
				t.Errorf("409 with %q", env.Error)
			}
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[409] != clients-1 {
		t.Fatalf("statuses %v; want one 201 and %d 409", count, clients-1)
	}
}

// An internal error is answered "Internal server error" and logged once,
// with the request id and the cause.
func TestInternalErrorLoggedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	a := &auth.Authenticator{Tokens: e.tokens, ServiceToken: testServiceToken, Required: true}
	h := stack(a, rest.NewOrdersAPI(e.ordSvc, nil, rest.Options{Auth: a, Log: log}))
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, products+"/1", nil)
	req.Header.Set("Authorization", e.admin)
	req.Header.Set("X-Request-Id", "req-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || errorMessage(t, rec.Body.Bytes()) != "Internal server error" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs.String())
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatal(err)
	}
	if entry["level"] != "ERROR" || entry["request_id"] != "req-42" || !strings.Contains(entry["err"].(string), "closed") {
		t.Fatalf("log entry %v", entry)
	}
	if strings.Contains(rec.Body.String(), "closed") {
		t.Fatalf("the cause leaked to the client: %s", rec.Body)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, rq := range []request{get(custURL + "/1"), get(custURL + "/999"), get(v1 + "/nope"), get(ordersURL), get(v1 + "/openapi.json")} {
		r := e.do(t, rq)
		for name, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
		} {
			if got := r.header.Get(name); got != want {
				t.Errorf("%s %s: %s = %q, want %q", rq.method, rq.path, name, got, want)
			}
		}
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("CORS is off by default, got Access-Control-Allow-Origin %q", got)
		}
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{authRequired: true, corsOrigins: []string{"https://shop.example"}})
	preflight := request{method: http.MethodOptions, path: ordersURL, header: map[string]string{
		"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization, content-type", "Authorization": "",
	}}
	r := e.do(t, preflight)
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight from an allowed origin: %d %v", r.status, r.header)
	}
	r = e.do(t, get(products+"/1").with("Origin", "https://shop.example"))
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" || r.header.Get("Vary") != "Origin" {
		t.Fatalf("request from an allowed origin: %d %v", r.status, r.header)
	}
	// Other origins get no CORS headers, and their preflight is an
	// unknown method like any other.
	r = e.do(t, get(products+"/1").with("Origin", "https://evil.example"))
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("request from another origin: %d %v", r.status, r.header)
	}
	preflight.header["Origin"] = "https://evil.example"
	r = e.do(t, preflight)
	if r.status != http.StatusNotFound || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin: %d %v", r.status, r.header)
	}

	any := newEnvWith(t, envOptions{authRequired: true, corsOrigins: []string{"*"}})
	r = any.do(t, get(products+"/1").with("Origin", "https://anywhere.example"))
	if r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("CORS_ORIGINS=*: %v", r.header)
	}
}

// With AUTH_REQUIRED=false a page of another site could cancel any order
// with a bodiless POST, a CORS simple request: every write that a browser
// marks as cross-site (an Origin that is neither allowed nor the API's
// own, or Sec-Fetch-Site: cross-site) is refused with 403 and changes
// nothing; the same write from an allowed origin, from the API's own, or
// from a client that is no browser goes through.
func TestCrossSiteWritesRefused(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{authRequired: false, corsOrigins: []string{"https://shop.example"}})
	anon := func(rq request) request { return rq.with("Authorization", "") }
	place := func() string {
		r := e.do(t, anon(post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":1}]}`)))
		if r.status != http.StatusCreated {
			t.Fatalf("placing an order: %d %s", r.status, r.body)
		}
		var v struct{ Data struct{ ID int } }
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(v.Data.ID)
	}
	id := place()
	before := snapshot(t, e.db)
	for name, rq := range map[string]request{
		"another origin":                  anon(post(ordersURL+"/"+id+"/cancel", ``)).with("Origin", "https://evil.example"),
		"another origin, cross-site":      anon(post(ordersURL+"/"+id+"/cancel", ``)).with("Origin", "https://evil.example").with("Sec-Fetch-Site", "cross-site"),
		"no origin, cross-site":           anon(post(ordersURL+"/"+id+"/cancel", ``)).with("Sec-Fetch-Site", "cross-site"),
		"an origin that is a prefix":      anon(post(ordersURL+"/"+id+"/cancel", ``)).with("Origin", "https://shop.example.evil"),
		"a null origin":                   anon(post(ordersURL+"/"+id+"/cancel", ``)).with("Origin", "null"),
		"a cross-site JSON write":         anon(post(ordersURL, `{"customer_id":1,"items":[{"product_id":1,"qty":1}]}`)).with("Origin", "https://evil.example"),
		"a cross-site delete":             anon(del(custURL+"/2")).with("Origin", "https://evil.example"),
		"a cross-site write with a token": post(ordersURL+"/"+id+"/cancel", ``).with("Origin", "https://evil.example"),
	} {
		r := e.do(t, rq)
		if r.status != http.StatusForbidden || errorMessage(t, r.body) != "Cross-site requests may not change data" {
			t.Errorf("%s: %d %s, want 403", name, r.status, r.body)
		}
	}
	if after := snapshot(t, e.db); after != before {
		t.Fatalf("cross-site writes changed data:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Reads from anywhere still answer; writes from the allowed origin,
	// from the API's own and from clients that send neither header pass.
	if r := e.do(t, anon(get(ordersURL+"/"+id)).with("Origin", "https://evil.example")); r.status != http.StatusOK {
		t.Errorf("a cross-site read: %d %s", r.status, r.body)
	}
	for name, rq := range map[string]request{
		"the allowed origin":   anon(post(ordersURL+"/"+place()+"/cancel", ``)).with("Origin", "https://shop.example").with("Sec-Fetch-Site", "cross-site"),
		"the API's own origin": anon(post(ordersURL+"/"+place()+"/cancel", ``)).with("Origin", "http://example.com").with("Sec-Fetch-Site", "same-origin"),
		"no browser headers":   anon(post(ordersURL+"/"+place()+"/cancel", ``)),
		"a same-site fetch":    anon(post(ordersURL+"/"+place()+"/cancel", ``)).with("Sec-Fetch-Site", "same-site"),
	} {
		if r := e.do(t, rq); r.status != http.StatusOK {
			t.Errorf("%s: %d %s, want 200", name, r.status, r.body)
		}
	}
}
