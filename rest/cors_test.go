package rest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/b2b-orders/platform/internal/web"
)

// apiHeaders are the request headers a page calling the API may need to
// send beyond the CORS-safelisted ones.
var apiHeaders = []string{
	"Authorization", "Content-Type",
	web.IdempotencyKeyHeader, web.XIdempotencyKeyHeader, web.RequestIDHeader, web.CorrelationIDHeader,
}

// corsExempt are headers the API reads that a preflight need not allow,
// each with the reason. No page sets them: a browser sends them itself,
// or sends them without asking.
var corsExempt = map[string]string{
	"Origin":                        "set by the browser itself; pages may not set it",
	"Access-Control-Request-Method": "set by the browser on the preflight itself",
	"Sec-Fetch-Site":                "set by the browser itself; pages may not set Sec- headers",
	"Upgrade":                       "set by the browser for a WebSocket; pages may not set it",
	"Accept":                        "CORS-safelisted: browsers send it without a preflight",
}

// preflightAllows reports whether a browser at an allowed origin may send
// header to path after the preflight, as it reads the answer: the
// request's method and header each named in the allow lists (any case).
func preflightAllows(t *testing.T, e *env, path, header string) bool {
	t.Helper()
	r := e.do(t, request{method: http.MethodOptions, path: path, header: map[string]string{
		"Origin": "https://shop.example", "Access-Control-Request-Method": http.MethodPost,
		// Browsers send the names lower-cased.
		"Access-Control-Request-Headers": strings.ToLower(header), "Authorization": "",
	}})
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Fatalf("preflight for %s on %s: %d %v", header, path, r.status, r.header)
	}
	listed := func(name, value string) bool {
		for v := range strings.SplitSeq(value, ",") {
			if v = strings.TrimSpace(v); strings.EqualFold(v, name) || v == "*" && !strings.EqualFold(name, "Authorization") {
				return true
			}
		}
		return false
	}
	return listed(http.MethodPost, r.header.Get("Access-Control-Allow-Methods")) &&
		listed(header, r.header.Get("Access-Control-Allow-Headers"))
}

// A page at an allowed origin may send every header the API reads, on
// both roles: a browser refuses a cross-origin request whose headers the
// preflight did not allow.
func TestCORSPreflightAllowsAPIHeaders(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOptions{authRequired: true, corsOrigins: []string{"https://shop.example"}})
	for _, path := range []string{custURL, ordersURL + "/1/confirm"} {
		for _, h := range apiHeaders {
			if !preflightAllows(t, e, path, h) {
				t.Errorf("a preflight on %s refuses %s", path, h)
			}
		}
	}
}

// Every request header that the API's code (rest, internal/web, auth)
// reads is one a preflight allows, or is exempt for a reason in
// corsExempt: a header the API starts reading cannot be refused to
// browsers unnoticed. Reads are found in the source, so that none is
// missed for want of a test that sends it.
func TestCORSAllowsEveryHeaderRead(t *testing.T) {
	t.Parallel()
	read := headersRead(t, ".", "../internal/web", "../auth")
	// The scan must see what is known to be read, or it sees nothing.
	for _, h := range []string{"Authorization", web.XIdempotencyKeyHeader, web.IdempotencyKeyHeader, web.CorrelationIDHeader, "Origin"} {
		if _, ok := read[http.CanonicalHeaderKey(h)]; !ok {
			t.Fatalf("the scan found no read of %s; it found %v", h, read)
		}
	}
	t.Logf("headers read: %v", read)
	e := newEnvWith(t, envOptions{authRequired: true, corsOrigins: []string{"https://shop.example"}})
	for h, where := range read {
		if _, ok := corsExempt[h]; ok {
			continue
		}
		if !preflightAllows(t, e, ordersURL, h) {
			t.Errorf("%s is read (%s) but a preflight refuses it: add it to rest's corsHeaders, or to corsExempt with the reason", h, strings.Join(where, ", "))
		}
	}
	for h := range corsExempt {
		if _, ok := read[h]; !ok {
			t.Errorf("corsExempt lists %s, which nothing reads any more", h)
		}
	}
}

