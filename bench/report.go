package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// The targets: issue 7's p99, reads and memory, and issue 14's ratios at
// concurrency 32.
const (
	targetP99      = 3.0
	targetReads    = 10_000.0
	targetRSS      = 80 << 20
	targetConc     = 32
	targetGraph    = 0.60 // graph vs the ceiling
	targetREST     = 0.40 // rest vs the ceiling
	targetGateway  = 0.75 // gw vs graph, gwlist vs gqlist
	targetGWMemory = 200 << 20
)

func isWrite(s string) bool { return s != "get" && s != "gqlist" && s != "gwlist" && s != "ceiling" }

func (e *benchEnv) ceilingAt(conc int) (result, bool) {
	for _, r := range e.results {
		if r.scenario == "ceiling" && r.conc == conc {
			return r, true
		}
	}
	return result{}, false
}

func machine() string {
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := "unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for l := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				mem = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s memory, %s/%s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH)
}

func (e *benchEnv) report() string {
	var b strings.Builder
	var version string
	_ = e.admin.QueryRowContext(context.Background(), "SELECT VERSION()").Scan(&version)
	fmt.Fprintf(&b, "## Run of %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- machine: %s\n", machine())
	fmt.Fprintf(&b, "- Go %s, MariaDB/MySQL %s\n", strings.TrimPrefix(runtime.Version(), "go"), version)
	fmt.Fprintf(&b, "- pool %d connections (server DB_CONNECTION_LIMIT and ceiling), %s per cell after %s warm-up, concurrencies %v\n\n",
		e.o.pool, e.o.duration, e.o.warmup, e.o.conc)

	b.WriteString("| scenario | conc | ops/s | req/s | p50 ms | p99 ms | ops vs ceiling | p99 vs ceiling | errors | server CPU ms/req | MariaDB CPU ms/op | load gen CPU ms/op | all three, ms/op | server peak RSS MB | other procs, cores |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range e.results {
		ratio, p99r := "–", "–"
		if c, ok := e.ceilingAt(r.conc); ok && isWrite(r.scenario) && c.ops > 0 {
			ratio = fmt.Sprintf("%.0f %%", 100*r.opsPerSec()/c.opsPerSec())
			p99r = fmt.Sprintf("%.1f×", ms(r.p99)/ms(c.p99))
		}
		srvCPU, rss := "–", "–"
		if r.scenario != "ceiling" && r.requests > 0 {
			srvCPU = fmt.Sprintf("%.3f", 1000*r.serverCPU/float64(r.requests))
			rss = mb(r.serverHWM)
		}
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f | %.2f | %.2f | %s | %s | %d | %s | %.3f | %.3f | %.3f | %s | %.2f |\n",
			r.scenario, r.conc, r.opsPerSec(), r.reqPerSec(), ms(r.p50), ms(r.p99), ratio, p99r, r.errs,
			srvCPU, 1000*r.dbCPU/max(1, float64(r.ops)), 1000*r.selfCPU/max(1, float64(r.ops)),
			1000*(r.serverCPU+r.dbCPU+r.selfCPU)/max(1, float64(r.ops)), rss,
			r.otherCPU/r.elapsed.Seconds())
	}

	if len(e.procs) > 0 {
		b.WriteString("\nThe federated path (gw: createAndConfirmOrder, gwlist: the gqlist read, through Hive Gateway over the split roles) against the combined graph in the same run; CPU is each process's (with its workers) per request, peak RSS its (and its workers') VmHWM in the cell:\n\n")
		b.WriteString("| scenario | conc | ops/s | vs combined | p99 ms | p99 vs combined |")
		for _, p := range e.procs {
			fmt.Fprintf(&b, " %s CPU ms/req | %s peak RSS MB |", p.name, p.name)
		}
		b.WriteString("\n|---|---:|---:|---:|---:|---:|" + strings.Repeat("---:|---:|", len(e.procs)) + "\n")
		for _, r := range e.results {
			ref := map[string]string{"gw": "graph", "gwlist": "gqlist"}[r.scenario]
			if ref == "" {
				continue
			}
			vs, p99vs := "–", "–"
			for _, c := range e.results {
				if c.scenario == ref && c.conc == r.conc && c.ops > 0 {
					vs = fmt.Sprintf("%.2f×", r.opsPerSec()/c.opsPerSec())
					p99vs = fmt.Sprintf("%.2f×", ms(r.p99)/ms(c.p99))
				}
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %.2f | %s |", r.scenario, r.conc, r.opsPerSec(), vs, ms(r.p99), p99vs)
			for _, u := range r.procs {
				fmt.Fprintf(&b, " %.3f | %s |", 1000*u.cpu/max(1, float64(r.requests)), mb(u.hwm))
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("\nStatements per operation (MariaDB `SHOW GLOBAL STATUS` deltas over all concurrencies; global counters, so other clients of the server count too):\n\n")
	b.WriteString("| scenario | " + strings.Join(shortKeys(), " | ") + " |\n|---|" + strings.Repeat("---:|", len(comKeys)) + "\n")
	for _, s := range e.o.scenarios {
		sum := map[string]int64{}
		ops := 0
		for _, r := range e.results {
			if r.scenario == s {
				ops += r.ops
				for k, v := range r.com {
					sum[k] += v
				}
			}
		}
		fmt.Fprintf(&b, "| %s |", s)
		for _, k := range comKeys {
			fmt.Fprintf(&b, " %.2f |", float64(sum[k])/max(1, float64(ops)))
		}
		b.WriteString("\n")
	}

	b.WriteString("\nTargets:\n\n")
	b.WriteString(e.targets())
	return b.String()
}

func shortKeys() []string {
	out := make([]string, len(comKeys))
	for i, k := range comKeys {
		out[i] = strings.TrimPrefix(k, "Com_")
	}
	return out
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// at is the result of scenario at concurrency conc, if it ran without
// errors.
func (e *benchEnv) at(scenario string, conc int) (result, bool) {
	for _, r := range e.results {
		if r.scenario == scenario && r.conc == conc && r.ops > 0 {
			return r, r.errs == 0
		}
	}
	return result{}, false
}

func (e *benchEnv) targets() string {
	var b strings.Builder
	ratio := func(what, scenario, ref string, target float64) {
		r, ok := e.at(scenario, targetConc)
		c, cok := e.at(ref, targetConc)
		if !ok || !cok {
			fmt.Fprintf(&b, "- %s at c=%d: not measured (or had errors) in this run\n", what, targetConc)
			return
		}
		x := r.opsPerSec() / c.opsPerSec()
		fmt.Fprintf(&b, "- %s at c=%d: %.0f vs %.0f op/s = %.2f× (target ≥ %.2f×): %s\n",
			what, targetConc, r.opsPerSec(), c.opsPerSec(), x, target, verdict(x >= target))
	}
	ratio("graph createAndConfirmOrder vs the raw-SQL ceiling", "graph", "ceiling", targetGraph)
	ratio("REST create + confirm vs the ceiling", "rest", "ceiling", targetREST)
	ratio("createAndConfirmOrder through the gateway vs the combined graph", "gw", "graph", targetGateway)
	ratio("the cross-subgraph list through the gateway vs the combined graph", "gwlist", "gqlist", targetGateway)
	if g, ok := e.at("graph", targetConc); ok {
		if c, ok := e.at("ceiling", targetConc); ok {
			p99 := ms(g.p99) / ms(c.p99)
			fmt.Fprintf(&b, "- graph's p99 %.2f ms = %.1f× the ceiling's %.2f ms (target ≤ %.0f×): %s\n",
				ms(g.p99), p99, ms(c.p99), targetP99, verdict(p99 <= targetP99))
		}
	}
	best, bestConc := 0.0, 0
	for _, r := range e.results {
		if r.scenario == "get" && r.errs == 0 && r.reqPerSec() > best {
			best, bestConc = r.reqPerSec(), r.conc
		}
	}
	if bestConc > 0 {
		fmt.Fprintf(&b, "- GET /api/v1/orders/{id}: best %.0f req/s (c=%d; target ≥ %.0f): %s\n", best, bestConc, targetReads, verdict(best >= targetReads))
	} else {
		b.WriteString("- GET /api/v1/orders/{id}: not measured (or had errors) in this run\n")
	}
	var peak, gwPeak int64
	var peakAt, gwPeakAt string
	for _, r := range e.results {
		if r.serverHWM > peak {
			peak, peakAt = r.serverHWM, fmt.Sprintf("%s c=%d", r.scenario, r.conc)
		}
		for _, u := range r.procs {
			if u.name == gatewayName && u.hwm > gwPeak {
				gwPeak, gwPeakAt = u.hwm, fmt.Sprintf("%s c=%d", r.scenario, r.conc)
			}
		}
	}
	fmt.Fprintf(&b, "- peak RSS of b2b serve: %s MB (%s; target ≤ %d MB): %s\n", mb(peak), peakAt, targetRSS>>20, verdict(peak > 0 && peak <= targetRSS))
	if gwPeak > 0 {
		fmt.Fprintf(&b, "- peak RSS of the gateway: %s MB (%s; target ≤ %d MB): %s\n", mb(gwPeak), gwPeakAt, targetGWMemory>>20, verdict(gwPeak <= targetGWMemory))
	}
	return b.String()
}
