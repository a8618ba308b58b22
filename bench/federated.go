package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// federated is the path docker-compose deploys: the customers and orders
// roles as processes of their own, on the same database, and Hive Gateway
// (graph/federation's npm packages, the version compose pins) with the
// repository's deploy/gateway.config.mjs in front of them.
type federated struct {
	customers, orders *server
	gateway           *exec.Cmd
	gatewayURL        string
	dir               string
	gwDone            chan struct{}
	mu                sync.Mutex
	gwTail            []string
}

// needsFederation reports whether any scenario goes through the gateway.
func needsFederation(scenarios []string) bool {
	return slices.ContainsFunc(scenarios, func(s string) bool { return strings.HasPrefix(s, "gw") })
}

// startFederated starts the split roles and the gateway.
func startFederated(ctx context.Context, o options, bin string, env []string) (*federated, error) {
	f := &federated{}
	var err error
	// The profiled binary serves pprof on the port B2B_BENCH_PPROF names;
	// only the all-roles process may take it.
	env = slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "B2B_BENCH_PPROF=") })
	if f.customers, err = startRoles(ctx, bin, env, "customers"); err != nil {
		return nil, err
	}
	ordersEnv := append(slices.Clone(env), "CUSTOMERS_API_BASE="+f.customers.url("customers", ""))
	if f.orders, err = startRoles(ctx, bin, ordersEnv, "orders"); err != nil {
		f.stop()
		return nil, err
	}
	fed, err := filepath.Abs(filepath.Join(o.src, "graph", "federation"))
	if err != nil {
		f.stop()
		return nil, err
	}
	gw := filepath.Join(fed, "node_modules", ".bin", "hive-gateway")
	if _, err := os.Stat(gw); err != nil {
		f.stop()
		return nil, fmt.Errorf("hive-gateway is not installed: run `npm ci` in %s (%w)", fed, err)
	}
	// The config imports 'graphql', which resolves from a directory beside
	// the packages, as in the compose image's /gateway.
	if f.dir, err = os.MkdirTemp(fed, ".bench-"); err != nil {
		f.stop()
		return nil, err
	}
	config := o.gatewayConfig
	if config == "" {
		config = filepath.Join(o.src, "deploy", "gateway.config.mjs")
	}
	for src, name := range map[string]string{config: "gateway.config.mjs", filepath.Join(o.src, "deploy", "limits.mjs"): "limits.mjs"} {
		b, err := os.ReadFile(src)
		if err != nil {
			f.stop()
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(f.dir, name), b, 0o644); err != nil {
			f.stop()
			return nil, err
		}
	}
	addr, err := freePort()
	if err != nil {
		f.stop()
		return nil, err
	}
	_, port, _ := strings.Cut(addr, ":")
	supergraph, _ := filepath.Abs(filepath.Join(fed, "supergraph.graphql"))
	cmd := exec.Command(gw, "supergraph", supergraph, "--host", "127.0.0.1", "--port", port)
	cmd.Dir = f.dir
	cmd.Env = append(os.Environ(), "NODE_ENV=production",
		"SUBGRAPH_URL_CUSTOMERS="+f.customers.url("customers", "/graphql"),
		"SUBGRAPH_URL_ORDERS="+f.orders.url("orders", "/graphql"))
	cmd.Env = append(cmd.Env, o.gatewayEnv...)
	// Its own process group: stop takes its workers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StderrPipe()
	if err != nil {
		f.stop()
		return nil, err
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		f.stop()
		return nil, err
	}
	f.gateway, f.gwDone = cmd, make(chan struct{})
	go func() {
		defer close(f.gwDone)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f.mu.Lock()
			if len(f.gwTail) == 30 {
				f.gwTail = f.gwTail[1:]
			}
			f.gwTail = append(f.gwTail, sc.Text())
			f.mu.Unlock()
		}
	}()
	f.gatewayURL = "http://" + addr + "/graphql"
	if err := waitHealthy(ctx, "http://"+addr+"/readiness"); err != nil {
		f.mu.Lock()
		tail := strings.Join(f.gwTail, "\n")
		f.mu.Unlock()
		f.stop()
		return nil, fmt.Errorf("hive-gateway: %w\n%s", err, tail)
	}
	log.Printf("federated path: customers role pid %d, orders role pid %d, Hive Gateway pid %d at %s",
		f.customers.pid(), f.orders.pid(), cmd.Process.Pid, f.gatewayURL)
	return f, nil
}

func (f *federated) stop() {
	if f.gateway != nil && f.gateway.ProcessState == nil {
		_ = syscall.Kill(-f.gateway.Process.Pid, syscall.SIGTERM)
		select {
		case <-f.gwDone:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-f.gateway.Process.Pid, syscall.SIGKILL)
			<-f.gwDone
		}
		_ = f.gateway.Wait()
	}
	for _, s := range []*server{f.orders, f.customers} {
		if s != nil {
			s.stop()
		}
	}
	if f.dir != "" {
		_ = os.RemoveAll(f.dir)
	}
}

// procs are the processes whose CPU and peak memory the report shows for
// the federated path.
func (f *federated) procs() []namedProc {
	return []namedProc{
		{"customers role", strconv.Itoa(f.customers.pid())},
		{"orders role", strconv.Itoa(f.orders.pid())},
		{gatewayName, strconv.Itoa(f.gateway.Process.Pid)},
	}
}

// gatewayName names the gateway's process in the report.
const gatewayName = "Hive Gateway"

// namedProc is a process (with its descendants) measured in every cell.
type namedProc struct{ name, pid string }

// procUse is what a namedProc used in one cell.
type procUse struct {
	name string
	cpu  float64 // seconds, the process and its descendants
	hwm  int64   // bytes, the sum of their peak RSS
}

// tree is pid and its descendants, from /proc/*/stat's parent ids.
func tree(pid string) []string {
	parent := map[string][]string{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 {
			parent[f[1]] = append(parent[f[1]], filepath.Base(filepath.Dir(s)))
		}
	}
	out := []string{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, parent[out[i]]...)
	}
	return out
}

func treeCPU(pids []string) float64 {
	var s float64
	for _, p := range pids {
		s += procCPU(p)
	}
	return s
}

func treeHWM(pids []string) int64 {
	var s int64
	for _, p := range pids {
		s += procStatus(p, "VmHWM")
	}
	return s
}
