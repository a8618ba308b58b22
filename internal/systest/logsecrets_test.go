package systest

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/db/dbtest"
	"github.com/b2b-orders/platform/internal/servetest"
)

// Known secrets, so that the logs can be searched for them.
const (
	logJWTSecret    = "log-test-jwt-secret-3e1f0a9b8c7d6e5f4a3b"
	logServiceToken = "log-test-service-token-7c6b5a4f3e2d1c0b"
	logDBPassword   = "log-test-db-password-1a2b3c4d"
)

// A full flow through the real binary at debug level, with every kind of
// credential in play (a user token, the service token, a forged token
// that carries the JWT secret, the database password), writes none of
// them to the log. On MySQL the password is real: the test creates a user
// with it.
func TestLogsShowNoSecrets(t *testing.T) {
	bin := servetest.Build(t)
	env := []string{
		"B2B_DATA_DIR=" + t.TempDir(), "LOG_LEVEL=debug",
		"JWT_SECRET=" + logJWTSecret, "SERVICE_TOKEN=" + logServiceToken, "DB_PASSWORD=" + logDBPassword,
	}
	if os.Getenv(dbtest.EnvMySQLDSN) != "" {
		env = mysqlWithPassword(t, bin, env)
	}
	p := servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	user := http.Header{"Authorization": {"Bearer " + token}}

	var customer struct{ Data struct{ ID int } }
	mustCall(t, "POST", p.URL("customers", "/api/v1/customers"), `{"name":"Log Corp","email":"log@example.com"}`, user, 201, &customer)
	cid := strconv.Itoa(customer.Data.ID)
	var product struct{ Data struct{ ID int } }
	mustCall(t, "POST", p.URL("orders", "/api/v1/products"), `{"sku":"LOG-1","name":"Log","price_cents":100,"stock":5}`, user, 201, &product)
	pid := strconv.Itoa(product.Data.ID)
	var order struct{ Data struct{ ID int } }
	mustCall(t, "POST", p.URL("orders", "/api/v1/orders"), `{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":1}]}`, user, 201, &order)
	mustCall(t, "POST", p.URL("orders", fmt.Sprintf("/api/v1/orders/%d/confirm", order.Data.ID)), `{"idempotency_key":"log-1"}`, user, 200, nil)
	mustCall(t, "POST", p.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
		`{"customer_id":`+cid+`,"items":[{"product_id":`+pid+`,"qty":1}],"idempotency_key":"log-2"}`, user, 201, nil)
	mustCall(t, "POST", p.URL("graph", "/graphql"), `{"query":"{ orders(first: 5) { edges { node { id customer { name } } } } }"}`, user, 200, nil)
	mustCall(t, "GET", p.URL("customers", "/api/v1/internal/customers/"+cid), "", http.Header{"Authorization": {"Bearer " + logServiceToken}}, 200, nil)
	// Refused credentials are not echoed into the log either.
	mustCall(t, "GET", p.URL("customers", "/api/v1/customers"), "", http.Header{"Authorization": {"Bearer " + logJWTSecret}}, 401, nil)
	mustCall(t, "GET", p.URL("customers", "/api/v1/internal/customers/"+cid), "", http.Header{"Authorization": {"Bearer " + logServiceToken + "x"}}, 403, nil)
	mustCall(t, "POST", p.URL("graph", "/graphql"), `{"query":"{ orders(first: 1) { edges { node { id } } } }"}`, http.Header{"Authorization": {"Bearer " + token + "x"}}, 200, nil)

	p.Stop(t)
	logs := p.Logs()
	if !strings.Contains(logs, `"msg":"request"`) || !strings.Contains(logs, `"msg":"starting"`) {
		t.Fatalf("the log lacks the lines this test is about:\n%s", logs)
	}
	requireNoSecret(t, logs, logJWTSecret, logServiceToken, logDBPassword, token)
}

// mysqlWithPassword creates a database and a user whose password is
// logDBPassword on the test server, migrates it with the binary, and
// returns env pointed at them. Both go when the test ends.
func mysqlWithPassword(t *testing.T, bin string, env []string) []string {
	t.Helper()
	server := mysqlServer(t)
	name := dropDatabaseAtEnd(t, server, "b2b_logs")
	userName := fmt.Sprintf("b2b_logs_%d", time.Now().UnixNano()%1_000_000_000)
	admin, err := sql.Open("mysql", server.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP USER IF EXISTS '" + userName + "'@'%'"); err != nil {
			t.Errorf("drop user: %v", err)
		}
		admin.Close()
	})
	for _, stmt := range []string{
		"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
		"CREATE USER '" + userName + "'@'%' IDENTIFIED BY '" + logDBPassword + "'",
		"GRANT ALL PRIVILEGES ON `" + name + "`.* TO '" + userName + "'@'%'",
	} {
		if _, err := admin.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	withUser := *server
	withUser.User, withUser.Passwd = userName, logDBPassword
	env = append(mysqlEnv(t, &withUser, name), env...) // later values win: DB_PASSWORD is the same
	runB2B(t, bin, env, "migrate")
	return env
}
