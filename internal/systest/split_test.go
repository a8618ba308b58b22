package systest

// The split-process smoke test: what docker-compose.yml runs (migrate,
// seed, one `b2b serve --roles X --no-migrate` per role, wired through
// CUSTOMERS_API_BASE and GRAPH_URL), run by CI against MariaDB with the
// real binary, then one flow across the roles.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/internal/servetest"
)

// mysqlServer is the server of B2B_TEST_MYSQL_DSN; without it the test is
// skipped (CI always sets it).
func mysqlServer(t *testing.T) *mysql.Config {
	t.Helper()
	dsn := os.Getenv(dbtest.EnvMySQLDSN)
	if dsn == "" {
		t.Skipf("%s is not set: this test needs MySQL or MariaDB (CI sets it)", dbtest.EnvMySQLDSN)
	}
	server, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", dbtest.EnvMySQLDSN, err)
	}
	server.DBName = ""
	return server
}

// dropDatabaseAtEnd names a new database on server and drops it when the
// test ends; `b2b migrate` creates it.
func dropDatabaseAtEnd(t *testing.T, server *mysql.Config, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", server.FormatDSN())
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	return name
}

// mysqlEnv is the environment of a b2b process on server's database name.
func mysqlEnv(t *testing.T, server *mysql.Config, name string, extra ...string) []string {
	t.Helper()
	host, port, err := net.SplitHostPort(server.Addr)
	if err != nil {
		t.Fatalf("%s: address %q: %v", dbtest.EnvMySQLDSN, server.Addr, err)
	}
	return append([]string{
		"DB_DRIVER=mysql", "DB_HOST=" + host, "DB_PORT=" + port,
		"DB_USER=" + server.User, "DB_PASSWORD=" + server.Passwd, "DB_NAME=" + name,
		"B2B_DATA_DIR=" + t.TempDir(),
	}, extra...)
}

// runB2B runs a one-shot b2b command and returns its stdout; a non-zero
// exit fails the test.
func runB2B(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("b2b %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out) + stderr.String()
}

// call sends one request and returns the status and body; the client's
// timeout turns a hung server into a failure rather than a hung test.
func call(t *testing.T, method, url, body string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

// mustCall is call that fails unless the status is want, and decodes the
// JSON answer into out (when not nil).
func mustCall(t *testing.T, method, url, body string, header http.Header, want int, out any) string {
	t.Helper()
	status, got := call(t, method, url, body, header)
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, status, got, want)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(got), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, got)
		}
	}
	return got
}

// requireMetric fails unless the /metrics page at url has the sample line.
func requireMetric(t *testing.T, url string, lines ...string) {
	t.Helper()
	_, page := call(t, http.MethodGet, url, "", nil)
	for _, l := range lines {
		if !slices.Contains(strings.Split(page, "\n"), l) {
			t.Errorf("%s lacks %q", url, l)
		}
	}
}

// smokeSecrets are the secrets of the split test: none may show in a log.
const (
	smokeJWTSecret    = "smoke-jwt-secret-5f0c1d9e7a3b4c2d8e6f"
	smokeServiceToken = "smoke-service-token-9a8b7c6d5e4f3a2b"
)

