package config

import (
	"fmt"
	"strings"
)

// Markers around the generated configuration table in the operations
// page; everything between them is Table's.
const (
	TableBegin = "<!-- config:begin -->"
	TableEnd   = "<!-- config:end -->"
)

// Table is Vars as a Markdown table: variable, default, meaning.
func Table() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n|---|---|---|\n")
	for _, v := range Vars() {
		def := "empty"
		if v.Default != "" {
			def = "`" + v.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Name, def, v.Doc)
	}
	return b.String()
}

// Splice returns page with the text between TableBegin and TableEnd
// replaced by Table.
// Errors: the page lacks either marker, or has them out of order.
func Splice(page string) (string, error) {
	before, rest, ok := strings.Cut(page, TableBegin+"\n")
	_, after, ok2 := strings.Cut(rest, TableEnd)
	if !ok || !ok2 {
		return "", fmt.Errorf("want the lines %s and %s, in that order", TableBegin, TableEnd)
	}
	return before + TableBegin + "\n" + Table() + TableEnd + after, nil
}
