package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The bootstrap talks to the graph over HTTP only: it must not link the
// store or its drivers, which would triple its size and its cold start.
func TestBootstrapLinksNoStore(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"entgo.io/", "modernc.org/sqlite", "github.com/go-sql-driver/", "github.com/b2b-orders/platform/db"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("the bootstrap links %s", pkg)
			}
		}
	}
}
