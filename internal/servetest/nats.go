package servetest

import (
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// NATS is a nats-server with JetStream that a test starts on a spare port
// (never the machine's own), and may stop and restart on the same port and
// store, as an outage would.
type NATS struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

// StartNATS starts a nats-server for t, stopped when t ends. It skips the
// test where nats-server is not installed (.ci/run installs it).
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("nats-server is not installed (.ci/run installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	n := &NATS{t: t, bin: bin, port: port, dir: t.TempDir()}
	n.Restart()
	t.Cleanup(n.Stop)
	return n
}

// URL is the server's client URL.
func (n *NATS) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(n.port) }

// Restart starts the server (again), on the same port and store, and
// waits until it accepts connections.
func (n *NATS) Restart() {
	n.t.Helper()
	n.Stop()
	n.cmd = exec.Command(n.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(n.port), "-js", "-sd", n.dir)
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(n.port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.t.Fatal("nats-server did not listen within 10 s")
}

// Stop kills the server, as a crash would.
func (n *NATS) Stop() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		n.cmd = nil
	}
}