func TestSplitProcessSmoke(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	name := dropDatabaseAtEnd(t, server, "b2b_split")
	env := mysqlEnv(t, server, name, "JWT_SECRET="+smokeJWTSecret, "SERVICE_TOKEN="+smokeServiceToken)

	// The compose jobs.
	var outputs []string
	out := runB2B(t, bin, env, "migrate")
	if !strings.Contains(out, "created database "+name) || !strings.Contains(out, "applied ") {
		t.Fatalf("migrate: %s", out)
	}
	outputs = append(outputs, out)
	if out = runB2B(t, bin, env, "seed"); !strings.Contains(out, "seeded 44 rows") {
		t.Fatalf("seed: %s", out)
	}
	outputs = append(outputs, out)

	// The compose servers, one process per role.
	serve := func(roleName string, extra ...string) *servetest.Process {
		return servetest.Start(t, bin, append(append([]string(nil), env...), extra...), []string{roleName},
			"--roles", roleName, "--port", roleName+"=0", "--no-migrate")
	}
	customersP := serve("customers")
	ordersP := serve("orders", "CUSTOMERS_API_BASE=http://"+customersP.Addr("customers"))
	graphP := serve("graph")
	orchestratorP := serve("orchestrator", "GRAPH_URL=http://"+graphP.Addr("graph")+"/graphql")
	procs := map[string]*servetest.Process{"customers": customersP, "orders": ordersP, "graph": graphP, "orchestrator": orchestratorP}
	for r, p := range procs {
		mustCall(t, "GET", p.URL(r, "/readyz"), "", nil, http.StatusOK, nil)
	}

	tokenOut := runB2B(t, bin, env, "token", "--role", "admin")
	token := strings.TrimSpace(tokenOut)
	auth := http.Header{"Authorization": {"Bearer " + token}}

	// REST on the customers role.
	var customer struct{ Data struct{ ID int } }
	mustCall(t, "POST", customersP.URL("customers", "/api/v1/customers"),
		`{"name":"Smoke Corp","email":"smoke@example.com","phone":"+1-555-0199"}`, auth, http.StatusCreated, &customer)
	cid := strconv.Itoa(customer.Data.ID)

	// REST on the orders role, which checks the customer through the
	// customers role's internal route.
	var product struct{ Data struct{ ID int } }
	mustCall(t, "POST", ordersP.URL("orders", "/api/v1/products"),
		`{"sku":"SMOKE-1","name":"Smoke detector","price_cents":2500,"stock":10}`, auth, http.StatusCreated, &product)
	pid := strconv.Itoa(product.Data.ID)
	var order struct {
		Data struct {
			ID     int
			Status string
		}
	}
	mustCall(t, "POST", ordersP.URL("orders", "/api/v1/orders"),
		`{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":2}]}`, auth, http.StatusCreated, &order)
	oid := strconv.Itoa(order.Data.ID)
	mustCall(t, "POST", ordersP.URL("orders", "/api/v1/orders/"+oid+"/confirm"),
		`{"idempotency_key":"smoke-confirm-1"}`, auth, http.StatusOK, &order)
	if order.Data.Status != "CONFIRMED" {
		t.Fatalf("confirm: status %s", order.Data.Status)
	}

	// The orchestrator, through the graph process.
	var orch struct {
		Success       bool
		CorrelationID string
		Data          struct {
			Customer struct{ Name string }
			Order    struct {
				ID     int
				Status string
			}
		}
	}
	orchHeader := http.Header{"Authorization": auth["Authorization"], "X-Correlation-Id": {"smoke-flow-1"}}
	mustCall(t, "POST", orchestratorP.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
		`{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":3}],"idempotency_key":"smoke-cc-1"}`,
		orchHeader, http.StatusCreated, &orch)
	if !orch.Success || orch.CorrelationID != "smoke-flow-1" || orch.Data.Order.Status != "CONFIRMED" || orch.Data.Customer.Name != "Smoke Corp" {
		t.Fatalf("orchestrator: %+v", orch)
	}

	// The combined graph: both new orders, with their customer.
	var graph struct {
		Data struct {
			Orders struct {
				Edges []struct {
					Node struct {
						ID       string
						Status   string
						Customer struct{ Name string }
					}
				}
			}
		}
		Errors []any
	}
	mustCall(t, "POST", graphP.URL("graph", "/graphql"),
		`{"query":"query SmokeOrders { orders(first: 100) { edges { node { id status customer { name } } } } }"}`,
		auth, http.StatusOK, &graph)
	found := map[string]string{}
	for _, e := range graph.Data.Orders.Edges {
		if e.Node.Customer.Name == "Smoke Corp" {
			found[e.Node.ID] = e.Node.Status
		}
	}
	if len(graph.Errors) > 0 || found[oid] != "CONFIRMED" || found[strconv.Itoa(orch.Data.Order.ID)] != "CONFIRMED" || len(found) != 2 {
		t.Fatalf("graph: errors %v, Smoke Corp's orders %v", graph.Errors, found)
	}

	// The counters moved where the work happened: the REST order on the
	// orders role, the orchestrator's order in the graph process.
	requireMetric(t, ordersP.URL("orders", "/metrics"),
		"b2b_orders_created_total 1", "b2b_orders_confirmed_total 1",
		`b2b_http_requests_total{method="POST",role="orders",route="/api/v1/orders/{id}/confirm",status="200"} 1`)
	requireMetric(t, graphP.URL("graph", "/metrics"),
		"b2b_orders_created_total 1", "b2b_orders_confirmed_total 1",
		`b2b_graphql_operations_total{operation="CreateAndConfirmOrder",outcome="ok",role="graph"} 1`)
	requireMetric(t, customersP.URL("customers", "/metrics"),
		`b2b_http_requests_total{method="GET",role="customers",route="/api/v1/internal/customers/{id}",status="200"} 1`)

	// Stop them all, so that every log is complete, then read the logs:
	// the correlation id travelled from the orchestrator to the graph, and
	// no secret was written anywhere.
	for _, p := range procs {
		p.Stop(t)
	}
	logs := map[string]string{}
	for r, p := range procs {
		logs[r] = p.Logs()
	}
	requireAccessLine(t, logs["orchestrator"], `"route":"/orchestrator/create-and-confirm-order"`, `"status":201`, `"correlation_id":"smoke-flow-1"`)
	requireAccessLine(t, logs["graph"], `"operation":"CreateAndConfirmOrder"`, `"correlation_id":"smoke-flow-1"`)
	all := strings.Join(append(outputs, logs["customers"], logs["orders"], logs["graph"], logs["orchestrator"]), "\n")
	requireNoSecret(t, all, smokeJWTSecret, smokeServiceToken, token)
}

// requireAccessLine fails unless one "request" line of logs has all parts.
func requireAccessLine(t *testing.T, logs string, parts ...string) {
	t.Helper()
	for l := range strings.SplitSeq(logs, "\n") {
		if !strings.Contains(l, `"msg":"request"`) {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no access line with %v in:\n%s", parts, logs)
}

// requireNoSecret fails if logs show any of the secrets, or the signature
// of a token on its own.
func requireNoSecret(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			t.Fatal("an empty secret proves nothing")
		}
		probes := []string{s}
		if parts := strings.Split(s, "."); len(parts) == 3 { // a JWT
			probes = append(probes, parts[2])
		}
		for _, p := range probes {
			if strings.Contains(logs, p) {
				t.Errorf("the logs show a secret (%.8s…)", p)
			}
		}
	}
}