// headersRead parses the non-test Go files of dirs and returns each
// header name read from a request (a parameter of type *http.Request):
// r.Header.Get(name), r.Header.Values(name) and r.Header[name], canonical,
// with where. A name must be a string literal or a constant of the same
// package or of web (or a sum of those); anything else fails the test,
// since it could not be checked.
func headersRead(t *testing.T, dirs ...string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	type pkg struct {
		files  []*ast.File
		consts map[string]ast.Expr
	}
	pkgs := map[string]*pkg{}
	for _, dir := range dirs {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(names) == 0 {
			t.Fatalf("no Go files in %s (%v)", dir, err)
		}
		p := &pkg{consts: map[string]ast.Expr{}}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			p.files = append(p.files, f)
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
					for _, s := range g.Specs {
						vs := s.(*ast.ValueSpec)
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								p.consts[n.Name] = vs.Values[i]
							}
						}
					}
				}
			}
		}
		pkgs[dir] = p
	}
	webConsts := pkgs["../internal/web"].consts

	// value resolves a header name's expression to its string.
	var value func(consts map[string]ast.Expr, x ast.Expr) (string, bool)
	value = func(consts map[string]ast.Expr, x ast.Expr) (string, bool) {
		switch x := x.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(x.Value)
			return s, err == nil && x.Kind == token.STRING
		case *ast.ParenExpr:
			return value(consts, x.X)
		case *ast.Ident:
			if c, ok := consts[x.Name]; ok {
				return value(consts, c)
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "web" {
				if c, ok := webConsts[x.Sel.Name]; ok {
					return value(webConsts, c)
				}
			}
		case *ast.BinaryExpr:
			l, lok := value(consts, x.X)
			r, rok := value(consts, x.Y)
			return l + r, lok && rok && x.Op == token.ADD
		}
		return "", false
	}
	isRequest := func(x ast.Expr) bool {
		star, ok := x.(*ast.StarExpr)
		if !ok {
			return false
		}
		sel, ok := star.X.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		id, ok := sel.X.(*ast.Ident)
		return ok && id.Name == "http" && sel.Sel.Name == "Request"
	}
	// with adds the *http.Request parameters of a function to those in
	// scope.
	with := func(reqs []string, ft *ast.FuncType) []string {
		out := slices.Clone(reqs)
		for _, field := range ft.Params.List {
			if isRequest(field.Type) {
				for _, n := range field.Names {
					out = append(out, n.Name)
				}
			}
		}
		return out
	}

	read := map[string][]string{}
	for dir, p := range pkgs {
		// header is the name x of a read of <recv>.Header, when recv is
		// a request in scope.
		header := func(reqs []string, recv ast.Expr, x ast.Expr) {
			hdr, ok := recv.(*ast.SelectorExpr)
			if !ok || hdr.Sel.Name != "Header" {
				return
			}
			id, ok := hdr.X.(*ast.Ident)
			if !ok || !slices.Contains(reqs, id.Name) {
				return
			}
			pos := fset.Position(x.Pos())
			where := filepath.Join(dir, filepath.Base(pos.Filename)) + ":" + strconv.Itoa(pos.Line)
			name, ok := value(p.consts, x)
			if !ok {
				t.Errorf("%s: a header read whose name is no string constant of its package or of web", where)
				return
			}
			name = http.CanonicalHeaderKey(name)
			read[name] = append(read[name], where)
		}
		var walk func(n ast.Node, reqs []string)
		walk = func(n ast.Node, reqs []string) {
			ast.Inspect(n, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					if n.Body != nil {
						walk(n.Body, with(reqs, n.Type))
					}
					return false
				case *ast.FuncLit:
					walk(n.Body, with(reqs, n.Type))
					return false
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && len(n.Args) == 1 &&
						(sel.Sel.Name == "Get" || sel.Sel.Name == "Values") {
						header(reqs, sel.X, n.Args[0])
					}
				case *ast.IndexExpr:
					header(reqs, n.X, n.Index)
				}
				return true
			})
		}
		for _, f := range p.files {
			walk(f, nil)
		}
	}
	return read
}
