package server

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/b2b-orders/platform/internal/gqlcode"
)

// A small schema with the shapes the limits care about.
var testSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: `
type Query { product(id: ID!): Product  products: [Product!]! }
type Mutation { cancel(id: ID!): Product }
type Product { id: ID! sku: String! related: [Product!]! }
`})

// repeat joins n copies of format, each given its index if it has a verb.
func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		if strings.Contains(format, "%") {
			fmt.Fprintf(&b, format, i)
		} else {
			b.WriteString(format)
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// What real clients send passes the default limits: GraphiQL's
// introspection query (graphql-js 16.15's, with every option on) among
// them.
func TestLimitsAdmitRealClients(t *testing.T) {
	introspection, err := os.ReadFile("testdata/graphiql-introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	l := Limits{}.withDefaults()
	for name, query := range map[string]string{
		"GraphiQL's introspection":                 string(introspection),
		"fragments spread many times":              `{ products { ...P related { ...P related { ...P } } } } fragment P on Product { id sku }`,
		"twenty aliases":                           "{ " + repeat(20, `p%d: product(id: "%[1]d") { id }`) + "}",
		"ten mutations":                            "mutation { " + repeat(10, `c%d: cancel(id: "%[1]d") { id }`) + "}",
		"one field asked by overlapping fragments": `{ product(id: "1") { id ...A ...B } } fragment A on Product { id sku } fragment B on Product { id sku }`,
	} {
		doc, gqlErr := l.parse(query)
		if gqlErr != nil {
			t.Fatalf("%s: %v", name, gqlErr)
		}
		if gqlErr := l.check(doc); gqlErr != nil {
			t.Fatalf("%s: %v", name, gqlErr)
		}
	}
}

// Documents shaped to be expensive to validate or execute are refused
// before validation, with a code; validation stops after Limits.Errors.
func TestLimitsRefuseHostileShapes(t *testing.T) {
	l := Limits{}.withDefaults()
	var chain strings.Builder // F0 spreads F1 twice, F1 spreads F2 twice…
	for i := range 40 {
		fmt.Fprintf(&chain, "fragment F%d on Product { ...F%d ...F%d } ", i, i+1, i+1)
	}
	chain.WriteString("fragment F40 on Product { id }")
	var roots strings.Builder // the same at the root of a mutation
	for i := range 40 {
		fmt.Fprintf(&roots, "fragment M%d on Mutation { ...M%d ...M%d } ", i, i+1, i+1)
	}
	roots.WriteString(`fragment M40 on Mutation { cancel(id: "1") { id } }`)
	for _, tc := range []struct {
		name, query, code string
	}{
		{"5,000 copies of one alias", "{ " + repeat(5000, `a: product(id: "%d") { id }`) + "}", gqlcode.ParseFailed},
		{"900 copies of one alias", "{ " + repeat(900, `a: product(id: "%d") { id }`) + "}", gqlcode.AliasLimit},
		{"1,000 copies of one field with other arguments", "{ " + repeat(1000, `product(id: "%d") { id }`) + "}", gqlcode.FieldLimit},
		{"400 fragments of one field", "{ " + repeat(400, `...F%d`) + "} " + repeat(400, `fragment F%d on Query { product(id: "%[1]d") { id } }`), gqlcode.FieldLimit},
		{"one fragment's field merged 30 times", `{ product(id: "1") { ` + repeat(30, `... on Product { ...F }`) + `} } fragment F on Product { related { id } }`, gqlcode.FieldLimit},
		{"a fragment that doubles 40 times", `{ product(id: "1") { ...F0 } } ` + chain.String(), gqlcode.FieldLimit},
		{"an unused fragment of same-named fields", `{ product(id: "1") { id } } fragment U on Query { ` + repeat(500, `product(id: "%d") { id }`) + `}`, gqlcode.FieldLimit},
		{"a mutation fragment that doubles 40 times", "mutation { ...M0 } " + roots.String(), gqlcode.FieldLimit},
		{"11 mutation fields", "mutation { " + repeat(11, `c%d: cancel(id: "%[1]d") { id }`) + "}", gqlcode.MutationLimit},
		{"11 mutation fields through fragments", "mutation { ...M ...N } fragment M on Mutation { " + repeat(6, `c%d: cancel(id: "%[1]d") { id }`) + "} fragment N on Mutation { " + repeat(5, `d%d: cancel(id: "%[1]d") { id }`) + "}", gqlcode.MutationLimit},
		{"2,000 aliases of introspection", "{ " + repeat(2000, `s%d: __schema { types { name } }`) + "}", gqlcode.ParseFailed},
		{"200 aliases of introspection", "{ " + repeat(200, `s%d: __schema { types { name } }`) + "}", gqlcode.AliasLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, gqlErr := l.parse(tc.query)
			if gqlErr == nil {
				gqlErr = l.check(doc)
			}
			if gqlErr == nil || gqlErr.Extensions["code"] != tc.code {
				t.Fatalf("got %v, want %s", gqlErr, tc.code)
			}
			if strings.Contains(gqlErr.Message, "product(") {
				t.Fatalf("the error quotes the document: %s", gqlErr.Message)
			}
		})
	}

	// 1,500 unknown fields pass the limits and fail validation 1,500
	// times: the answer holds 20 of those errors and a last one that
	// says validation stopped.
	doc, gqlErr := l.parse("{ " + repeat(1500, `x%d`) + "}")
	if gqlErr != nil || l.check(doc) != nil {
		t.Fatalf("parse or check: %v", gqlErr)
	}
	errs := l.validate(testSchema, doc, false)
	if len(errs) != l.Errors+1 || !strings.Contains(errs[l.Errors].Message, "validation stopped after 20") {
		t.Fatalf("%d errors, the last %v", len(errs), errs[len(errs)-1])
	}
	for _, e := range errs {
		if e.Extensions["code"] != gqlcode.ValidationFailed {
			t.Fatalf("error without its code: %v", e)
		}
	}
	// A valid document validates clean.
	doc, _ = l.parse(`{ product(id: "1") { id sku related { id } } }`)
	if errs := l.validate(testSchema, doc, true); len(errs) != 0 {
		t.Fatalf("valid document refused: %v", errs)
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		want   string
		ok     bool
	}{
		{nil, mediaJSON, true},
		{[]string{""}, mediaJSON, true},
		{[]string{"*/*"}, mediaJSON, true},
		{[]string{"application/json"}, mediaJSON, true},
		{[]string{"application/graphql-response+json"}, mediaGraphQLResponse, true},
		{[]string{"application/graphql-response+json, application/json"}, mediaGraphQLResponse, true},
		{[]string{"application/json, application/graphql-response+json"}, mediaJSON, true},
		{[]string{"application/json;q=0.5, application/graphql-response+json"}, mediaGraphQLResponse, true},
		{[]string{"text/html", "application/*;q=0.1"}, mediaJSON, true},
		{[]string{"application/graphql-response+json; charset=utf-8"}, mediaGraphQLResponse, true},
		{[]string{"text/html"}, "", false},
		{[]string{"application/json;q=0"}, "", false},
	} {
		got, ok := negotiate(tc.accept)
		if got != tc.want || ok != tc.ok {
			t.Errorf("negotiate(%q) = %q, %v; want %q, %v", tc.accept, got, ok, tc.want, tc.ok)
		}
	}
}
