package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds cmd/b2b into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "b2b")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// logLine is the part of a JSON log line these tests look at.
type logLine struct {
	Msg  string `json:"msg"`
	Role string `json:"role"`
	Addr string `json:"addr"`
	raw  string
}

// readLog sends every line the process writes to stderr, and closes the
// channel when the process closes it (at exit).
func readLog(r io.Reader) <-chan logLine {
	lines := make(chan logLine, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l := logLine{raw: sc.Text()}
			_ = json.Unmarshal(sc.Bytes(), &l) // a non-JSON line is kept raw
			lines <- l
		}
	}()
	return lines
}

// The real binary on a new data dir: it creates its secrets, migrates and
// seeds the embedded store, serves /health on every role and stops cleanly
// on SIGTERM.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dataDir := filepath.Join(t.TempDir(), "data")

	cmd := exec.Command(bin, "serve", "--host", "127.0.0.1",
		"--port", "customers=0", "--port", "orders=0", "--port", "orchestrator=0", "--port", "graph=0")
	// A fixed environment: nothing of the developer's or CI's (DB_DRIVER,
	// secrets) leaks into the process.
	cmd.Env = []string{"B2B_DATA_DIR=" + dataDir, "LOG_LEVEL=debug"}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	lines := readLog(stderr)
	var logs []string

	// Start-up: every role reports its address.
	addrs := map[string]string{}
	deadline := time.After(2 * time.Minute)
	for len(addrs) < len(roles()) {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("process exited during start-up:\n%s", strings.Join(logs, "\n"))
			}
			logs = append(logs, l.raw)
			if l.Msg == "listening" {
				addrs[l.Role] = l.Addr
			}
		case <-deadline:
			t.Fatalf("roles not listening in time:\n%s", strings.Join(logs, "\n"))
		}
	}
	for _, want := range []string{`"msg":"generated JWT_SECRET and SERVICE_TOKEN"`, `"msg":"migrated"`, `"msg":"seeded `} {
		if !strings.Contains(strings.Join(logs, "\n"), want) {
			t.Errorf("start-up log lacks %s:\n%s", want, strings.Join(logs, "\n"))
		}
	}

	client := &http.Client{Timeout: 5 * time.Second}
	for name, addr := range addrs {
		if body := pollHealthy(t, client, "http://"+addr+"/health"); !strings.HasPrefix(body, `{"status":"healthy","timestamp":"`) {
			t.Errorf("%s: /health = %s", name, body)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline = time.After(time.Minute)
	for open := true; open; {
		select {
		case l, ok := <-lines:
			if ok {
				logs = append(logs, l.raw)
			}
			open = ok
		case <-deadline:
			t.Fatalf("process did not exit after SIGTERM:\n%s", strings.Join(logs, "\n"))
		}
	}
	err = cmd.Wait()
	exited = true
	if err != nil {
		t.Fatalf("exit: %v\n%s", err, strings.Join(logs, "\n"))
	}
	if last := logs[len(logs)-1]; !strings.Contains(last, `"msg":"stopped"`) {
		t.Errorf("last log line = %s, want stopped", last)
	}

	info, err := os.Stat(filepath.Join(dataDir, secretsFile))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("secrets file mode %v", info.Mode().Perm())
	}
	s, err := readSecrets(filepath.Join(dataDir, secretsFile))
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(logs, "\n")
	if strings.Contains(all, s.JWTSecret) || strings.Contains(all, s.ServiceToken) {
		t.Error("the log shows a secret")
	}
}

// pollHealthy asks url until it answers 200, within a deadline, and returns
// the body. The server may still be starting when the first request goes out.
func pollHealthy(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(body)
			}
			err = &httpStatusError{resp.StatusCode, string(body)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy in time: %v", url, err)
		}
		<-tick.C
	}
}

type httpStatusError struct {
	status int
	body   string
}

func (e *httpStatusError) Error() string { return http.StatusText(e.status) + ": " + e.body }
