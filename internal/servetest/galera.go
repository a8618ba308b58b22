package servetest

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// galeraProvider is Debian's galera-4 provider library.
const galeraProvider = "/usr/lib/galera/libgalera_smm.so"

// GaleraPassword is root's password on every node of a Galera cluster
// the tests start: a fresh datadir refuses root over TCP without one.
const GaleraPassword = "galera-test"

// Galera is a MariaDB Galera cluster on loopback that a test starts from
// Debian's packages, on spare ports and data directories of its own
// (never the machine's server), stopped when the test ends.
type Galera struct {
	t     testing.TB
	dir   string
	nodes []*galeraNode
}

type galeraNode struct {
	port, gcomm, ist, sst int
	dir                   string
	cmd                   *exec.Cmd
}

// StartGalera starts a cluster of n nodes: the first bootstraps it, the
// others join by state transfer. It skips the test where galera-4 or
// mariadbd is missing (.ci/run installs them).
func StartGalera(t testing.TB, n int) *Galera {
	t.Helper()
	return startNodes(t, n, true)
}

// StartServer starts one MariaDB server without wsrep, with the settings
// of a Galera node (the same defaults file, binlog format and
// auto-increment lock mode): the single server a cluster is compared
// with. Config, Open and Stop work as for a cluster of one node.
func StartServer(t testing.TB) *Galera {
	t.Helper()
	return startNodes(t, 1, false)
}

func startNodes(t testing.TB, n int, wsrep bool) *Galera {
	t.Helper()
	for _, f := range []string{galeraProvider, "/usr/sbin/mariadbd", "/usr/bin/wsrep_sst_rsync"} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is missing: the Galera tests need Debian's galera-4, mariadb-server and rsync (.ci/run installs them)", f)
		}
	}
	// Not t.TempDir: its parent is private to root, and mariadbd runs as
	// mysql.
	dir, err := os.MkdirTemp("", "b2b-galera-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	g := &Galera{t: t, dir: dir}
	ports := spares(t, 4*n)
	var cluster []string
	for i := range n {
		node := &galeraNode{port: ports[4*i], gcomm: ports[4*i+1], ist: ports[4*i+2], sst: ports[4*i+3], dir: filepath.Join(g.dir, "node"+strconv.Itoa(i+1))}
		g.nodes = append(g.nodes, node)
		cluster = append(cluster, "127.0.0.1:"+strconv.Itoa(node.gcomm))
	}
	t.Cleanup(g.Stop)
	for i, node := range g.nodes {
		g.install(node)
		switch {
		case !wsrep:
			g.start(node, "")
			g.waitReady(node)
		case i == 0:
			g.start(node, strings.Join(cluster, ","), "--wsrep-new-cluster")
			g.waitSynced(node)
		default:
			g.start(node, strings.Join(cluster, ","))
			g.waitSynced(node)
		}
		if i == 0 {
			g.grantRoot(node)
		}
	}
	return g
}

