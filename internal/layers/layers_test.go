// Package layers holds the tests that keep the module walkable: the
// dependencies point one way (cmd → internal/app → rest, graph, lambda →
// services → db, ent), and package docs that map their files map them
// truly.
package layers

import (
	"os/exec"
	"slices"
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
	{"rest", []string{"ent", "db", "graph", "lambda", "cmd", "internal/app"}, "a transport reaches data through the services only, and no transport imports another"},
	{"graph", []string{"ent", "db", "rest", "lambda", "cmd", "internal/app"}, "a transport reaches data through the services only, and no transport imports another"},
	// services itself (the errors and the principal) is vocabulary; the
	// domain services are not for the orchestrator.
	{"lambda", []string{"ent", "db", "rest", "graph", "services/accounts", "services/customers", "services/orders", "services/webhooks", "cmd", "internal/app"}, "the orchestrator reaches the graph over HTTP only"},
	{"services", []string{"rest", "graph", "lambda", "cmd", "internal/web", "internal/app"}, "the services import no transport"},
	{"db", []string{"services", "rest", "graph", "lambda", "cmd"}, "the store knows nothing above it"},
	{"auth", []string{"ent", "db", "services/accounts", "rest", "graph", "lambda", "cmd"}, "authentication is shared by the transports and reads no data: members and keys come through auth.Resolver"},
	{"auth/oidc", []string{"services", "internal", "rest", "graph", "lambda", "cmd"}, "the identity provider's verifier knows only OpenID Connect"},
	{"internal/directory", []string{"ent", "db", "services/customers", "services/orders", "rest", "graph", "lambda", "cmd"}, "the directory is an HTTP client of the customers role, and knows it by its route only"},
	{"internal/web", []string{"ent", "db", "services", "rest", "graph", "lambda", "cmd"}, "HTTP plumbing is below every transport and above nothing"},
	// The runtime is assembled in one place.
	{"cmd", []string{"rest", "graph", "lambda", "ent", "auth/oidc", "services/accounts", "services/customers", "services/orders", "services/webhooks", "internal/relay", "internal/delivery", "internal/directory"},
		"cmd reads flags and configuration and calls internal/app, which assembles the runtime"},
	{"internal/config", []string{"internal/app", "rest", "cmd"}, "the configuration is read before anything is built"},
	{"internal/wake", []string{""}, "a signal between pipeline stages knows none of them"}, // "": no package of the module
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
		// The runtime is assembled once: only the binary builds it.
		if !under(pkg, "cmd") && slices.Contains(imports, module+"internal/app") {
			t.Errorf("%s imports internal/app: only cmd assembles the runtime", strings.TrimPrefix(pkg, module))
		}
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
					if b == "" || under(imp, b) { // "": any package of the module
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
