package layers

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// markdownLink is an inline Markdown link's target.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// Every relative link of README.md and the docs pages names a file of the
// repository, and nothing points outside it: the docs move with the code.
func TestDocLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(root, "docs", "*", "*.md"))
	pages = append(append(pages, more...), filepath.Join(root, "README.md"))
	if len(pages) < 10 {
		t.Fatalf("found %d pages: the docs are missing", len(pages))
	}
	absRoot, _ := filepath.Abs(root)
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "../shared") {
			t.Errorf("%s points at ../shared, outside the repository", page)
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(b), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, _ := filepath.Abs(filepath.Join(filepath.Dir(page), target))
			if !strings.HasPrefix(path, absRoot+string(filepath.Separator)) {
				t.Errorf("%s links %s, outside the repository", page, m[1])
				continue
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links %s, which does not exist", page, m[1])
			}
		}
	}
}
