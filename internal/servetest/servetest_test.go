package servetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// removeStale removes the build directories of processes that ended and
// keeps those of running ones (this one, init's), and whatever is not
// named after a pid.
func TestRemoveStale(t *testing.T) {
	root := t.TempDir()
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	dead := strconv.Itoa(ended.Process.Pid)
	keep := []string{strconv.Itoa(os.Getpid()), "1", "not-a-pid"}
	for _, name := range append([]string{dead}, keep...) {
		if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name, "b2b"), []byte("binary"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	removeStale(root)
	if _, err := os.Stat(filepath.Join(root, dead)); !os.IsNotExist(err) {
		t.Errorf("the directory of ended process %s: %v, want it removed", dead, err)
	}
	for _, name := range keep {
		if _, err := os.Stat(filepath.Join(root, name, "b2b")); err != nil {
			t.Errorf("directory %s: %v, want it kept", name, err)
		}
	}
}
