package playground_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/graph/playground"
)

// TestAssetHashes checks that the embedded files are the pinned ones: a
// browser refuses a script whose hash differs from the page's integrity
// attribute, and the page would stay blank.
func TestAssetHashes(t *testing.T) {
	for file, sri := range map[string]string{
		playground.GraphiQLJS:  playground.GraphiQLJSSRI,
		playground.GraphiQLCSS: playground.GraphiQLCSSSRI,
		playground.ReactJS:     playground.ReactJSSRI,
		playground.ReactDOMJS:  playground.ReactDOMJSSRI,
	} {
		b, err := fs.ReadFile(playground.Files(), file)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); got != sri {
			t.Errorf("%s: %s, want %s", file, got, sri)
		}
	}
}

// TestPageUsesEmbeddedAssets checks that the page loads every script and
// style from the binary, with the integrity hashes, and nothing from
// elsewhere.
func TestPageUsesEmbeddedAssets(t *testing.T) {
	rec := httptest.NewRecorder()
	playground.Page("B2B", "/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	// html/template writes "+" in attributes as an entity, which the
	// browser decodes.
	page := html.UnescapeString(rec.Body.String())
	for _, want := range []string{
		`src="/playground/graphiql.min.js"`, playground.GraphiQLJSSRI,
		`href="/playground/graphiql.min.css"`, playground.GraphiQLCSSSRI,
		`src="/playground/react.production.min.js"`, playground.ReactJSSRI,
		`src="/playground/react-dom.production.min.js"`, playground.ReactDOMJSSRI,
		`/graphql`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, attr := range []string{`src="http`, `href="http`, `src="//`, `href="//`} {
		if strings.Contains(page, attr) {
			t.Errorf("page loads from elsewhere (%s):\n%s", attr, page)
		}
	}

	srv := httptest.NewServer(playground.Assets())
	defer srv.Close()
	resp, err := http.Get(srv.URL + playground.AssetsPath + playground.ReactJS)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(b) != 10737 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET react: %d, %d bytes, %s", resp.StatusCode, len(b), resp.Header.Get("Content-Type"))
	}
}

// TestPageOpensOnMe: a browser's first visit opens GraphiQL on the `me`
// query with an Authorization header to fill in (GraphiQL's defaultQuery
// and defaultHeaders, which give way to what the user typed before), and
// the page's policy still allows its inline script, by its hash.
func TestPageOpensOnMe(t *testing.T) {
	rec := httptest.NewRecorder()
	playground.Page("B2B", "/graphql").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	page := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	prop := func(name string) string {
		t.Helper()
		_, rest, ok := strings.Cut(page, "\n          "+name+": ")
		if !ok {
			t.Fatalf("the page sets no %s:\n%s", name, page)
		}
		var v string
		if err := json.NewDecoder(strings.NewReader(rest)).Decode(&v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	if q := prop("defaultQuery"); q != playground.DefaultQuery || !strings.Contains(q, "query Me {\n  me {") {
		t.Errorf("defaultQuery = %q", q)
	}
	var headers map[string]string
	if err := json.Unmarshal([]byte(prop("defaultHeaders")), &headers); err != nil || headers["Authorization"] != "Bearer <token>" || len(headers) != 1 {
		t.Errorf("defaultHeaders = %v (%v)", headers, err)
	}
	// GraphiQL's own storage wins: the defaults are not its query and
	// headers properties, which would replace what a user typed.
	for _, prop := range []string{"\n          query:", "\n          headers: \""} {
		if strings.Contains(page, prop) {
			t.Errorf("the page sets %q", prop)
		}
	}
	// Nothing in the defaults ends the script early.
	if strings.Count(page, "</script>") != strings.Count(page, "<script") {
		t.Errorf("unbalanced scripts:\n%s", page)
	}
	_, script, _ := strings.Cut(page, "<script>")
	script, _, _ = strings.Cut(script, "</script>")
	sum := sha256.Sum256([]byte(script))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("the policy %q does not allow the page's script", csp)
	}
}
