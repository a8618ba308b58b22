package graph_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// copies joins n copies of format, each given its index.
func copies(n int, format string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format+" ", i)
	}
	return b.String()
}

// BenchmarkHostileDocuments measures the CPU and memory the combined graph
// spends on the documents built to be expensive (docs/benchmarks.md has
// the figures before and after the limits), next to GraphiQL's
// introspection query as a reference. B/op is everything allocated for
// one request: an upper bound of the memory it holds at once.
//
//	go test -run '^$' -bench BenchmarkHostileDocuments -benchtime 20x ./graph/
func BenchmarkHostileDocuments(b *testing.B) {
	g := newRig(b)
	admin := g.admin(b)
	introspection, err := os.ReadFile("server/testdata/graphiql-introspection.graphql")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, auth, query string }{
		{"5000 copies of one alias", "", "{ " + copies(5000, `a: product(id:"%d"){ id }`) + "}"},
		{"1000 copies of one alias", "", "{ " + copies(1000, `a: product(id:"%d"){ id }`) + "}"},
		{"700 copies of one alias", "", "{ " + copies(700, `a: product(id:"%d"){ id }`) + "}"},
		{"1000 same-named fields", "", "{ " + copies(1000, `product(id:"%d"){ id }`) + "}"},
		{"2000 aliases of __schema", "", "{ " + copies(2000, `s%d: __schema { types { name fields { name } } }`) + "}"},
		{"90 aliases of __schema", admin, "{ " + copies(90, `s%d: __schema { types { name fields { name } } }`) + "}"},
		{"1500 validation errors", "", "{ " + copies(1500, `x%d`) + "}"},
		{"GraphiQL introspection", admin, string(introspection)},
	} {
		body := `{"query":` + jsonQuote(bc.query) + `}`
		b.Run(strings.ReplaceAll(bc.name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if bc.auth != "" {
					req.Header.Set("Authorization", bc.auth)
				}
				w := &countingWriter{header: http.Header{}}
				g.h.ServeHTTP(w, req)
				size = w.n
			}
			b.ReportMetric(float64(size), "answer-bytes")
		})
	}
}

// countingWriter keeps only the size of an answer.
type countingWriter struct {
	header http.Header
	n      int
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
