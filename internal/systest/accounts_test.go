package systest

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/b2b-orders/platform/auth/oidc/oidctest"
	"github.com/b2b-orders/platform/internal/servetest"
)

// The company-accounts flow through the real binary and a real OpenID
// Provider: a buyer signs in with the seller's identity provider (found by
// its verified email on first sign-in), places an order at its location;
// an ERP does the same with an API key, on REST, the graph and the
// orchestrator; the orders and their events say who placed them; a member
// of another customer reaches none of it; a removed member's sign-ins and
// keys stop, also in a split orders role; cached keys carry an IdP outage.
func TestCompanyAccountsEndToEnd(t *testing.T) {
	idp := oidctest.Start(t)
	idp.AddUser("bob-sub", "bob.buyer@acme.com", true)
	idp.AddUser("eve-sub", "eve@elsewhere.example", true)
	const audience = "b2b-api"

	bin := servetest.Build(t)
	dir := t.TempDir()
	env := []string{"B2B_DATA_DIR=" + dir, "JWT_SECRET=" + smokeJWTSecret, "SERVICE_TOKEN=" + smokeServiceToken,
		"OIDC_ISSUER=" + idp.URL, "OIDC_AUDIENCE=" + audience, "OIDC_LINK_EMAIL=true"}
	one := servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
	split := servetest.Start(t, bin, append(append([]string(nil), env...), "CUSTOMERS_API_BASE="+one.URL("customers", "")),
		[]string{"orders"}, "--roles", "orders", "--port", "orders=0", "--no-migrate")
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	cli := func(args ...string) http.Header {
		return bearer(strings.TrimSpace(runB2B(t, bin, env, append([]string{"token"}, args...)...)))
	}
	admin := cli("--role", "admin")
	otherAdmin := cli("--role", "customer", "--customer-id", "2", "--member-id", "4")

	// Bob signs in through the IdP: his member is found by email and bound
	// to his subject.
	bob := bearer(idp.Token(t, "bob-sub", audience))
	var me struct {
		Data struct {
			CustomerID  int    `json:"customer_id"`
			Access      string `json:"access"`
			LocationIDs []int  `json:"location_ids"`
			Member      struct {
				ID      int    `json:"id"`
				Subject string `json:"subject"`
			} `json:"member"`
		} `json:"data"`
	}
	mustCall(t, "GET", one.URL("customers", "/api/v1/me"), "", bob, 200, &me)
	if d := me.Data; d.CustomerID != 1 || d.Access != "buyer" || d.Member.ID != 2 || d.Member.Subject != "bob-sub" || len(d.LocationIDs) != 1 || d.LocationIDs[0] != 2 {
		t.Fatalf("me = %+v", d)
	}
	// Unknown subjects and other audiences are refused: no implicit account.
	for name, h := range map[string]http.Header{
		"unknown subject": bearer(idp.Token(t, "eve-sub", audience)),
		"other audience":  bearer(idp.Token(t, "bob-sub", "another-api")),
	} {
		if s, b := call(t, "GET", one.URL("customers", "/api/v1/me"), "", h); s != 401 {
			t.Errorf("%s: %d %s", name, s, b)
		}
	}

	// Bob orders at his location; the order keeps the address and says
	// who placed it.
	type placed struct {
		Data struct {
			ID         int               `json:"id"`
			LocationID int               `json:"location_id"`
			ShipTo     map[string]any    `json:"ship_to"`
			PlacedBy   map[string]string `json:"placed_by"`
		} `json:"data"`
	}
	var bobs placed
	mustCall(t, "POST", one.URL("orders", "/api/v1/orders"), `{"customer_id":1,"location_id":2,"items":[{"product_id":2,"qty":1}]}`, bob, 201, &bobs)
	if d := bobs.Data; d.LocationID != 2 || d.ShipTo["address_line1"] != "7 Dock Road" || d.PlacedBy["type"] != "member" || d.PlacedBy["id"] != "2" {
		t.Fatalf("Bob's order = %+v", d)
	}
	// The customer's admin gives its ERP a key, limited to location 2.
	var key struct {
		Data struct {
			ID  int    `json:"id"`
			Key string `json:"key"`
		} `json:"data"`
	}
	mustCall(t, "POST", one.URL("customers", "/api/v1/customers/1/api-keys"), `{"name":"ERP","role":"buyer","location_ids":[2]}`,
		cli("--role", "customer", "--customer-id", "1", "--member-id", "1"), 201, &key)
	erp := http.Header{"X-API-Key": {key.Data.Key}}
	var erps placed
	mustCall(t, "POST", split.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":3,"qty":1}]}`, erp, 201, &erps)
	if d := erps.Data; d.LocationID != 2 || d.PlacedBy["type"] != "api_key" || d.PlacedBy["id"] != strconv.Itoa(key.Data.ID) {
		t.Fatalf("ERP's order = %+v", d)
	}
	// The same key as a Bearer credential, on the graph and the orchestrator.
	if s, b := call(t, "POST", one.URL("graph", "/graphql"), `{"query":"{ orders { edges { node { id } } } }"}`, bearer(key.Data.Key)); s != 200 || !strings.Contains(b, `"id":"`+strconv.Itoa(bobs.Data.ID)+`"`) {
		t.Errorf("graph with the key: %d %s", s, b)
	}
	if s, b := call(t, "POST", one.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
		`{"customer_id":1,"items":[{"product_id":4,"qty":1}],"idempotency_key":"erp-1"}`, bearer(key.Data.Key)); s != 201 && s != 200 {
		t.Errorf("orchestrator with the key: %d %s", s, b)
	}

	// The key as X-API-Key on the orchestrator goes on to the graph as the
	// key, never as the service token: it orders for its customer only.
	if s, b := call(t, "POST", one.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
		`{"customer_id":2,"items":[{"product_id":4,"qty":1}],"idempotency_key":"erp-2"}`, erp); s != 403 {
		t.Errorf("orchestrator, X-API-Key, another customer: %d %s", s, b)
	}
	var viaHeader struct {
		Data struct{ Order struct{ ID int } } `json:"data"`
	}
	mustCall(t, "POST", one.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
		`{"customer_id":1,"items":[{"product_id":4,"qty":1}],"idempotency_key":"erp-3"}`, erp, 201, &viaHeader)
	var confirmed placed
	mustCall(t, "GET", one.URL("orders", "/api/v1/orders/"+strconv.Itoa(viaHeader.Data.Order.ID)), "", admin, 200, &confirmed)
	if d := confirmed.Data; d.PlacedBy["type"] != "api_key" || d.LocationID != 2 {
		t.Errorf("the orchestrator's order for the key = %+v", d)
	}

	// Another customer's admin reaches none of it.
	for _, p := range []struct{ method, url, body string }{
		{"GET", one.URL("orders", "/api/v1/orders/"+strconv.Itoa(bobs.Data.ID)), ""},
		{"POST", one.URL("orders", "/api/v1/orders/"+strconv.Itoa(bobs.Data.ID)+"/cancel"), ""},
		{"GET", one.URL("customers", "/api/v1/customers/1/members"), ""},
		{"DELETE", one.URL("customers", "/api/v1/customers/1/api-keys/"+strconv.Itoa(key.Data.ID)), ""},
		{"POST", one.URL("orders", "/api/v1/orders"), `{"customer_id":2,"location_id":2,"items":[{"product_id":2,"qty":1}]}`},
	} {
		if s, b := call(t, p.method, p.url, p.body, otherAdmin); s != 404 {
			t.Errorf("%s %s by customer 2's admin: %d %s", p.method, p.url, s, b)
		}
	}

	// The events of both orders carry their actor: the outbox is the audit log.
	store, err := sql.Open("sqlite", filepath.Join(dir, "b2b.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for id, want := range map[int]string{bobs.Data.ID: "member:2", erps.Data.ID: "api_key:" + strconv.Itoa(key.Data.ID)} {
		var payload string
		if err := store.QueryRow("SELECT payload FROM order_events WHERE order_id = ? AND seq = 1", id).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var ev struct{ Actor struct{ Type, ID string } }
		if err := json.Unmarshal([]byte(payload), &ev); err != nil || ev.Actor.Type+":"+ev.Actor.ID != want {
			t.Errorf("order %d's event actor = %+v (%v), want %s", id, ev.Actor, err, want)
		}
	}

	// The IdP goes down: keys already fetched keep Bob signed in.
	idp.SetDown(true)
	mustCall(t, "GET", one.URL("customers", "/api/v1/me"), "", bob, 200, nil)
	idp.SetDown(false)

	// Bob makes a key of his own; then his admin removes him. His sign-in
	// and his key stop at once here and, within the cache's second, in the
	// split role too; the admin's ERP key goes on.
	var bobKey struct {
		Data struct{ Key string } `json:"data"`
	}
	mustCall(t, "POST", one.URL("customers", "/api/v1/customers/1/api-keys"), `{"name":"Bob's script","role":"viewer","location_ids":[2]}`, bob, 201, &bobKey)
	mustCall(t, "GET", split.URL("orders", "/api/v1/orders"), "", bearer(bobKey.Data.Key), 200, nil)
	mustCall(t, "DELETE", one.URL("customers", "/api/v1/customers/1/members/2"), "", admin, 204, nil)
	for name, h := range map[string]http.Header{"sign-in": bob, "his key": bearer(bobKey.Data.Key)} {
		if s, b := call(t, "GET", one.URL("customers", "/api/v1/me"), "", h); s != 401 {
			t.Errorf("%s after removal: %d %s", name, s, b)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			s, b := call(t, "GET", split.URL("orders", "/api/v1/orders"), "", h)
			if s == 401 {
				break
			}
			if s != 200 || time.Now().After(deadline) {
				t.Fatalf("%s in the split role after removal: %d %s", name, s, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	mustCall(t, "GET", one.URL("orders", "/api/v1/orders"), "", erp, 200, nil)
}
