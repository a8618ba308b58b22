package graph_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/server"
)

// statementCounter counts the statements ent's debug driver logs.
type statementCounter struct {
	mu    sync.Mutex
	lines []string
}

func (c *statementCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		if strings.Contains(l, "Query: query=") || strings.Contains(l, "Exec: query=") {
			c.lines = append(c.lines, l)
		}
	}
	return len(p), nil
}

func (c *statementCounter) reset() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lines
	c.lines = nil
	return l
}

// TestStatementCount proves the loaders: 50 orders with their customers,
// items and products cost a fixed number of statements, not one per order.
// The store's ent client logs every statement through the standard logger
// in debug mode, so the test is not parallel.
func TestStatementCount(t *testing.T) {
	counter := &statementCounter{}
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(counter)
	log.SetFlags(0)
	t.Cleanup(func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) })

	e := newEnv(t, func(c *envConfig) {
		c.store = func(d *db.DB) *db.DB { return &db.DB{Client: d.Client.Debug(), SQL: d.SQL, Dialect: d.Dialect} }
		// What is under test is that every edge goes through a loader; a
		// long wait keeps a loaded CI machine from splitting the batches.
		c.opts.Services.Wait = 100 * time.Millisecond
	})
	admin := e.admin()
	for i := range 46 {
		e.ok(admin, `mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`, vars("in", map[string]any{
			"customerId": fmt.Sprint(1 + i%5),
			"items": []any{
				map[string]any{"productId": fmt.Sprint(1 + i%10), "quantity": 1},
				map[string]any{"productId": fmt.Sprint(1 + (i+3)%10), "quantity": 1},
			},
		}), nil)
	}

	counter.reset()
	var d struct {
		Orders struct {
			Edges []struct {
				Node struct {
					Customer struct{ Name string }
					Items    []struct{ Product struct{ Sku string } }
				}
			}
		}
	}
	e.ok(admin, `{ orders(first: 50) { edges { node { id status customer { name } items { quantity product { sku } } } } } }`, nil, &d)
	stmts := counter.reset()
	if len(d.Orders.Edges) != 50 {
		t.Fatalf("%d orders, want 50", len(d.Orders.Edges))
	}
	for _, edge := range d.Orders.Edges {
		if edge.Node.Customer.Name == "" || len(edge.Node.Items) == 0 || edge.Node.Items[0].Product.Sku == "" {
			t.Fatalf("incomplete order %+v", edge.Node)
		}
	}
	if len(stmts) > 5 {
		t.Fatalf("%d statements for 50 orders, want at most 5:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	t.Logf("%d statements", len(stmts))

	// The same through Customer.orders and _entities, where items come
	// from the items loader rather than with the page.
	counter.reset()
	e.ok(admin, `{ customers { edges { node { name orders(first: 20) { edges { node { customer { name } items { product { sku } } } } } } } } }`, nil, nil)
	if stmts := counter.reset(); len(stmts) > 5 {
		t.Fatalf("%d statements for customers → orders → items → product, want at most 5:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	reps := make([]any, 50)
	for i := range reps {
		reps[i] = map[string]any{"__typename": "Order", "id": fmt.Sprint(i + 1)}
	}
	counter.reset()
	e.ok(admin, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { customer { name } items { product { sku } } } } }`, vars("r", reps), nil)
	if stmts := counter.reset(); len(stmts) > 5 {
		t.Fatalf("%d statements for 50 _entities orders, want at most 5:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
}

func TestDepthAndComplexityLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin()

	// Depth 9 is fine; the limit is 15.
	e.ok(admin, `{ customers(first: 2) { edges { node { orders(first: 2) { edges { node { items { product { sku } } } } } } } } }`, nil, nil)
	// Depth 16: orders → edges → node, three times customer → orders →
	// edges → node, and id.
	levels := strings.Repeat("customer { orders(first: 1) { edges { node { ", 3) + "id" + strings.Repeat(" } } } }", 3)
	e.fails(admin, `{ orders(first: 1) { edges { node { `+levels+` } } } }`, nil, server.CodeDepthLimit)
	// Fragments count too.
	e.fails(admin, `query { orders(first: 1) { ...o } }
		fragment o on OrderConnection { edges { node { `+levels+` } } }`, nil, server.CodeDepthLimit)
	// Introspection counts too: GraphiQL's query (depth 14) passes, two
	// levels more do not.
	e.ok(admin, `{ __schema { types { fields { type { `+strings.Repeat("ofType { ", 9)+`name`+strings.Repeat(" }", 9)+` } } } } }`, nil, nil)
	e.fails(admin, `{ __schema { types { fields { type { `+strings.Repeat("ofType { ", 11)+`name`+strings.Repeat(" }", 11)+` } } } } }`, nil, server.CodeDepthLimit)

	// 100 customers × 100 orders × 10 items is far over the limit, though
	// shallow enough.
	wide := `{ customers(first: 100) { edges { node { orders(first: 100) { edges { node { items { product { sku } } } } } } } } }`
	e.fails(admin, wide, nil, "COMPLEXITY_LIMIT_EXCEEDED")
	// The page size counts: the same query on small pages passes.
	e.ok(admin, strings.ReplaceAll(wide, "100", "5"), nil, nil)
	// A variable page size counts the same as a literal one.
	e.fails(admin, `query($n: Int) { customers(first: $n) { edges { node { orders(first: $n) { edges { node { items { product { sku } } } } } } } } }`,
		vars("n", 100), "COMPLEXITY_LIMIT_EXCEEDED")
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOptions(server.Options{MaxBodyBytes: 1 << 10}))
	r := e.do(e.admin(), `{ products(search: "`+strings.Repeat("x", 2000)+`") { edges { cursor } } }`, nil)
	if len(r.Errors) == 0 {
		t.Fatalf("a body over the limit was served: %s", r.Data)
	}
}

// TestInternalErrorsMasked: a store that fails and a resolver that panics
// both answer INTERNAL_SERVER_ERROR without their cause, and the cause is
// logged.
func TestInternalErrorsMasked(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))
	e := newEnv(t, withOptions(server.Options{Logger: logger}))
	admin := e.admin()
	if err := e.db.SQL.Close(); err != nil {
		t.Fatal(err)
	}
	internal := e.fails(admin, `{ products { edges { cursor } } }`, nil, server.CodeInternal)
	if internal.Message != "Internal server error" {
		t.Fatalf("internal error shown: %+v", internal)
	}
	mu.Lock()
	if !strings.Contains(logged.String(), "sql: database is closed") {
		t.Errorf("cause not logged:\n%s", logged.String())
	}
	mu.Unlock()

	// A combined graph built without its services panics in the resolver.
	h := graph.NewHandler(server.Options{Logger: logger, Services: loaders.Services{}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ customers { edges { cursor } } }"}`))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req.WithContext(servicesAdmin(req)))
	body, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(body), `"code":"INTERNAL_SERVER_ERROR"`) || !strings.Contains(string(body), `"message":"Internal server error"`) || strings.Contains(string(body), "nil pointer") {
		t.Fatalf("panic answered %d %s", rec.Code, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "panic") {
		t.Errorf("panic not logged:\n%s", logged.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
