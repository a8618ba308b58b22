package rest_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// These tests run the real binary (cmd/b2b) on loopback, on its embedded
// store, as an operator would.

// call is one curl: method, URL, JSON body, and the token if any.
func call(t *testing.T, method, url, body, token string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// expect checks an answer's status and, for errors, its message.
func expect(t *testing.T, what string, status int, body []byte, wantStatus int, wantMsg string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: %d %s, want %d", what, status, body, wantStatus)
	}
	if wantMsg != "" {
		if got := errorMessage(t, body); got != wantMsg {
			t.Fatalf("%s: error %q, want %q", what, got, wantMsg)
		}
	}
}

// The README's curl examples ("Example Usage" and the REST steps of
// "Complete Order Flow Example"), against `b2b serve` on the embedded
// default: with the token the README tells operators to get from
// `b2b token`, and exactly as written with AUTH_REQUIRED=false. The store
// is seeded on first start, so the examples that create the seed's
// customer and product answer 409, as they did on the original once its
// seed was loaded.
func TestREADMEExamples(t *testing.T) {
	t.Parallel()
	bin := servetest.Build(t)
	for _, mode := range []string{"token", "AUTH_REQUIRED=false"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dataDir := filepath.Join(t.TempDir(), "data")
			env := []string{"B2B_DATA_DIR=" + dataDir}
			token := ""
			if mode == "token" {
				// The README's way: b2b token, with the server's environment.
				cmd := exec.Command(bin, "token", "--role", "admin")
				cmd.Env = env
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("b2b token: %v", err)
				}
				token = strings.TrimSpace(string(out))
			} else {
				env = append(env, "AUTH_REQUIRED=false")
			}
			p := servetest.Start(t, bin, env, []string{"customers", "orders"},
				"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
			cust, ord := p.URL("customers", ""), p.URL("orders", "")

			if mode == "token" {
				s, b := call(t, "GET", cust+"/api/v1/customers/1", "", "")
				expect(t, "without the token", s, b, 401, "Authentication required")
			}

			// Example Usage, Customers API.
			s, b := call(t, "POST", cust+"/api/v1/customers", `{
    "name": "ACME Corporation",
    "email": "ops@acme.com",
    "phone": "+1-555-0101"
  }`, token)
			expect(t, "create customer", s, b, 409, "Email already exists")

			s, b = call(t, "GET", cust+"/api/v1/customers/1", "", token)
			expect(t, "get customer", s, b, 200, "")
			var c struct {
				ID          int
				Name, Email string
			}
			dataOf(t, b, &c)
			if c.ID != 1 || c.Name != "ACME Corporation" || c.Email != "ops@acme.com" {
				t.Fatalf("customer 1: %s", b)
			}

			s, b = call(t, "GET", cust+"/api/v1/customers?limit=10&cursor=0", "", token)
			expect(t, "list customers", s, b, 200, "")
			var list struct {
				Data       []struct{ ID int }
				Pagination map[string]any
			}
			if err := json.Unmarshal(b, &list); err != nil || len(list.Data) != 5 ||
				list.Pagination["cursor"] != 5.0 || list.Pagination["limit"] != 10.0 || list.Pagination["hasMore"] != false {
				t.Fatalf("list customers: %s", b)
			}

			// Example Usage, Orders API.
			s, b = call(t, "POST", ord+"/api/v1/products", `{
    "sku": "LAPTOP-001",
    "name": "Professional Laptop",
    "price_cents": 129900,
    "stock": 50
  }`, token)
			expect(t, "create product", s, b, 409, "SKU already exists")

			s, b = call(t, "POST", ord+"/api/v1/orders", `{
    "customer_id": 1,
    "items": [
      {
        "product_id": 1,
        "qty": 2
      }
    ]
  }`, token)
			expect(t, "create order", s, b, 201, "")
			var o struct {
				ID         int
				Status     string
				TotalCents int `json:"total_cents"`
			}
			dataOf(t, b, &o)
			if o.Status != "CREATED" || o.TotalCents != 259800 {
				t.Fatalf("create order: %s", b)
			}

			s, b = call(t, "POST", ord+"/api/v1/orders/1/confirm", `{
    "idempotency_key": "unique-key-123"
  }`, token)
			expect(t, "confirm order", s, b, 200, "")
			dataOf(t, b, &o)
			if o.ID != 1 || o.Status != "CONFIRMED" {
				t.Fatalf("confirm order 1: %s", b)
			}

			// Complete Order Flow Example, steps 1 and 2 (step 3 is the
			// orchestrator's).
			s, b = call(t, "POST", cust+"/api/v1/customers", `{
    "name": "Example Corp",
    "email": "orders@example.com",
    "phone": "+1-555-0123"
  }`, token)
			expect(t, "flow: create customer", s, b, 201, "")
			dataOf(t, b, &c)
			customerID := c.ID
			s, b = call(t, "POST", ord+"/api/v1/products", `{
    "sku": "PROD-001",
    "name": "Sample Product",
    "price_cents": 10000,
    "stock": 100
  }`, token)
			expect(t, "flow: create product", s, b, 201, "")
			var prod struct{ ID int }
			dataOf(t, b, &prod)
			if customerID < 6 || prod.ID < 11 {
				t.Fatalf("new ids %d and %d", customerID, prod.ID)
			}

			// The documents are served on both roles.
			for _, base := range []string{cust, ord} {
				s, b = call(t, "GET", base+"/api/v1/openapi.json", "", "")
				expect(t, "openapi.json", s, b, 200, "")
			}
		})
	}
}

