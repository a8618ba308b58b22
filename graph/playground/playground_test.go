package playground_test

import (
	"crypto/sha256"
	"encoding/base64"
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
