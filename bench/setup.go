package main

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The fixed data set.
const (
	numProducts  = 10_000
	numCustomers = 1_000
	productStock = 1_000_000_000 // ample: no scenario runs out
	hotProduct   = 1
)

// mysqlConfig is the server's DSN (db.Config.mysqlConfig): parseTime,
// interpolateParams, utf8mb4, UTC, millisecond truncation. name "" opens the
// server without a database.
func (o options) mysqlConfig(name string) *mysql.Config {
	mc := mysql.NewConfig()
	mc.Net = "tcp"
	mc.Addr = net.JoinHostPort(o.dbHost, strconv.Itoa(o.dbPort))
	mc.User, mc.Passwd, mc.DBName = o.dbUser, o.dbPassword, name
	mc.ParseTime = true
	mc.InterpolateParams = true
	mc.Loc = time.UTC
	mc.Params = map[string]string{"time_zone": "'+00:00'"}
	mc.Timeout = 5 * time.Second
	mc.WriteTimeout = 30 * time.Second
	if err := mc.Apply(mysql.Charset("utf8mb4", "utf8mb4_unicode_ci"), mysql.TimeTruncate(time.Millisecond)); err != nil {
		panic(err) // constant options
	}
	return mc
}

func (o options) open(name string, pool int) (*sql.DB, error) {
	c, err := mysql.NewConnector(o.mysqlConfig(name))
	if err != nil {
		return nil, err
	}
	d := sql.OpenDB(c)
	d.SetMaxOpenConns(pool)
	d.SetMaxIdleConns(pool)
	d.SetConnMaxLifetime(3 * time.Minute) // as the server's pool
	return d, nil
}

// buildBinary compiles cmd/b2b into dir. With pprof it adds, through
// -overlay and without touching the tree, one file to package main that
// serves net/http/pprof on the loopback address in B2B_BENCH_PPROF.
func buildBinary(ctx context.Context, o options, dir string) (string, error) {
	bin := filepath.Join(dir, "b2b")
	args := []string{"build", "-o", bin}
	if o.profileDir != "" {
		src, err := filepath.Abs(filepath.Join(o.src, "cmd", "b2b", "zz_bench_pprof.go"))
		if err != nil {
			return "", err
		}
		file := filepath.Join(dir, "pprof.go")
		if err := os.WriteFile(file, []byte(pprofOverlay), 0o600); err != nil {
			return "", err
		}
		overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {src: file}})
		ov := filepath.Join(dir, "overlay.json")
		if err := os.WriteFile(ov, overlay, 0o600); err != nil {
			return "", err
		}
		args = append(args, "-overlay", ov)
	}
	args = append(args, "./cmd/b2b")
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = o.src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return bin, nil
}

const pprofOverlay = `package main

// Added by bench -profile through go build -overlay; never in the tree.

import (
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("B2B_BENCH_PPROF")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic(err)
	}
	go func() { _ = http.Serve(ln, nil) }()
}
`

// serverEnv is the whole environment of b2b migrate and serve.
func (o options) serverEnv(dataDir, token string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dataDir,
		"DB_DRIVER=mysql",
		"DB_HOST=" + o.dbHost,
		"DB_PORT=" + strconv.Itoa(o.dbPort),
		"DB_USER=" + o.dbUser,
		"DB_PASSWORD=" + o.dbPassword,
		"DB_NAME=" + o.dbName,
		"DB_CONNECTION_LIMIT=" + strconv.Itoa(o.pool),
		"B2B_DATA_DIR=" + dataDir,
		"JWT_SECRET=" + randomHex(32),
		"SERVICE_TOKEN=" + token,
	}, o.extraEnv...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// freshDatabase drops the bench database if it exists; b2b migrate then
// creates it.
func freshDatabase(ctx context.Context, o options) error {
	admin, err := o.open("", 1)
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+o.dbName+"`")
	return err
}

func dropDatabase(o options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return freshDatabase(ctx, o)
}

func migrate(ctx context.Context, bin string, env []string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "migrate")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("b2b migrate: %w\n%s", err, out)
	}
	return nil
}

// catalogue is the loaded data set as the ceiling needs it.
type catalogue struct {
	price []int64 // by product id; index 0 unused
}

