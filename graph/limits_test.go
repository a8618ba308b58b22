package graph_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gqlgen "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/b2b-orders/platform/db"
	"github.com/b2b-orders/platform/graph"
	"github.com/b2b-orders/platform/graph/customersgraph"
	"github.com/b2b-orders/platform/graph/loaders"
	"github.com/b2b-orders/platform/graph/model"
	"github.com/b2b-orders/platform/graph/ordersgraph"
	"github.com/b2b-orders/platform/graph/server"
	"github.com/b2b-orders/platform/internal/gqlcode"
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
	// Orders at locations, placed by members: the locations and the
	// placers' members are batched too.
	for i := range 20 {
		auth, customer, location := e.member(1, 1), "1", fmt.Sprint(1+i%2)
		if i%4 == 3 {
			auth, customer, location = e.member(2, 4), "2", "3"
		}
		e.ok(auth, `mutation($in: CreateOrderInput!) { createOrder(input: $in) { id } }`, vars("in", map[string]any{
			"customerId": customer, "locationId": location, "items": []any{map[string]any{"productId": "10", "quantity": 1}},
		}), nil)
	}
	counter.reset()
	var placed struct {
		Orders struct {
			Edges []struct {
				Node struct {
					Location struct{ Name string }
					PlacedBy struct{ Member struct{ Name string } }
				}
			}
		}
	}
	e.ok(admin, `{ orders(first: 20, after: "b3JkZXI6NTA") { edges { node { id location { name } shipTo { city }
		placedBy { type member { name locations { name } } } customer { name } items { product { sku } } } } } }`, nil, &placed)
	stmts = counter.reset()
	if len(placed.Orders.Edges) != 20 {
		t.Fatalf("%d orders at locations, want 20", len(placed.Orders.Edges))
	}
	for _, edge := range placed.Orders.Edges {
		if edge.Node.Location.Name == "" || edge.Node.PlacedBy.Member.Name == "" {
			t.Fatalf("incomplete order %+v", edge.Node)
		}
	}
	if len(stmts) > 7 {
		t.Fatalf("%d statements for 20 orders with their locations and placers, want at most 7:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
	t.Logf("%d statements for orders with locations and placers", len(stmts))

	reps := make([]any, 50)
	for i := range reps {
		reps[i] = map[string]any{"__typename": "Order", "id": fmt.Sprint(i + 1)}
	}
	counter.reset()
	e.ok(admin, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { customer { name } items { product { sku } } } } }`, vars("r", reps), nil)
	if stmts := counter.reset(); len(stmts) > 5 {
		t.Fatalf("%d statements for 50 _entities orders, want at most 5:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}

	// Approval decisions: none read for orders that asked for no
	// approval; for a page of decided orders one batch (the service's
	// two statements), and their deciders' members one more.
	const page = `{ orders(first: 10, after: "b3JkZXI6NzA") { edges { node { id } } } }` // after the 70 orders above
	counter.reset()
	e.ok(admin, `{ orders(first: 50) { edges { node { id } } } }`, nil, nil)
	base := len(counter.reset())
	e.ok(admin, `{ orders(first: 50) { edges { node { id decisions { level } } } } }`, nil, nil)
	if stmts := counter.reset(); len(stmts) != base {
		t.Fatalf("%d statements for 50 orders without approval and their decisions, want %d:\n%s", len(stmts), base, strings.Join(stmts, "\n"))
	}
	e.ok(e.member(1, 1), `mutation { approvalRuleCreate(customerId: "1", input: {name: "All", minTotalCents: 0, approverRoles: [ADMIN]}) { id } }`, nil, nil)
	for i := range 10 {
		var placed struct{ CreateOrder struct{ ID string } }
		e.ok(e.member(1, 2), `mutation { createOrder(input: {customerId: "1", items: [{productId: "10", quantity: 1}]}) { id } }`, nil, &placed)
		e.ok(e.member(1, 1), `mutation($id: ID!, $k: String!) { approveOrder(input: {id: $id, idempotencyKey: $k}) { id } }`,
			vars("id", placed.CreateOrder.ID, "k", fmt.Sprint("stmt-", i)), nil)
	}
	counter.reset()
	e.ok(admin, page, nil, nil)
	base = len(counter.reset())
	var decided struct {
		Orders struct {
			Edges []struct {
				Node struct {
					Decisions []struct {
						Actor struct{ Member struct{ Name string } }
					}
				}
			}
		}
	}
	e.ok(admin, strings.Replace(page, "{ id }", "{ id decisions { level approved actor { type member { name } } } }", 1), nil, &decided)
	stmts = counter.reset()
	for _, edge := range decided.Orders.Edges {
		if len(edge.Node.Decisions) != 1 || edge.Node.Decisions[0].Actor.Member.Name != "Olivia Ops" {
			t.Fatalf("decisions: %+v", decided.Orders)
		}
	}
	if len(decided.Orders.Edges) != 10 || len(stmts) > base+3 {
		t.Fatalf("%d statements for %d decided orders with their deciders, want at most %d:\n%s", len(stmts), len(decided.Orders.Edges), base+3,
			strings.Join(stmts, "\n"))
	}
	t.Logf("%d statements for a page of orders, %d with their decisions", base, len(stmts))
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
	e.fails(admin, `{ orders(first: 1) { edges { node { `+levels+` } } } }`, nil, gqlcode.DepthLimit)
	// Fragments count too.
	e.fails(admin, `query { orders(first: 1) { ...o } }
		fragment o on OrderConnection { edges { node { `+levels+` } } }`, nil, gqlcode.DepthLimit)
	// Introspection counts too: GraphiQL's query (depth 14) passes, two
	// levels more do not.
	e.ok(admin, `{ __schema { types { fields { type { `+strings.Repeat("ofType { ", 9)+`name`+strings.Repeat(" }", 9)+` } } } } }`, nil, nil)
	e.fails(admin, `{ __schema { types { fields { type { `+strings.Repeat("ofType { ", 11)+`name`+strings.Repeat(" }", 11)+` } } } } }`, nil, gqlcode.DepthLimit)

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
	internal := e.fails(admin, `{ products { edges { cursor } } }`, nil, gqlcode.Internal)
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

// schemaFields returns every output field the schema files declare, by
// coordinate, with each declaration of it (a type and its extensions),
// read as they are rather than from the generated code, so that a field
// added to a file fails here before go generate runs.
func schemaFields(t *testing.T) map[string][]*ast.FieldDefinition {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("schema", "*.graphqls"))
	if err != nil || len(files) < 5 {
		t.Fatalf("schema files: %v, %v", files, err)
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	doc, err := parser.ParseSchemas(sources...)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string][]*ast.FieldDefinition{}
	for _, d := range append(doc.Definitions, doc.Extensions...) {
		if d.Kind == ast.InputObject {
			continue // an argument's fields are read, never selected
		}
		for _, f := range d.Fields {
			fields[d.Name+"."+f.Name] = append(fields[d.Name+"."+f.Name], f)
		}
	}
	return fields
}

// costedGraphs are the three graphs as served, each with its own
// Complexity, all three reading model.ListCosts: they must answer what it
// says.
func costedGraphs() map[string]gqlgen.ExecutableSchema {
	return map[string]gqlgen.ExecutableSchema{
		"combined":  server.Executable(graph.NewExecutableSchema, graph.Config{Complexity: graph.Complexity()}),
		"customers": server.Executable(customersgraph.NewExecutableSchema, customersgraph.Config{Complexity: customersgraph.Complexity()}),
		"orders":    server.Executable(ordersgraph.NewExecutableSchema, ordersgraph.Config{Complexity: ordersgraph.Complexity()}),
	}
}

// listLike reports whether a field of this type needs a ListCost: a list,
// or a connection (a page of one).
func listLike(t *ast.Type) bool {
	return t.Elem != nil || strings.HasSuffix(t.Name(), "Connection")
}

// TestListCostsCoverTheSchema fails when the cost table and the schema
// part: a field returning a list or a …Connection (in the schema files or
// in the served graphs, whose federation fields gqlgen adds) without an
// entry in graph/model's listCosts, an entry for a field that is gone, or a
// paged field whose `first` default is not model.DefaultFirst. Fields of
// introspection's own types, and __schema and __type, are left out:
// graph/server costs an introspection answer by its real size.
func TestListCostsCoverTheSchema(t *testing.T) {
	costs := model.ListCosts()
	graphs := costedGraphs()
	declared := schemaFields(t)
	types := map[string]*ast.Type{} // every field's type, by coordinate
	for coord, defs := range declared {
		types[coord] = defs[0].Type
	}
	for name, es := range graphs {
		for typeName, d := range es.Schema().Types {
			if strings.HasPrefix(typeName, "__") || d.Kind == ast.InputObject {
				continue
			}
			for _, f := range d.Fields {
				if strings.HasPrefix(f.Name, "__") {
					continue
				}
				coord := typeName + "." + f.Name
				if prev, ok := types[coord]; ok && prev.String() != f.Type.String() {
					t.Errorf("%s: %s in the %s graph, %s in another", coord, f.Type, name, prev)
				}
				types[coord] = f.Type
			}
		}
	}
	for coord, typ := range types {
		if _, ok := costs[coord]; !ok && listLike(typ) {
			t.Errorf("%s returns %s and has no entry in graph/model's listCosts (graph/model/listcost.go): say what it counts for, or exempt it (ListOnce) with why", coord, typ)
		}
	}
	for coord, l := range costs {
		typ, ok := types[coord]
		if !ok {
			t.Errorf("listCosts names %s, which no schema has", coord)
			continue
		}
		if !listLike(typ) {
			t.Errorf("listCosts names %s, which returns %s: no list", coord, typ)
		}
		switch l.Kind {
		case model.ListPaged:
			if !strings.HasSuffix(typ.Name(), "Connection") {
				t.Errorf("%s is paged but returns %s, no connection", coord, typ)
			}
			for _, f := range declared[coord] {
				first := f.Arguments.ForName("first")
				if first == nil || first.Type.String() != "Int" || first.DefaultValue == nil ||
					first.DefaultValue.Raw != strconv.Itoa(model.DefaultFirst) {
					t.Errorf("%s is paged: want its argument first: Int = %d (model.DefaultFirst), as graph/model pages it, have %v",
						coord, model.DefaultFirst, first)
				}
			}
			if len(declared[coord]) == 0 {
				t.Errorf("%s is paged and declared in no schema file", coord)
			}
		case model.ListFixed:
			if l.Items < 1 || typ.Elem == nil {
				t.Errorf("%s: %+v of %s", coord, l, typ)
			}
		case model.ListRepresentations:
			if coord != "Query._entities" {
				t.Errorf("%s counts by representations: only _entities has them", coord)
			}
		case model.ListOnce:
			if l.Why == "" {
				t.Errorf("%s is exempt and says not why", coord)
			}
		default:
			t.Errorf("%s: unknown kind %q", coord, l.Kind)
		}
	}
}

// TestComplexityReadsListCosts: each graph (the combined one and both
// subgraphs, whose Complexity functions are their own) prices every entry
// of listCosts as the table says, for the pages a client may ask for;
// the exempt ones as one element.
func TestComplexityReadsListCosts(t *testing.T) {
	graphs := costedGraphs()
	const child = 7
	reps := []any{map[string]any{"__typename": "Order", "id": "1"}, map[string]any{"__typename": "Order", "id": "2"}, map[string]any{"__typename": "Product", "id": "3"}}
	priced := map[string]bool{}
	for name, es := range graphs {
		for coord, l := range model.ListCosts() {
			typeName, field, _ := strings.Cut(coord, ".")
			def := es.Schema().Types[typeName]
			if def == nil || def.Fields.ForName(field) == nil {
				continue
			}
			priced[coord] = true
			// The arguments a call needs, with each page size to try.
			args := map[string]any{}
			for _, a := range def.Fields.ForName(field).Arguments {
				if !a.Type.NonNull || a.DefaultValue != nil {
					continue
				}
				switch a.Type.String() {
				case "ID!":
					args[a.Name] = "1"
				case "[_Any!]!":
					args[a.Name] = reps
				case "[ID!]!":
					args[a.Name] = []any{"1", "2"}
				default:
					t.Fatalf("%s: give the test a value for %s: %s", coord, a.Name, a.Type)
				}
			}
			firsts := []*int{nil}
			if l.Kind == model.ListPaged {
				for _, n := range []int{0, 1, model.DefaultFirst, 55, model.MaxFirst, model.MaxFirst + 1, 1000} {
					firsts = append(firsts, &n)
				}
			}
			for _, first := range firsts {
				call := maps.Clone(args)
				if first != nil {
					call["first"] = *first
				}
				want := 1 + child*l.Multiplier(first, len(reps))
				got, ok := es.Complexity(t.Context(), typeName, field, child, call)
				if !ok && l.Kind == model.ListOnce {
					continue // gqlgen's own count: 1 plus the selection
				}
				if !ok || got != want {
					t.Errorf("%s graph, %s(%v) with selection %d: %d, %v; listCosts says %d", name, coord, call, child, got, ok, want)
				}
			}
		}
	}
	for coord := range model.ListCosts() {
		if !priced[coord] {
			t.Errorf("%s is in no graph", coord)
		}
	}
}
