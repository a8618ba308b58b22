package systest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// A client that writes its whole body before it reads a byte of the answer
// (Python's urllib does) still gets the 413 for a body over the limit, in
// the role's own envelope, not a reset connection: through the real
// binary, on a write of every role.
func TestOversizedBodyIsAnsweredToAClientThatWritesFirst(t *testing.T) {
	bin := servetest.Build(t)
	env := []string{"B2B_DATA_DIR=" + t.TempDir(), "JWT_SECRET=" + smokeJWTSecret, "SERVICE_TOKEN=" + smokeServiceToken}
	p := servetest.Start(t, bin, env, []string{"customers", "orders", "orchestrator", "graph"},
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	// 24 MiB of one JSON string: valid JSON, far more than the limit and
	// than the kernel buffers a write can fill before the server reads.
	body := `{"name":"` + strings.Repeat("x", 24<<20) + `"}`
	for _, tc := range []struct{ role, path, want string }{
		{"customers", "/api/v1/customers", `"error":"Request entity too large"`},
		{"orders", "/api/v1/orders", `"error":"Request entity too large"`},
		{"graph", "/graphql", `"errors"`},
		{"orchestrator", "/orchestrator/create-and-confirm-order", `"correlationId"`},
	} {
		t.Run(tc.role, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", p.Addr(tc.role), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			var req bytes.Buffer
			fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				tc.path, p.Addr(tc.role), token, len(body), body)
			if _, err := conn.Write(req.Bytes()); err != nil {
				t.Fatalf("writing the whole request: %v", err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading the answer after writing the whole body: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%d %s, want 413 with %s", resp.StatusCode, b, tc.want)
			}
		})
	}
}
