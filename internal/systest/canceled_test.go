package systest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// A client that gives up while its request waits on the database is
// logged as a client that went away, on every transport, through the real
// binary on MariaDB: an access line marked canceled, at info, and no
// error or warning line. The test holds a product's row lock so that the
// requests wait, then cancels them.
func TestCanceledRequestsAreNotErrors(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	name := dropDatabaseAtEnd(t, server, "b2b_cancel")
	env := mysqlEnv(t, server, name, "JWT_SECRET="+smokeJWTSecret, "SERVICE_TOKEN="+smokeServiceToken, "LOG_LEVEL=debug")
	runB2B(t, bin, env, "migrate")
	runB2B(t, bin, env, "seed")
	p := servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0", "--no-migrate")
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))

	dsn := *server
	dsn.DBName = name
	locker, err := sql.Open("mysql", dsn.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	tx, err := locker.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec("SELECT stock FROM products WHERE id = 1 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ role, path, body string }{
		{"orders", "/api/v1/products/1", `{"stock":7}`},
		{"graph", "/graphql", `{"query":"mutation { updateProduct(id: \"1\", input: { stock: 7 }) { id } }"}`},
		{"orchestrator", "/orchestrator/create-and-confirm-order", `{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"cancel-1"}`},
	} {
		method := http.MethodPost
		if tc.role == "orders" {
			method = http.MethodPatch
		}
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		req, err := http.NewRequestWithContext(ctx, method, p.URL(tc.role, tc.path), strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: answered %d while the row was locked", tc.role, resp.StatusCode)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: %v", tc.role, err)
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	// Each role's access line for its canceled request, once written.
	want := map[string]bool{"orders": true, "graph": true, "orchestrator": true}
	deadline := time.Now().Add(20 * time.Second)
	for len(want) > 0 && time.Now().Before(deadline) {
		for line := range strings.SplitSeq(p.Logs(), "\n") {
			var l struct {
				Level, Msg, Role string
				Canceled         bool
				Status           int
			}
			if json.Unmarshal([]byte(line), &l) != nil {
				continue
			}
			if l.Level == "ERROR" || l.Level == "WARN" {
				t.Fatalf("logged as a fault: %s", line)
			}
			if l.Msg == "request" && l.Canceled && want[l.Role] {
				if l.Level != "INFO" {
					t.Errorf("%s: %s", l.Role, line)
				}
				delete(want, l.Role)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(want) > 0 {
		t.Fatalf("no canceled access line for %v:\n%s", want, p.Logs())
	}
}
