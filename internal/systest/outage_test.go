package systest

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/internal/servetest"
)

// cutProxy forwards TCP connections from a loopback port to target until
// it is cut: then it closes its listener (new connections are refused)
// and every connection it carries, as a database that went away would.
// Restore listens on the same port again.
type cutProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	p := &cutProxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.Restore(t)
	t.Cleanup(func() { p.Cut(); p.wg.Wait() })
	return p
}

// Port is the port the proxy listens on.
func (p *cutProxy) Port() string {
	_, port, _ := net.SplitHostPort(p.addr)
	return port
}

// Restore listens again (on the first call: on a free port).
func (p *cutProxy) Restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy: listen %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // cut
			}
			p.wg.Go(func() { p.forward(c) })
		}
	})
}

func (p *cutProxy) forward(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(client, server) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done // either side ended: end both
	client.Close()
	server.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// track registers a forwarded pair, or closes it when the proxy was cut
// in the meantime.
func (p *cutProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

// Cut closes the listener and every connection.
func (p *cutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// waitStatus polls url until it answers want, within a bound; each request
// has a client timeout, so a hung server fails the test too.
func waitStatus(t *testing.T, url string, want int) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(url)
		var body []byte
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want {
				return string(body)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer %d in time (last: %v %s)", url, want, err, body)
		}
		<-tick.C
	}
}

// The database goes away under a running binary and comes back: /health
// and /readyz turn 503 and back to 200 without a restart, and requests in
// between fail at once with an error answer instead of hanging. The
// database is cut with a proxy, not stopped, so other tests sharing the
// server are not disturbed.
func TestDatabaseOutage(t *testing.T) {
	server := mysqlServer(t)
	bin := servetest.Build(t)
	name := dropDatabaseAtEnd(t, server, "b2b_outage")
	env := mysqlEnv(t, server, name, "JWT_SECRET="+smokeJWTSecret, "SERVICE_TOKEN="+smokeServiceToken)
	runB2B(t, bin, env, "migrate")
	runB2B(t, bin, env, "seed")

	proxy := startProxy(t, server.Addr)
	viaProxy := append(env, "DB_HOST=127.0.0.1", "DB_PORT="+proxy.Port())
	roles := []string{"customers", "orders", "orchestrator", "graph"}
	p := servetest.Start(t, bin, viaProxy, roles,
		"--no-migrate", "--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
	token := strings.TrimSpace(runB2B(t, bin, env, "token", "--role", "admin"))
	auth := http.Header{"Authorization": {"Bearer " + token}}
	mustCall(t, "GET", p.URL("orders", "/api/v1/products"), "", auth, http.StatusOK, nil)

	proxy.Cut()
	for _, r := range roles {
		body := waitStatus(t, p.URL(r, "/health"), http.StatusServiceUnavailable)
		if !strings.HasPrefix(body, `{"status":"unhealthy","timestamp":"`) || !strings.HasSuffix(body, `"database":"disconnected"}`+"\n") {
			t.Errorf("%s: /health during the outage: %s", r, body)
		}
	}
	if body := waitStatus(t, p.URL("orders", "/readyz"), http.StatusServiceUnavailable); !strings.Contains(body, `"database":"disconnected"`) {
		t.Errorf("/readyz during the outage: %s", body)
	}
	mustCall(t, "GET", p.URL("orders", "/livez"), "", nil, http.StatusOK, nil)
	// Work that needs the database fails at once with 503 (UNAVAILABLE on
	// the graph): an outage, not a bug.
	if status, body := call(t, "GET", p.URL("orders", "/api/v1/products"), "", auth); status != http.StatusServiceUnavailable || !strings.Contains(body, "Service temporarily unavailable") {
		t.Errorf("REST during the outage: %d %s", status, body)
	}
	if status, body := call(t, "POST", p.URL("graph", "/graphql"), `{"query":"{ products(first: 1) { edges { node { id } } } }"}`, auth); status != 200 || !strings.Contains(body, `"code":"UNAVAILABLE"`) {
		t.Errorf("graph during the outage: %d %s", status, body)
	}
	if status, body := call(t, "POST", p.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
		`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"outage-1"}`, auth); status != http.StatusServiceUnavailable {
		t.Errorf("orchestrator during the outage: %d %s", status, body)
	}

	proxy.Restore(t)
	for _, r := range roles {
		waitStatus(t, p.URL(r, "/health"), http.StatusOK)
	}
	waitStatus(t, p.URL("orders", "/readyz"), http.StatusOK)
	mustCall(t, "GET", p.URL("orders", "/api/v1/products"), "", auth, http.StatusOK, nil)
	mustCall(t, "POST", p.URL("orchestrator", "/orchestrator/create-and-confirm-order"),
		`{"customer_id":1,"items":[{"product_id":1,"qty":1}],"idempotency_key":"outage-2"}`, auth, http.StatusCreated, nil)
}
