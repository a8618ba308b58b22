package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// op performs one operation (one order placed and confirmed, or one read).
// It returns the number of HTTP requests it made and an error for anything
// but the expected answer.
type op func(ctx context.Context) (requests int, err error)

// result is one cell: a scenario at a concurrency.
type result struct {
	scenario string
	conc     int
	ops      int // successful operations: failures count only in errs
	requests int
	errs     int
	firstErr string
	elapsed  time.Duration
	p50, p99 time.Duration
	// CPU seconds over the measured window.
	serverCPU, dbCPU, selfCPU float64
	// otherCPU is what the rest of the machine used meanwhile (other
	// people's builds and tests on a shared machine), in seconds.
	otherCPU  float64
	serverHWM int64 // bytes, VmHWM reset at the start of the cell
	com       map[string]int64
	// procs are the federated path's processes in this cell.
	procs []procUse
}

func (r result) opsPerSec() float64 { return float64(r.ops) / r.elapsed.Seconds() }
func (r result) reqPerSec() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// runCell runs conc workers, each with its own op from mk, first for the
// warm-up and then for the measured duration; both loops are bounded by
// time and by maxOps.
func runCell(ctx context.Context, o options, conc int, mk func(worker int) op, onStart func()) (ops, requests, errs int, firstErr string, elapsed time.Duration, lat []time.Duration) {
	workers := make([]op, conc)
	for i := range workers {
		workers[i] = mk(i)
	}
	perWorker := max(1, o.maxOps/conc)
	phase := func(d time.Duration, record bool) time.Duration {
		var wg sync.WaitGroup
		type acc struct {
			ops, reqs, errs int
			first           string
			lat             []time.Duration
		}
		accs := make([]acc, conc)
		start := time.Now()
		deadline := start.Add(d)
		for w := range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := &accs[w]
				if record {
					a.lat = make([]time.Duration, 0, 4096)
				}
				for i := 0; i < perWorker && ctx.Err() == nil; i++ {
					t0 := time.Now()
					if !t0.Before(deadline) {
						break
					}
					n, err := workers[w](ctx)
					a.reqs += n
					if err == nil {
						a.ops++
					} else {
						a.errs++
						if a.first == "" {
							a.first = err.Error()
						}
					}
					if record {
						a.lat = append(a.lat, time.Since(t0))
					}
				}
			}()
		}
		wg.Wait()
		if record {
			for _, a := range accs {
				ops += a.ops
				requests += a.reqs
				errs += a.errs
				if firstErr == "" {
					firstErr = a.first
				}
				lat = append(lat, a.lat...)
			}
		}
		return time.Since(start)
	}
	if o.warmup > 0 {
		phase(o.warmup, false)
	}
	onStart()
	elapsed = phase(o.duration, true)
	return
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// procCPU is utime+stime of a process in seconds (/proc/<pid>/stat, 100
// ticks a second).
func procCPU(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	// After the command: state is field 3; utime and stime are 14 and 15.
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return float64(u+s) / 100
}

// machineBusy is the CPU time, in seconds, that all processes of the
// machine have used (/proc/stat: everything but idle and iowait).
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 && i < 8 { // idle, iowait; guest time is inside user
			busy += n
		}
	}
	return float64(busy) / 100
}

// procStatus reads one "Name:   N kB" line of /proc/<pid>/status in bytes.
func procStatus(pid, name string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}

// resetHWM resets the peak RSS (VmHWM) of a process to its current RSS.
func resetHWM(pid string) {
	_ = os.WriteFile("/proc/"+pid+"/clear_refs", []byte("5"), 0)
}

// findDBPid finds the local mariadbd (or mysqld) process, "" if none.
func findDBPid() string {
	dirs, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		switch strings.TrimSpace(string(b)) {
		case "mariadbd", "mysqld":
			return filepath.Base(filepath.Dir(d))
		}
	}
	return ""
}

// comKeys are the statement counters reported per operation.
var comKeys = []string{"Com_select", "Com_insert", "Com_update", "Com_delete", "Com_begin", "Com_commit", "Com_rollback", "Com_set_option", "Questions"}

// globalStatus reads the statement counters. They are global: other
// clients of the same server count too.
func globalStatus(ctx context.Context, d *sql.DB) map[string]int64 {
	m := map[string]int64{}
	rows, err := d.QueryContext(ctx, "SHOW GLOBAL STATUS WHERE Variable_name IN ('"+strings.Join(comKeys, "','")+"')")
	if err != nil {
		return m
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v int64
		if rows.Scan(&k, &v) == nil {
			m[k] = v
		}
	}
	return m
}

// measure runs one cell and collects the process counters around it.
func measure(ctx context.Context, o options, env *benchEnv, scenario string, conc int, mk func(int) op) result {
	spid := strconv.Itoa(env.srv.pid())
	var (
		before     map[string]int64
		s0, d0, m0 float64
		b0         float64
		wg         sync.WaitGroup
	)
	trees := make([][]string, len(env.procs))
	cpu0 := make([]float64, len(env.procs))
	start := func() {
		for i, p := range env.procs {
			trees[i] = tree(p.pid)
			for _, pid := range trees[i] {
				resetHWM(pid)
			}
			cpu0[i] = treeCPU(trees[i])
		}
		resetHWM(spid)
		before = globalStatus(ctx, env.admin)
		s0, d0, m0 = procCPU(spid), procCPU(env.dbPid), procCPU("self")
		b0 = machineBusy()
		if env.profiling(scenario, conc) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				env.cpuProfile(ctx, fmt.Sprintf("%s-c%d", scenario, conc), o.duration)
			}()
		}
	}
	ops, reqs, errs, first, elapsed, lat := runCell(ctx, o, conc, mk, start)
	s1, d1, m1 := procCPU(spid), procCPU(env.dbPid), procCPU("self")
	b1 := machineBusy()
	var procs []procUse
	var procsCPU float64
	for i, p := range env.procs {
		u := procUse{name: p.name, cpu: treeCPU(trees[i]) - cpu0[i], hwm: treeHWM(trees[i])}
		procs = append(procs, u)
		procsCPU += u.cpu
	}
	after := globalStatus(ctx, env.admin)
	wg.Wait()
	slices.Sort(lat)
	r := result{
		scenario: scenario, conc: conc, ops: ops, requests: reqs, errs: errs, firstErr: first, elapsed: elapsed,
		p50: percentile(lat, 0.50), p99: percentile(lat, 0.99),
		serverCPU: s1 - s0, dbCPU: d1 - d0, selfCPU: m1 - m0,
		otherCPU:  max(0, (b1-b0)-(s1-s0)-(d1-d0)-(m1-m0)-procsCPU),
		procs:     procs,
		serverHWM: procStatus(spid, "VmHWM"),
		com:       map[string]int64{},
	}
	if scenario == "ceiling" {
		r.serverCPU, r.serverHWM = 0, 0
	}
	for _, k := range comKeys {
		r.com[k] = after[k] - before[k]
	}
	return r
}