// Split mode, as docker-compose runs it: one process per role over one
// store, PORT choosing the customers role's port, and the orders role
// checking customers at CUSTOMERS_API_BASE with the service token.
func TestSplitRoles(t *testing.T) {
	t.Parallel()
	bin := servetest.Build(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	port := freePort(t)
	common := []string{"B2B_DATA_DIR=" + dataDir, "AUTH_REQUIRED=false",
		"JWT_SECRET=split-test-jwt-secret-0123456789abcdef", "SERVICE_TOKEN=split-test-service-token"}
	cust := servetest.Start(t, bin, append(common, "PORT="+strconv.Itoa(port)), []string{"customers"}, "--roles", "customers")
	if want := "127.0.0.1:" + strconv.Itoa(port); cust.Addr("customers") != want {
		t.Fatalf("customers role on %s, want %s (PORT)", cust.Addr("customers"), want)
	}
	ord := servetest.Start(t, bin, append(common, "CUSTOMERS_API_BASE="+cust.URL("customers", "")),
		[]string{"orders"}, "--roles", "orders", "--port", "orders=0")

	s, b := call(t, "POST", ord.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`, "")
	expect(t, "order for a customer", s, b, 201, "")
	s, b = call(t, "POST", ord.URL("orders", "/api/v1/orders"), `{"customer_id":999,"items":[{"product_id":2,"qty":1}]}`, "")
	expect(t, "order for an unknown customer", s, b, 404, "Customer not found or inactive")
	s, b = call(t, "DELETE", cust.URL("customers", "/api/v1/customers/2"), "", "")
	expect(t, "delete customer 2", s, b, 204, "")
	s, b = call(t, "POST", ord.URL("orders", "/api/v1/orders"), `{"customer_id":2,"items":[{"product_id":2,"qty":1}]}`, "")
	expect(t, "order for a deleted customer", s, b, 404, "Customer not found or inactive")

	// Without the customers role the orders role cannot check customers:
	// that is its failure, not the caller's, and nothing is taken.
	cust.Stop(t)
	s, b = call(t, "POST", ord.URL("orders", "/api/v1/orders"), `{"customer_id":1,"items":[{"product_id":2,"qty":1}]}`, "")
	expect(t, "order while customers is down", s, b, 503, "Service temporarily unavailable")
	s, b = call(t, "GET", ord.URL("orders", "/api/v1/products/2"), "", "")
	var p struct{ Stock int }
	dataOf(t, b, &p)
	if s != 200 || p.Stock != 199 {
		t.Fatalf("product 2: %d %s", s, b)
	}
	// The log is read from the process's stderr as it comes: the access
	// line may reach the test after the answer did.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(ord.Logs(), `"status":503`); {
		if time.Now().After(deadline) {
			t.Fatalf("the failure is not logged:\n%s", ord.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a port nobody listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
