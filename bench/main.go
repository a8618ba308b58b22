// Command bench is the load generator of docs/benchmarks.md. It creates a
// fresh MySQL/MariaDB database, migrates it with the real b2b binary, loads
// a fixed data set (10,000 products with ample stock, 1,000 customers),
// starts `b2b serve` against it on loopback and drives these scenarios, each
// at every concurrency for a fixed duration:
//
//	graph      createAndConfirmOrder through the combined graph (1–3 random items)
//	orch       the same through the orchestrator's local form on :3003
//	rest       POST /api/v1/orders, then POST /api/v1/orders/{id}/confirm
//	hot        graph createAndConfirmOrder, every order includes product 1
//	get        GET /api/v1/orders/{id}
//	gqlist     a GraphQL page of 20 orders with customer and items
//	ceiling    the same create-and-confirm transaction in raw SQL, in this
//	           process, over go-sql-driver/mysql with the server's pool size
//	           and DSN options
//
// It reports throughput, p50/p99 latency, the ratio of every write scenario
// to the ceiling at the same concurrency, the server's CPU per request
// (/proc/<pid>/stat), its peak RSS (VmHWM, reset per cell through
// /proc/<pid>/clear_refs) and MariaDB's statement counters per operation.
// Every loop is bounded by time and count; the program stops by itself and
// drops its database.
//
//	go run ./bench              # full run (make bench)
//	go run ./bench -quick       # smoke run: short cells
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	src        string
	bin        string
	dbHost     string
	dbPort     int
	dbUser     string
	dbPassword string
	dbName     string
	pool       int
	conc       []int
	duration   time.Duration
	warmup     time.Duration
	maxOps     int
	scenarios  []string
	out        string
	profileDir string
	profile    []string
	keepDB     bool
	extraEnv   []string
	// gatewayConfig replaces deploy/gateway.config.mjs for the gw
	// scenarios; gatewayEnv adds to Hive Gateway's environment.
	gatewayConfig string
	gatewayEnv    []string
}

// envList is a repeatable KEY=VALUE flag.
type envList []string

func (l *envList) String() string { return strings.Join(*l, " ") }
func (l *envList) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*l = append(*l, v)
	return nil
}

var allScenarios = []string{"ceiling", "graph", "orch", "rest", "hot", "get", "gqlist", "gw", "gwlist"}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "smoke run: 1 s cells, 0.2 s warm-up")
	fs.StringVar(&o.src, "src", ".", "module root to build cmd/b2b from")
	fs.StringVar(&o.bin, "bin", "", "use this b2b binary instead of building one")
	fs.StringVar(&o.dbHost, "db-host", "127.0.0.1", "MySQL/MariaDB host (loopback)")
	fs.IntVar(&o.dbPort, "db-port", 3306, "MySQL/MariaDB port")
	fs.StringVar(&o.dbUser, "db-user", "root", "MySQL/MariaDB user")
	fs.StringVar(&o.dbPassword, "db-password", "", "MySQL/MariaDB password")
	fs.StringVar(&o.dbName, "db-name", "b2b_bench", "database to create, use and drop")
	fs.IntVar(&o.pool, "pool", 10, "connection pool size of the server (DB_CONNECTION_LIMIT) and of the ceiling")
	concs := fs.String("conc", "1,8,32,128", "concurrencies")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario and concurrency")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up before each cell")
	fs.IntVar(&o.maxOps, "max-ops", 5_000_000, "upper bound on operations per cell")
	scen := fs.String("scenarios", strings.Join(allScenarios, ","), "scenarios to run")
	fs.StringVar(&o.out, "out", "", "also write the report (markdown) to this file")
	fs.StringVar(&o.profileDir, "profile", "", "build b2b with a loopback pprof endpoint and save CPU profiles of the -profile-cells here")
	prof := fs.String("profile-cells", "graph@32,get@32", "cells to profile, scenario@concurrency")
	fs.BoolVar(&o.keepDB, "keep-db", false, "keep the database at the end")
	var extra, gwEnv envList
	fs.Var(&extra, "server-env", "extra KEY=VALUE for b2b serve's environment (repeatable), for experiments")
	fs.StringVar(&o.gatewayConfig, "gateway-config", "", "Hive Gateway config for the gw scenarios (default deploy/gateway.config.mjs), for experiments")
	fs.Var(&gwEnv, "gateway-env", "extra KEY=VALUE for Hive Gateway's environment (repeatable), for experiments")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.extraEnv = extra
	o.gatewayEnv = gwEnv
	if *quick {
		o.duration, o.warmup = time.Second, 200*time.Millisecond
	}
	for s := range strings.SplitSeq(*concs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1024 {
			return o, fmt.Errorf("-conc: bad concurrency %q", s)
		}
		o.conc = append(o.conc, n)
	}
	for s := range strings.SplitSeq(*scen, ",") {
		s = strings.TrimSpace(s)
		if !contains(allScenarios, s) {
			return o, fmt.Errorf("-scenarios: unknown scenario %q (have %s)", s, strings.Join(allScenarios, ", "))
		}
		o.scenarios = append(o.scenarios, s)
	}
	if *prof != "" {
		o.profile = strings.Split(*prof, ",")
	}
	if !regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`).MatchString(o.dbName) {
		return o, fmt.Errorf("-db-name: %q is not a plain lower-case name", o.dbName)
	}
	if o.pool < 1 || o.duration <= 0 || o.maxOps < 1 {
		return o, errors.New("-pool, -duration and -max-ops must be positive")
	}
	return o, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("bench: ")
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}
