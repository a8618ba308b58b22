// Package layers holds the test that keeps the module's dependencies
// pointing one way: cmd → rest, graph, lambda → services → db, ent.
package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/b2b-orders/platform/"

// rules: a package under the first prefix never imports one under any of
// the others (tests are free to).
var rules = []struct {
	from   string
	banned []string
	why    string
}{
	{"rest", []string{"ent", "db", "graph", "lambda", "cmd"}, "a transport reaches data through the services only, and no transport imports another"},
	{"graph", []string{"ent", "db", "rest", "lambda", "cmd"}, "a transport reaches data through the services only, and no transport imports another"},
	// services itself (the errors and the principal) is vocabulary; the
	// domain services are not for the orchestrator.
	{"lambda", []string{"ent", "db", "rest", "graph", "services/customers", "services/orders", "cmd"}, "the orchestrator reaches the graph over HTTP only"},
	{"services", []string{"rest", "graph", "lambda", "cmd", "internal/web"}, "the services import no transport"},
	{"db", []string{"services", "rest", "graph", "lambda", "cmd"}, "the store knows nothing above it"},
	{"auth", []string{"ent", "db", "rest", "graph", "lambda", "cmd"}, "authentication is shared by the transports and reads no data"},
	{"internal/directory", []string{"ent", "db", "services/customers", "services/orders", "rest", "graph", "lambda", "cmd"}, "the directory is an HTTP client of the customers role, and knows it by its route only"},
	{"internal/web", []string{"ent", "db", "services", "rest", "graph", "lambda", "cmd"}, "HTTP plumbing is below every transport and above nothing"},
}

func under(pkg, prefix string) bool {
	p := strings.TrimPrefix(pkg, module)
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func TestDependenciesPointOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		for _, r := range rules {
			if !under(pkg, r.from) {
				continue
			}
			checked++
			for _, imp := range imports {
				if !strings.HasPrefix(imp, module) {
					continue
				}
				for _, b := range r.banned {
					if under(imp, b) {
						t.Errorf("%s imports %s: %s", strings.TrimPrefix(pkg, module), strings.TrimPrefix(imp, module), r.why)
					}
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d packages checked: go list found too little", checked)
	}
}