// spares are n free loopback ports.
func spares(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var out []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

func (g *Galera) run(name string, args ...string) {
	g.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		g.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func (g *Galera) install(node *galeraNode) {
	g.t.Helper()
	if err := os.MkdirAll(node.dir, 0o755); err != nil {
		g.t.Fatal(err)
	}
	// An empty defaults file: neither the node nor its state transfer
	// scripts read the machine's /etc/mysql.
	if err := os.WriteFile(filepath.Join(node.dir, "my.cnf"), []byte("[mysqld]\n"), 0o644); err != nil {
		g.t.Fatal(err)
	}
	g.run("chown", "-R", "mysql:mysql", node.dir)
	g.run("mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir="+filepath.Join(node.dir, "data"))
}

// args are mariadbd's flags for node in cluster (none: a server of its
// own, without wsrep), then extra.
func (node *galeraNode) args(cluster string, extra ...string) []string {
	args := []string{
		"--defaults-file=" + filepath.Join(node.dir, "my.cnf"),
		"--user=mysql", "--datadir=" + filepath.Join(node.dir, "data"),
		"--port=" + strconv.Itoa(node.port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(node.dir, "sock"), "--pid-file=" + filepath.Join(node.dir, "pid"),
		"--log-error=" + filepath.Join(node.dir, "mariadbd.err"),
		"--binlog-format=ROW", "--innodb-autoinc-lock-mode=2",
	}
	if cluster != "" {
		args = append(args, "--wsrep-on=ON", "--wsrep-provider="+galeraProvider,
			"--wsrep-cluster-address=gcomm://"+cluster,
			"--wsrep-node-address=127.0.0.1:"+strconv.Itoa(node.gcomm),
			fmt.Sprintf("--wsrep-provider-options=base_port=%d;gmcast.listen_addr=tcp://127.0.0.1:%d;ist.recv_addr=127.0.0.1:%d",
				node.gcomm, node.gcomm, node.ist),
			"--wsrep-sst-method=rsync", "--wsrep-sst-receive-address=127.0.0.1:"+strconv.Itoa(node.sst))
	}
	return append(args, extra...)
}

func (g *Galera) start(node *galeraNode, cluster string, extra ...string) {
	g.t.Helper()
	node.cmd = exec.Command("/usr/sbin/mariadbd", node.args(cluster, extra...)...)
	if err := node.cmd.Start(); err != nil {
		g.t.Fatal(err)
	}
}

// waitSynced waits until the node has joined and is Synced.
func (g *Galera) waitSynced(node *galeraNode) {
	g.t.Helper()
	g.wait(node, "SHOW STATUS LIKE 'wsrep_local_state_comment'", "Synced")
}

// waitReady waits until a server of its own answers.
func (g *Galera) waitReady(node *galeraNode) {
	g.t.Helper()
	g.wait(node, "SELECT 'ready'", "ready")
}

func (g *Galera) wait(node *galeraNode, query, want string) {
	g.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		out, err := exec.Command("mariadb", "--protocol=socket", "--socket="+filepath.Join(node.dir, "sock"), "-uroot", "-N", "-e", query).Output()
		if err == nil && strings.Contains(string(out), want) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(node.dir, "mariadbd.err"))
	g.t.Fatalf("MariaDB on port %d did not answer %q within 2 minutes; its log:\n%s", node.port, want, tail(string(log), 40))
}

// grantRoot lets root in over TCP with GaleraPassword and drops the
// anonymous accounts; the grants replicate to the nodes that join.
func (g *Galera) grantRoot(node *galeraNode) {
	g.t.Helper()
	g.run("mariadb", "--protocol=socket", "--socket="+filepath.Join(node.dir, "sock"), "-uroot", "-e", fmt.Sprintf(`
		ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('%[1]s') OR unix_socket;
		CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '%[1]s';
		GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
		DELETE FROM mysql.global_priv WHERE User = '';
		FLUSH PRIVILEGES;`, GaleraPassword))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Nodes is the cluster's size.
func (g *Galera) Nodes() int { return len(g.nodes) }

// Config is the go-sql-driver configuration of node i (0-based), root
// with GaleraPassword, no database.
func (g *Galera) Config(i int) *mysql.Config {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr = "root", GaleraPassword, "tcp", "127.0.0.1:"+strconv.Itoa(g.nodes[i].port)
	return c
}

// Open opens node i's database name, for the test's own reads.
func (g *Galera) Open(i int, name string) *sql.DB {
	g.t.Helper()
	c := g.Config(i)
	c.DBName = name
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(func() { db.Close() })
	return db
}

// Stop stops every node.
func (g *Galera) Stop() {
	for i := len(g.nodes) - 1; i >= 0; i-- {
		node := g.nodes[i]
		if node.cmd != nil && node.cmd.Process != nil && node.cmd.ProcessState == nil {
			_ = node.cmd.Process.Kill()
			_ = node.cmd.Wait()
		}
	}
}

// Isolate cuts node i off from the others (gmcast.isolate), as a network
// partition would: it leaves the primary component and refuses
// statements. Isolate(i, false) lets it rejoin.
func (g *Galera) Isolate(i int, isolated bool) {
	g.t.Helper()
	v := "0"
	if isolated {
		v = "1"
	}
	g.run("mariadb", "--protocol=socket", "--socket="+filepath.Join(g.nodes[i].dir, "sock"), "-uroot",
		"-p"+GaleraPassword, "-e", "SET GLOBAL wsrep_provider_options='gmcast.isolate="+v+"'")
}

// Status is a wsrep status variable of node i, read over its socket.
func (g *Galera) Status(i int, name string) string {
	g.t.Helper()
	out, err := exec.Command("mariadb", "--protocol=socket", "--socket="+filepath.Join(g.nodes[i].dir, "sock"), "-uroot",
		"-p"+GaleraPassword, "-N", "-e", "SHOW STATUS LIKE '"+name+"'").Output()
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// Kill kills node i with SIGKILL, as a crash would.
func (g *Galera) Kill(i int) {
	node := g.nodes[i]
	if node.cmd != nil && node.cmd.Process != nil {
		_ = node.cmd.Process.Kill()
		_ = node.cmd.Wait()
	}
}

// Restart starts a killed node i again, as galera_recovery and the
// systemd unit would: it first recovers the node's last committed
// position from InnoDB (mariadbd --wsrep-recover; a crash leaves seqno -1
// in grastate.dat) and starts from it, so the node asks for the
// write-sets it missed (IST) instead of a whole copy (SST). It returns
// the state transfer the node took, "IST" or "SST", and is Synced when it
// returns.
func (g *Galera) Restart(i int) string {
	g.t.Helper()
	node := g.nodes[i]
	var cluster []string
	for _, n := range g.nodes {
		cluster = append(cluster, "127.0.0.1:"+strconv.Itoa(n.gcomm))
	}
	logFile := filepath.Join(node.dir, "mariadbd.err")
	recovered := filepath.Join(node.dir, "recover.err")
	g.run("/usr/sbin/mariadbd", node.args(strings.Join(cluster, ","), "--log-error="+recovered, "--wsrep-recover")...)
	out, _ := os.ReadFile(recovered)
	m := recoveredPosition.FindSubmatch(out)
	if m == nil {
		g.t.Fatalf("mariadbd --wsrep-recover found no position:\n%s", tail(string(out), 20))
	}
	// The provider trusts grastate.dat over the start position, and a
	// node killed soon after it joined may have left it without the
	// cluster's uuid: write what recovery found, as an operator would.
	uuid, seqno, _ := strings.Cut(string(m[1]), ":")
	state := fmt.Sprintf("# GALERA saved state\nversion: 2.1\nuuid:    %s\nseqno:   %s\nsafe_to_bootstrap: 0\n", uuid, seqno)
	if err := os.WriteFile(filepath.Join(node.dir, "data", "grastate.dat"), []byte(state), 0o644); err != nil {
		g.t.Fatal(err)
	}
	g.run("chown", "mysql:mysql", filepath.Join(node.dir, "data", "grastate.dat"))
	before, _ := os.ReadFile(logFile)
	g.start(node, strings.Join(cluster, ","), "--wsrep-start-position="+string(m[1]))
	g.waitSynced(node)
	after, _ := os.ReadFile(logFile)
	// The rsync script logs which it did ("rsync IST completed on
	// joiner"), where the server logs "SST received" for both.
	if since := string(after[min(len(before), len(after)):]); strings.Contains(since, "rsync IST completed") && !strings.Contains(since, "rsync SST completed") {
		return "IST"
	}
	return "SST"
}

// recoveredPosition is the line mariadbd --wsrep-recover logs.
var recoveredPosition = regexp.MustCompile(`WSREP: Recovered position: ([0-9a-f-]{36}:-?[0-9]+)`)