// loadData inserts the customers and products in multi-row statements.
func loadData(ctx context.Context, d *sql.DB) (catalogue, error) {
	rng := rand.New(rand.NewPCG(7, 7)) // fixed data set
	now := time.Now().UTC().Truncate(time.Millisecond)
	const batch = 500
	var b strings.Builder
	args := make([]any, 0, batch*5)
	flush := func(head string) error {
		if len(args) == 0 {
			return nil
		}
		_, err := d.ExecContext(ctx, head+strings.TrimSuffix(b.String(), ","), args...)
		b.Reset()
		args = args[:0]
		return err
	}
	const custHead = "INSERT INTO customers (name, email, phone, created_at, live) VALUES "
	for i := 1; i <= numCustomers; i++ {
		b.WriteString("(?,?,?,?,1),")
		args = append(args, fmt.Sprintf("Bench Customer %d", i), fmt.Sprintf("bench-%d@example.com", i), "+1-555-0100", now)
		if i%batch == 0 {
			if err := flush(custHead); err != nil {
				return catalogue{}, fmt.Errorf("load customers: %w", err)
			}
		}
	}
	if err := flush(custHead); err != nil {
		return catalogue{}, fmt.Errorf("load customers: %w", err)
	}
	cat := catalogue{price: make([]int64, numProducts+1)}
	const prodHead = "INSERT INTO products (sku, name, price_cents, stock, created_at) VALUES "
	for i := 1; i <= numProducts; i++ {
		cat.price[i] = 100 + rng.Int64N(99_900)
		b.WriteString("(?,?,?,?,?),")
		args = append(args, fmt.Sprintf("BENCH-%05d", i), fmt.Sprintf("Bench product %d", i), cat.price[i], productStock, now)
		if i%batch == 0 {
			if err := flush(prodHead); err != nil {
				return catalogue{}, fmt.Errorf("load products: %w", err)
			}
		}
	}
	if err := flush(prodHead); err != nil {
		return catalogue{}, fmt.Errorf("load products: %w", err)
	}
	// The ids are what the scenarios pick from: check them.
	var nc, np, maxc, maxp int
	if err := d.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM customers), (SELECT MAX(id) FROM customers), (SELECT COUNT(*) FROM products), (SELECT MAX(id) FROM products)").Scan(&nc, &maxc, &np, &maxp); err != nil {
		return catalogue{}, err
	}
	if nc != numCustomers || maxc != numCustomers || np != numProducts || maxp != numProducts {
		return catalogue{}, fmt.Errorf("data set: %d customers (max id %d), %d products (max id %d)", nc, maxc, np, maxp)
	}
	return cat, nil
}

// server is a running `b2b serve`.
type server struct {
	cmd   *exec.Cmd
	addrs map[string]string
	done  chan struct{}
	mu    sync.Mutex
	tail  []string // the last log lines, for errors
}

func startServer(ctx context.Context, bin string, env []string) (*server, error) {
	return startRoles(ctx, bin, env, "customers", "orders", "orchestrator", "graph")
}

// startRoles starts `b2b serve` with the roles given, each on a free port;
// the database is migrated already.
func startRoles(ctx context.Context, bin string, env []string, roles ...string) (*server, error) {
	args := []string{"serve", "--host", "127.0.0.1", "--no-migrate", "--roles", strings.Join(roles, ",")}
	for _, r := range roles {
		args = append(args, "--port", r+"=0")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addrs: map[string]string{}, done: make(chan struct{})}
	listening := make(chan [2]string, 16)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			if len(s.tail) == 50 {
				s.tail = s.tail[1:]
			}
			s.tail = append(s.tail, line)
			s.mu.Unlock()
			var l struct{ Msg, Role, Addr string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "listening" {
				select {
				case listening <- [2]string{l.Role, l.Addr}:
				default:
				}
			}
		}
	}()
	deadline := time.After(time.Minute)
	for len(s.addrs) < len(roles) {
		select {
		case l := <-listening:
			s.addrs[l[0]] = l[1]
		case <-s.done:
			_ = cmd.Wait()
			return nil, fmt.Errorf("b2b serve exited during start-up:\n%s", s.logs())
		case <-deadline:
			s.stop()
			return nil, fmt.Errorf("b2b serve: roles not listening within a minute:\n%s", s.logs())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		}
	}
	for role := range s.addrs {
		if err := waitHealthy(ctx, s.url(role, "/health")); err != nil {
			s.stop()
			return nil, fmt.Errorf("%w\n%s", err, s.logs())
		}
	}
	return s, nil
}

func (s *server) url(role, path string) string { return "http://" + s.addrs[role] + path }
func (s *server) pid() int                     { return s.cmd.Process.Pid }

func (s *server) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// stop sends SIGTERM and waits, bounded, for the exit.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		log.Printf("b2b serve did not stop within 30 s of SIGTERM; killed")
	}
	if err := s.cmd.Wait(); err != nil {
		log.Printf("b2b serve exited: %v", err)
	}
}

func waitHealthy(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy within 30 s: %v", url, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
