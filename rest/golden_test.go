package rest_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// apiKey matches a new API key (or its prefix), the one random value an
// answer carries: golden files hold it as b2bk_<prefix>_<secret>.
var apiKey = regexp.MustCompile(`b2bk_[0-9a-f]{16}(_[A-Za-z0-9_-]{43})?`)

// goldenText is what a golden file holds: the status line and the body,
// indented, keys in the order the server wrote them, API keys masked.
func goldenText(t testing.TB, r response) []byte {
	t.Helper()
	r.body = apiKey.ReplaceAllFunc(r.body, func(k []byte) []byte {
		if len(k) > len("b2bk_")+16 {
			return []byte("b2bk_<prefix>_<secret>")
		}
		return []byte("b2bk_<prefix>")
	})
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d\n", r.status)
	if len(r.body) > 0 {
		if err := json.Indent(&b, bytes.TrimSuffix(r.body, []byte("\n")), "", "  "); err != nil {
			t.Fatalf("body is not JSON: %q", r.body)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// checkGolden compares r with testdata/<dir>/<name>.golden, or writes it
// with -update. Ids and timestamps need no normalising: each case runs on
// a fresh seeded database, so new rows get the same ids on every store,
// and the services' clock is fixed.
func checkGolden(t testing.TB, dir, name string, r response) {
	t.Helper()
	path := filepath.Join("testdata", dir, unsafeName.ReplaceAllString(name, "_")+".golden")
	got := goldenText(t, r)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./rest -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("answer differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}
