package gqlcode

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// codes returns every string constant this package declares, read from
// its source so that a code added without a status cannot be missed.
func codes(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "gqlcode.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[name.Name] = v
				}
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("found %d codes in gqlcode.go: the parse missed some", len(out))
	}
	return out
}

// TestEveryCodeHasAStatus: HTTPStatus knows every code declared here, and
// no two names share one code.
func TestEveryCodeHasAStatus(t *testing.T) {
	seen := map[string]string{}
	for name, code := range codes(t) {
		if other, dup := seen[code]; dup {
			t.Errorf("%s and %s are both %q", name, other, code)
		}
		seen[code] = name
		if s, ok := HTTPStatus(code); !ok || s < 400 || s > 599 {
			t.Errorf("HTTPStatus(%s) = %d, %v; want an error status", name, s, ok)
		}
	}
	if _, ok := HTTPStatus("SOMETHING_ELSE"); ok {
		t.Error("HTTPStatus knows a code that is not the graph's")
	}
}

// The statuses clients rely on.
func TestHTTPStatus(t *testing.T) {
	for code, want := range map[string]int{
		BadUserInput:       http.StatusBadRequest,
		InsufficientStock:  http.StatusBadRequest,
		FailedPrecondition: http.StatusBadRequest,
		ComplexityLimit:    http.StatusBadRequest,
		NotFound:           http.StatusNotFound,
		Conflict:           http.StatusConflict,
		Unauthenticated:    http.StatusUnauthorized,
		Forbidden:          http.StatusForbidden,
		RateLimited:        http.StatusTooManyRequests,
		Unavailable:        http.StatusServiceUnavailable,
		Canceled:           499,
		Internal:           http.StatusInternalServerError,
	} {
		if got, _ := HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%s) = %d, want %d", code, got, want)
		}
	}
	if got := Statuses(NotFound, Canceled); len(got) != 2 || got[NotFound] != 404 || got[Canceled] != 499 {
		t.Errorf("Statuses = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Statuses took a code that is not the graph's")
		}
	}()
	Statuses("NOPE")
}

// TestImportsNothingOfTheModule keeps the package a leaf: the
// orchestrator, which may not import the graph, imports it.
func TestImportsNothingOfTheModule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Deps "\n"}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for dep := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(dep, "github.com/b2b-orders/platform/") {
			t.Errorf("internal/gqlcode depends on %s", dep)
		}
	}
}
