package layers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A rule written as a table on the code and in the docs is written twice:
// the two must say the same, row for row, or one of them is wrong.
func TestRuleTablesAgree(t *testing.T) {
	for _, c := range []struct{ code, header, doc, docHeader string }{
		{"services/orders/pricing.go", "step      rule", "docs/pricing.md", "| step | rule |"},
	} {
		code, doc := codeTable(t, c.code, c.header), docTable(t, c.doc, c.docHeader)
		if len(code) == 0 || !slices.Equal(code, doc) {
			t.Errorf("%s and %s disagree:\ncode: %q\ndocs: %q", c.code, c.doc, code, doc)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// codeTable reads the rows of a doc comment's table under header: a row
// starts at a line whose text starts in the first column, and lines
// indented further continue it.
func codeTable(t *testing.T, path, header string) []string {
	var rows []string
	in := false
	for line := range strings.SplitSeq(read(t, path), "\n") {
		text, ok := strings.CutPrefix(line, "//\t")
		switch {
		case !in:
			in = ok && text == header
		case !ok:
			return rows
		case strings.HasPrefix(text, " ") && len(rows) > 0:
			rows[len(rows)-1] = norm(rows[len(rows)-1] + " " + text)
		default:
			rows = append(rows, norm(text))
		}
	}
	return rows
}

// docTable reads the rows of a markdown table under header, its cells
// joined by spaces, without code marks.
func docTable(t *testing.T, path, header string) []string {
	var rows []string
	in := false
	for line := range strings.SplitSeq(read(t, path), "\n") {
		switch {
		case !in:
			in = line == header
		case strings.HasPrefix(line, "|---"):
		case !strings.HasPrefix(line, "|"):
			return rows
		default:
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			rows = append(rows, norm(strings.ReplaceAll(strings.Join(cells, " "), "`", "")))
		}
	}
	return rows
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }
