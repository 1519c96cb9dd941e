// Command bench matches n synthetic configurations per side with the
// DuckDB matcher and with the Go hash-map baseline, each engine in its own
// process (so peak RSS is that engine's), and prints a table.
//
//	go run ./engine/match/bench -n 100000,1000000
//
// Engines:
//
//	duckdb-sql       staging filled by DuckDB's own SQL generator (the
//	                 same data as the Go generator, see internal/synth)
//	duckdb-stager    staging filled page by page through Stager.Append,
//	                 the production path (1000 records a page, a Stager
//	                 per 50 pages as steps.Extract opens them; each
//	                 Stager batch is one INSERT from a CSV spill file)
//	go               the baseline: records generated into Go slices,
//	                 matched with hash maps, writing the same analyst
//	                 rows (matched and lost decisions, unmatched rows)
//	                 into Go slices: like for like
//
// load = staging both sides (organizations and configurations);
// match = Match for organizations, then configurations (links, decisions,
// unmatched rows all written). With -plan the DuckDB engines also time
// Plan (diff → ops) for configurations.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

type result struct {
	Engine     string  `json:"engine"`
	N          int     `json:"n"`
	LoadS      float64 `json:"load_s"`
	MatchS     float64 `json:"match_s"`
	PairS      float64 `json:"pair_s"`   // the part of match that finds the pairs
	OutputS    float64 `json:"output_s"` // the part that writes decisions, unmatched rows, links
	LoadCPU    float64 `json:"load_cpu_s"`
	MatchCPU   float64 `json:"match_cpu_s"`
	PlanS      float64 `json:"plan_s,omitempty"`
	RSSMB      float64 `json:"rss_mb"`
	GoSysMB    float64 `json:"go_sys_mb"` // memory the Go runtime took from the OS (the rest of the RSS is DuckDB's)
	Pairs      int64   `json:"pairs"`
	Decisions  int64   `json:"decisions"` // matched and lost decisions, both objects
	Unmatched  int64   `json:"unmatched"` // unmatched rows, both objects
	AppendRate float64 `json:"append_rows_per_s,omitempty"`
	Error      string  `json:"error,omitempty"`
}

func main() {
	var (
		ns      = flag.String("n", "100000,1000000", "records per side, comma-separated")
		engines = flag.String("engines", "duckdb-sql,duckdb-stager,go", "engines to run")
		threads = flag.Int("threads", 0, "DuckDB threads (0 = one per core)")
		mem     = flag.String("mem", "900MB", "DuckDB memory_limit (900MB: DuckDB's untracked allocations and the Go runtime fit under 1 GB of RSS)")
		plan    = flag.Bool("plan", false, "also time Plan (diff → ops) for the DuckDB engines")
		child   = flag.String("child", "", "internal: run one engine in this process")
		dir     = flag.String("dir", "", "working directory for DuckDB files (default: a temp dir)")
	)
	flag.Parse()
	ctx := context.Background()
	if *child != "" {
		n, err := strconv.Atoi(*ns)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: -n:", err)
			os.Exit(2)
		}
		res := runChild(ctx, *child, n, *threads, *mem, *plan, *dir)
		if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
			os.Exit(1)
		}
		return
	}
	if err := runParent(*ns, *engines, *threads, *mem, *plan, *dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func runParent(ns, engines string, threads int, mem string, plan bool, dir string, out io.Writer) error {
	fmt.Fprintf(out, "machine: %s, %d cores (GOMAXPROCS %d), load average %s\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), loadAvg())
	fmt.Fprintf(out, "duckdb: threads=%s memory_limit=%s; each engine in its own process\n\n", threadsText(threads), mem)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "records/side\tengine\tload s\tmatch s\t(pairing\t+ outputs)\tload+match s\tCPU s load+match\tplan s\tpeak RSS MB\tof it Go MB\tpairs\tdecisions\tunmatched\tstager rows/s\tgo ÷ this (load+match)\t")
	for _, nText := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(nText))
		if err != nil {
			return fmt.Errorf("-n %q: %w", nText, err)
		}
		var results []result
		var goTotal float64
		for _, e := range strings.Split(engines, ",") {
			res, err := spawn(strings.TrimSpace(e), n, threads, mem, plan, dir)
			if err != nil {
				return err
			}
			if res.Error != "" {
				return fmt.Errorf("%s n=%d: %s", res.Engine, n, res.Error)
			}
			if res.Engine == "go" {
				goTotal = res.LoadS + res.MatchS
			}
			results = append(results, res)
		}
		for _, r := range results {
			ratio := "-"
			if goTotal > 0 && r.Engine != "go" {
				ratio = fmt.Sprintf("%.2fx", goTotal/(r.LoadS+r.MatchS))
			}
			planText, rate := "-", "-"
			if r.PlanS > 0 {
				planText = fmt.Sprintf("%.2f", r.PlanS)
			}
			if r.AppendRate > 0 {
				rate = fmt.Sprintf("%.0f", r.AppendRate)
			}
			fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t(%.2f\t+ %.2f)\t%.2f\t%.2f+%.2f\t%s\t%.0f\t%.0f\t%d\t%d\t%d\t%s\t%s\t\n",
				r.N, r.Engine, r.LoadS, r.MatchS, r.PairS, r.OutputS, r.LoadS+r.MatchS, r.LoadCPU, r.MatchCPU,
				planText, r.RSSMB, r.GoSysMB, r.Pairs, r.Decisions, r.Unmatched, rate, ratio)
		}
	}
	return tw.Flush()
}

// spawn runs one engine in a fresh process of this binary.
func spawn(engine string, n, threads int, mem string, plan bool, dir string) (result, error) {
	args := []string{"-child", engine, "-n", strconv.Itoa(n), "-threads", strconv.Itoa(threads), "-mem", mem}
	if plan {
		args = append(args, "-plan")
	}
	if dir != "" {
		args = append(args, "-dir", dir)
	}
	cmd := exec.Command(os.Args[0], args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if os.Getenv("MAPSYNC_BENCH_TRACE") != "" {
		cmd.Stderr = io.MultiWriter(&stderr, os.Stderr)
	}
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s n=%d: %w\n%s", engine, n, err, stderr.String())
	}
	var res result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return result{}, fmt.Errorf("%s n=%d: bad child output %q: %w", engine, n, stdout.String(), err)
	}
	return res, nil
}

func runChild(ctx context.Context, engine string, n, threads int, mem string, plan bool, dir string) result {
	var res result
	var err error
	switch engine {
	case "go":
		res, err = runGo(n)
	case "duckdb-sql":
		res, err = runDuckDB(ctx, n, threads, mem, false, plan, dir)
	case "duckdb-stager":
		res, err = runDuckDB(ctx, n, threads, mem, true, plan, dir)
	default:
		err = fmt.Errorf("unknown engine %q", engine)
	}
	res.Engine, res.N = engine, n
	if err != nil {
		res.Error = err.Error()
	}
	res.RSSMB = peakRSSMB()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.GoSysMB = float64(ms.Sys) / (1 << 20)
	return res
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// cpuSeconds is the user+system CPU time of this process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// peakRSSMB is VmHWM of this process.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
		}
	}
	return "unknown CPU"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func threadsText(t int) string {
	if t == 0 {
		return strconv.Itoa(runtime.NumCPU())
	}
	return strconv.Itoa(t)
}
