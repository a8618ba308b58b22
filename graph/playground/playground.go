// Package playground serves GraphiQL from files embedded in the binary, so
// the playground works with no internet: graphiql 4.1.2 and React 18.2.0
// UMD builds, byte for byte the files of their npm packages, which carry
// the subresource-integrity hashes gqlgen's playground already pins.
// update-assets.sh fetches them again and checks the hashes.
package playground

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	gqlplayground "github.com/99designs/gqlgen/graphql/playground"
)

//go:embed assets
var embedded embed.FS

// AssetsPath is where Assets expects to be mounted.
const AssetsPath = "/playground/"

// The pinned files and their SRI hashes (those of gqlgen's playground).
const (
	GraphiQLJS     = "graphiql.min.js"
	GraphiQLJSSRI  = "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="
	GraphiQLCSS    = "graphiql.min.css"
	GraphiQLCSSSRI = "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="
	ReactJS        = "react.production.min.js"
	ReactJSSRI     = "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="
	ReactDOMJS     = "react-dom.production.min.js"
	ReactDOMJSSRI  = "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="
)

// Files returns the embedded assets.
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// DefaultQuery is what GraphiQL's editor opens on when the browser has
// kept no query of its own: who the caller is, which shows at once
// whether the token in the Headers tab works and what it may do.
const DefaultQuery = `# Who am I? Put a token in the Headers tab below, replacing <token>:
#   an operator's:  b2b token --role admin
#   a member's:     b2b token --role customer --customer-id 1 --member-id 1
#   or an API key:  b2bk_... (apiKeyCreate answers it, once)
# then run this query (Ctrl-Enter). The Docs pane lists everything else.
query Me {
  me {
    role
    subject
    access
    customer { id name }
    member { id name email role }
    locations { id name }
    apiKey { id name prefix expiresAt }
  }
}
`

// DefaultHeaders is what GraphiQL's Headers tab opens on when the browser
// has kept no headers of its own: the Authorization header to fill in.
const DefaultHeaders = `{
  "Authorization": "Bearer <token>"
}`

// defaultsAfter is the property of GraphiQL's element, in gqlgen's page,
// after which Page adds the defaults; gqlgen's page has no option for them.
const defaultsAfter = "shouldPersistHeaders: true,"

// Page returns the GraphiQL page for the graph at endpoint, loading its
// scripts and styles from AssetsPath and opening, on a browser's first
// visit, on DefaultQuery and DefaultHeaders. Its Content-Security-Policy
// lets the page run its own inline script and styles (by their hashes)
// and load scripts, styles, fonts and images from this server only, call
// the graph at the same origin, and be framed by nobody.
func Page(title, endpoint string) http.Handler {
	page := withDefaults(render(gqlplayground.Handler(title, endpoint,
		gqlplayground.WithGraphiqlVersion(AssetsPath+GraphiQLJS, AssetsPath+GraphiQLCSS, GraphiQLJSSRI, GraphiQLCSSSRI),
		gqlplayground.WithGraphiqlReactVersion(AssetsPath+ReactJS, AssetsPath+ReactDOMJS, ReactJSSRI, ReactDOMJSSRI),
	)))
	csp := policy(page)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Header().Set("Content-Security-Policy", csp)
		_, _ = io.WriteString(w, page)
	})
}

// withDefaults gives GraphiQL's element in html the defaultQuery and
// defaultHeaders properties, which it uses only when its storage holds
// no query or headers: what a user typed before is kept. The values are
// JSON strings, whose encoding escapes <, > and &, so that nothing in
// them ends the page's script.
func withDefaults(html string) string {
	if strings.Count(html, defaultsAfter) != 1 {
		panic("playground: gqlgen's GraphiQL page no longer has " + strconv.Quote(defaultsAfter))
	}
	query, _ := json.Marshal(DefaultQuery) // strings: they cannot fail
	headers, _ := json.Marshal(DefaultHeaders)
	return strings.Replace(html, defaultsAfter, defaultsAfter+
		"\n          defaultQuery: "+string(query)+","+
		"\n          defaultHeaders: "+string(headers)+",", 1)
}

// render returns the page h writes for GET /; it is the same for every
// request.
func render(h http.Handler) string {
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{}})
	return rec.body.String()
}

type recorder struct {
	header http.Header
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(int)             {}
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// policy is the Content-Security-Policy of html: its inline scripts
// allowed by their SHA-256, everything else from 'self'. Styles are
// allowed inline: the page has a <style> of its own and GraphiQL styles
// its elements from script (a hash in style-src would turn that off).
func policy(html string) string {
	var scripts strings.Builder
	for _, m := range inlineScript.FindAllStringSubmatch(html, -1) {
		sum := sha256.Sum256([]byte(m[1]))
		scripts.WriteString(" 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'")
	}
	return "default-src 'none'; script-src 'self'" + scripts.String() +
		"; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'" +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// Assets serves the embedded files; mount it at AssetsPath. The files never
// change for a given binary, so browsers may keep them for a day.
func Assets() http.Handler {
	files := http.StripPrefix(AssetsPath, http.FileServerFS(Files()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
