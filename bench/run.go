package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// benchEnv is everything the scenarios share.
type benchEnv struct {
	o       options
	srv     *server
	http    *http.Client
	admin   *sql.DB // counters and small reads, one connection
	ceilDB  *sql.DB // the ceiling's pool, sized like the server's
	cat     catalogue
	token   string
	runID   string
	dbPid   string
	pprof   string // host:port of the server's pprof endpoint, "" without -profile
	results []result
	cells   int
	// fed is the federated path, when a gw scenario runs; procs are its
	// processes, measured in every cell.
	fed   *federated
	procs []namedProc
}

func (e *benchEnv) profiling(scenario string, conc int) bool {
	return e.pprof != "" && slices.Contains(e.o.profile, fmt.Sprintf("%s@%d", scenario, conc))
}

// cpuProfile saves the server's CPU profile over d (less a margin, so it
// ends inside the cell) into the -profile directory.
func (e *benchEnv) cpuProfile(ctx context.Context, name string, d time.Duration) {
	secs := max(1, int((d-500*time.Millisecond)/time.Second))
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", e.pprof, secs)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Printf("profile %s: %v", name, err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(filepath.Join(e.o.profileDir, name+".cpu.pprof"))
	if err != nil {
		log.Printf("profile %s: %v", name, err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		log.Printf("profile %s: %v", name, err)
	}
}

func (e *benchEnv) saveHeap(ctx context.Context) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+e.pprof+"/debug/pprof/heap", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Printf("heap profile: %v", err)
		return
	}
	defer resp.Body.Close()
	if f, err := os.Create(filepath.Join(e.o.profileDir, "heap.pprof")); err == nil {
		_, _ = io.Copy(f, resp.Body)
		f.Close()
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func run(ctx context.Context, o options) (err error) {
	tmp, err := os.MkdirTemp("", "b2b-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	bin := o.bin
	if bin == "" {
		log.Printf("building cmd/b2b")
		if bin, err = buildBinary(ctx, o, tmp); err != nil {
			return err
		}
	}
	e := &benchEnv{o: o, token: randomHex(32), runID: randomHex(4), dbPid: findDBPid()}
	dataDir := filepath.Join(tmp, "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		return err
	}
	env := o.serverEnv(dataDir, e.token)
	if o.profileDir != "" {
		if e.pprof, err = freePort(); err != nil {
			return err
		}
		env = append(env, "B2B_BENCH_PPROF="+e.pprof)
	}

	log.Printf("creating database %s", o.dbName)
	if err := freshDatabase(ctx, o); err != nil {
		return err
	}
	if !o.keepDB {
		defer func() {
			if derr := dropDatabase(o); derr != nil {
				log.Printf("drop database %s: %v", o.dbName, derr)
			}
		}()
	}
	if err := migrate(ctx, bin, env); err != nil {
		return err
	}
	if e.admin, err = o.open(o.dbName, 2); err != nil {
		return err
	}
	defer e.admin.Close()
	if e.ceilDB, err = o.open(o.dbName, o.pool); err != nil {
		return err
	}
	defer e.ceilDB.Close()
	log.Printf("loading %d customers and %d products", numCustomers, numProducts)
	if e.cat, err = loadData(ctx, e.admin); err != nil {
		return err
	}

	log.Printf("starting b2b serve (DB_CONNECTION_LIMIT=%d)", o.pool)
	if e.srv, err = startServer(ctx, bin, env); err != nil {
		return err
	}
	defer e.srv.stop()
	if needsFederation(o.scenarios) {
		log.Printf("starting the federated path (split roles, Hive Gateway)")
		if e.fed, err = startFederated(ctx, o, bin, env); err != nil {
			return err
		}
		defer e.fed.stop()
		e.procs = e.fed.procs()
	}
	e.http = &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        2048,
			MaxIdleConnsPerHost: 1024, // ≥ any concurrency: connections are reused, never re-dialled
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
	defer e.http.CloseIdleConnections()

	// Some orders to read even when no write scenario runs.
	if err := e.seedOrders(ctx); err != nil {
		return err
	}

	for _, c := range o.conc {
		for _, s := range o.scenarios {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			mk, err := e.scenario(ctx, s)
			if err != nil {
				return err
			}
			r := measure(ctx, o, e, s, c, mk)
			e.results = append(e.results, r)
			log.Printf("%-7s c=%-3d %8.0f op/s  p50 %6.2f ms  p99 %7.2f ms  errors %d %s",
				s, c, r.opsPerSec(), ms(r.p50), ms(r.p99), r.errs, r.firstErr)
		}
	}
	if e.pprof != "" {
		e.saveHeap(ctx)
	}
	report := e.report()
	fmt.Print(report)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// seedOrders places a few hundred orders through the ceiling so that the
// read scenarios find orders from the start.
func (e *benchEnv) seedOrders(ctx context.Context) error {
	w := e.newWorker("seed", 0, 0)
	place := w.ceiling(e.ceilDB, e.cat)
	for range 500 {
		if _, err := place(ctx); err != nil {
			return fmt.Errorf("seed orders: %w", err)
		}
	}
	return nil
}

func (e *benchEnv) maxOrderID(ctx context.Context) (int, error) {
	var n int
	err := e.admin.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM orders").Scan(&n)
	return n, err
}

// scenario returns the per-worker operations of a scenario.
// Every call is a new cell, whose workers' idempotency keys are its own.
func (e *benchEnv) scenario(ctx context.Context, s string) (func(int) op, error) {
	e.cells++
	cell := e.cells
	switch s {
	case "ceiling":
		return func(i int) op { return e.newWorker(s, cell, i).ceiling(e.ceilDB, e.cat) }, nil
	case "graph":
		return func(i int) op { return e.newWorker(s, cell, i).graphCreate(e.srv.url("graph", "/graphql"), false) }, nil
	case "hot":
		return func(i int) op { return e.newWorker(s, cell, i).graphCreate(e.srv.url("graph", "/graphql"), true) }, nil
	case "gw":
		return func(i int) op { return e.newWorker(s, cell, i).graphCreate(e.fed.gatewayURL, false) }, nil
	case "orch":
		return func(i int) op { return e.newWorker(s, cell, i).orchCreate() }, nil
	case "rest":
		return func(i int) op { return e.newWorker(s, cell, i).restCreateConfirm() }, nil
	case "get", "gqlist", "gwlist":
		maxID, err := e.maxOrderID(ctx)
		if err != nil {
			return nil, err
		}
		switch s {
		case "get":
			return func(i int) op { return e.newWorker(s, cell, i).getOrder(maxID) }, nil
		case "gwlist":
			return func(i int) op { return e.newWorker(s, cell, i).graphList(e.fed.gatewayURL, maxID) }, nil
		}
		return func(i int) op { return e.newWorker(s, cell, i).graphList(e.srv.url("graph", "/graphql"), maxID) }, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", s)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mb(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }
