// Command gendoc writes the configuration table (config.Table) into the
// operations page, between its markers; go generate runs it.
package main

import (
	"fmt"
	"os"

	"github.com/b2b-orders/platform/internal/config"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendoc PAGE.md")
		os.Exit(2)
	}
	page := os.Args[1]
	b, err := os.ReadFile(page)
	if err == nil {
		var out string
		if out, err = config.Splice(string(b)); err == nil && out != string(b) {
			err = os.WriteFile(page, []byte(out), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gendoc %s: %v\n", page, err)
		os.Exit(1)
	}
}
