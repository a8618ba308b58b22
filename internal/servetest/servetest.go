// Package servetest runs the real b2b binary in tests, on loopback and its
// own data directory, as an operator would: build it, start `b2b serve`,
// find the roles' addresses in its log, wait until they are healthy, and
// stop it with SIGTERM, failing the test unless it exits cleanly.
//
// Build compiles the binary once per test process, not once per test:
// linking cmd/b2b (with -race, as `go test -race` wants) takes seconds,
// and some twenty tests start the binary. Every caller of a process shares
// that one build, in os.TempDir()/b2b-servetest-<uid>/<pid>/, a directory of
// the process's own; there is no hook at a test binary's exit to remove
// it, so each process's first build removes the directories of processes
// that no longer run instead.
package servetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build returns the path of the b2b binary, built from cmd/b2b with the
// race detector when the test has it. The first call of a test process
// builds it, into the process's own directory under os.TempDir() (see the
// package doc); the other calls, concurrent ones too, wait for that build
// and share it, and when it failed they all fail with its output. Build
// skips the test under -short.
func Build(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the b2b binary")
	}
	// Nothing inside Do may end the goroutine (t.Fatal): Do would count
	// the build as done, with no binary.
	binary.once.Do(func() { binary.path, binary.err = build() })
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// binary is the test process's one build of cmd/b2b.
var binary struct {
	once sync.Once
	path string
	err  error // with go build's output
}

// buildRoot holds one directory per test process that built the binary,
// named after its pid; it is the user's own (in its name and its mode), so
// that users sharing a temporary directory never remove each other's.
var buildRoot = filepath.Join(os.TempDir(), "b2b-servetest-"+strconv.Itoa(os.Getuid()))

func build() (string, error) {
	if err := os.MkdirAll(buildRoot, 0o700); err != nil {
		return "", err
	}
	removeStale(buildRoot)
	dir := filepath.Join(buildRoot, strconv.Itoa(os.Getpid()))
	// A directory of this pid is a dead process's (pids are reused).
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "b2b")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	start := time.Now()
	out, err := exec.Command("go", append(args, "github.com/b2b-orders/platform/cmd/b2b")...).CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("go %s: %v (after %v)\n%s", strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond), out)
	}
	return bin, nil
}

// removeStale removes the directories under root of processes that no
// longer exist. A directory of a running process (even another user's:
// EPERM) stays, and so does anything not named after a pid.
func removeStale(root string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// Process is a running `b2b serve`.
type Process struct {
	cmd   *exec.Cmd
	addrs map[string]string // role → host:port
	logs  syncBuffer
	done  chan struct{} // closed when stderr reaches EOF (the process exited)
}

// Start runs `b2b serve --host 127.0.0.1 args...` with exactly env (nothing
// of the caller's environment leaks in), waits until each of roles has
// logged its address and answers /health 200, and stops the process when
// the test ends. Pass `--port ROLE=0` in args for free ports.
func Start(t testing.TB, bin string, env []string, roles []string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--host", "127.0.0.1"}, args...)...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{cmd: cmd, addrs: map[string]string{}, done: make(chan struct{})}
	listening := make(chan [2]string, 16)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			_, _ = p.logs.Write(append(sc.Bytes(), '\n'))
			var l struct{ Msg, Role, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				select {
				case listening <- [2]string{l.Role, l.Addr}:
				default: // never block the process's log
				}
			}
		}
	}()
	t.Cleanup(func() { p.Stop(t) })

	deadline := time.After(2 * time.Minute)
	for !p.hasAll(roles) {
		select {
		case l := <-listening:
			p.addrs[l[0]] = l[1]
		case <-p.done:
			t.Fatalf("b2b exited during start-up:\n%s", p.Logs())
		case <-deadline:
			t.Fatalf("roles not listening in time:\n%s", p.Logs())
		}
	}
	for _, r := range roles {
		WaitHealthy(t, p.URL(r, "/health"))
	}
	return p
}

func (p *Process) hasAll(roles []string) bool {
	for _, r := range roles {
		if p.addrs[r] == "" {
			return false
		}
	}
	return true
}

// Addr is the host:port a role listens on.
func (p *Process) Addr(role string) string { return p.addrs[role] }

// URL is the http URL of path on a role.
func (p *Process) URL(role, path string) string { return "http://" + p.addrs[role] + path }

// Logs is everything the process wrote to stderr so far.
func (p *Process) Logs() string { return p.logs.String() }

// Kill kills the process with SIGKILL, as a crash would, and waits for
// it; Stop then does nothing.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	_ = p.cmd.Wait()
}

// Stop sends SIGTERM and waits, bounded, for a clean exit; it runs by
// itself when the test ends and does nothing the second time.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("b2b did not exit after SIGTERM:\n%s", p.Logs())
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("b2b exited with %v:\n%s", err, p.Logs())
	}
}

// WaitHealthy polls url until it answers 200, within a deadline.
func WaitHealthy(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy in time (last error %v)", url, err)
		}
		<-tick.C
	}
}

// syncBuffer is a bytes.Buffer that the log reader writes while the test
// reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
