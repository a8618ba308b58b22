package layers

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fileMapLine is a line of a package doc's file map: a tab, a file name, a
// run of spaces and what the file holds.
var fileMapLine = regexp.MustCompile(`^//\t([a-z0-9_]+\.go) {2,}\S`)

// A package doc that maps its files maps them all, and only files that
// exist: a map a newcomer cannot trust is worse than none.
func TestFileMapsAreTrue(t *testing.T) {
	root := filepath.Join("..", "..")
	maps := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "ent") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var listed []string
		for line := range strings.SplitSeq(string(src), "\n") {
			if strings.HasPrefix(line, "package ") {
				break
			}
			if m := fileMapLine.FindStringSubmatch(line); m != nil {
				listed = append(listed, m[1])
			}
		}
		if len(listed) == 0 {
			return nil
		}
		maps++
		dir := filepath.Dir(path)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		var files []string
		for _, e := range entries {
			n := e.Name()
			if strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && !strings.HasSuffix(n, "_gen.go") && n != filepath.Base(path) {
				files = append(files, n)
			}
		}
		for _, n := range listed {
			if !slices.Contains(files, n) {
				t.Errorf("%s maps %s, which %s does not hold", path, n, dir)
			}
		}
		for _, n := range files {
			if !slices.Contains(listed, n) {
				t.Errorf("%s does not map %s", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if maps == 0 {
		t.Fatal("no file map found: the walk found nothing")
	}
}
