package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"mapsync/cmd/mapsync/internal/devserver"
	"mapsync/connectors/sandbox/core"
	"mapsync/connectors/sandbox/local"
	"mapsync/engine"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

func init() { commands = append(commands, newBenchCmd) }

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Benchmarks on the sandboxes"}
	cmd.AddCommand(newBenchSyncCmd(), newBenchPushCmd(), newBenchWorkersCmd())
	cmd.AddCommand(newBenchChildCmds()...)
	return cmd
}

type benchOptions struct {
	configs    int
	orgs       int
	mappings   string
	rateLimits string
	changed    float64
	lookback   time.Duration
	tuning     workflows.Tuning
	cpuProfile string
	// rerunProfile profiles the changed rerun (the incremental path).
	rerunProfile string
	memProfile   string
	budget       string
	// duckdbMemory overrides the worker's DuckDB memory_limit.
	duckdbMemory  string
	firstOnly     bool
	duckdbThreads int
}

// reruns times the runs after the first: settle, changed, unchanged.
func reruns(ctx context.Context, o benchOptions, sb interface {
	ChangeConfigurations(context.Context, int, string) error
}, step func(label, mode string, edits ...benchEdit) error) error {
	// Reads back the first run's own writes (they changed after its
	// cursor), as the next scheduled run would.
	if err := step("settle", workflows.ModeIncremental); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	n := int(float64(o.configs) * o.changed)
	if err := sb.ChangeConfigurations(ctx, n, "BENCH"); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	stopProfile, err := startProfile(o.rerunProfile)
	if err != nil {
		return err
	}
	err = step(fmt.Sprintf("changed (%d)", n), workflows.ModeIncremental, benchEdit{"configuration", workflows.SidePSA, n})
	stopProfile()
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if err := step("unchanged", workflows.ModeIncremental); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	return nil
}

func newBenchSyncCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Time a first sync, a rerun after changes and an unchanged rerun, end to end",
		Long: `bench sync runs a worker in this process, the embedded Temporal server
(a fresh SQLite file in a temporary directory) in a second process and the
sandboxes seeded with --orgs companies holding --configs configurations (one
contact and one site each, no tickets) in a third, then times:

  first     a first full sync
  settle    an incremental sync that reads back the first sync's own writes
  changed   an incremental sync after --changed of the configurations were
            edited in the PSA
  unchanged an incremental sync with nothing changed (must write nothing)

For each it prints records extracted, writes, the HTTP requests the sandboxes
received, the true minimum for the change and their ratio; then the peak RSS
of each process (this one's is the worker's and its Temporal client's).

The minimum is computed from the sandboxes' data and the plan, not from what
the engine sent: for each object and side, max(1, ceil(records updated after
the side's cursor / the API's maximum page size)) (an empty listing still
costs one request), plus, for an incremental run, the updates the bench's
edits need on the other side (ceil(edits / bulk update max), or one per
record without a bulk route). Records updated after the cursor include the
previous run's own writes. An incremental run's nested listing (sites under
companies) counts as one listing: the sweep of parents is the engine's
overhead. A full run's writes and nested listings (one per parent in scope)
are taken as the sandboxes received them, a bulk request counting once.

--rate-limits off (default) lifts the plan's client-side rate limits and the
documentation sandbox's request budget, to measure the engine rather than the
throttles; plan keeps them. With plan, --budget N/DURATION (e.g. 300/30s)
scales the documentation system's request budget, in the sandbox and in the
plan's rate_limit alike, so a sync under the budget is measurable in
minutes; each run then also prints the documentation system's achieved
request rate against the allowed one and the share of 429 answers.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.orgs <= 0 || o.configs < o.orgs {
				return usageErr("--orgs must be positive and --configs at least --orgs")
			}
			if o.rateLimits != "off" && o.rateLimits != "plan" {
				return usageErr("--rate-limits is off or plan")
			}
			if _, _, off, err := parseBudget(o.budget); err != nil || off {
				return usageErr("--budget: want N/DURATION, e.g. 300/30s")
			}
			if o.budget != "" && o.rateLimits == "off" {
				return usageErr("--budget needs --rate-limits plan")
			}
			return runBench(cmd.Context(), o, cmd)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.configs, "configs", 50000, "configurations in the PSA")
	f.IntVar(&o.orgs, "orgs", 5000, "companies in the PSA")
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&o.rateLimits, "rate-limits", "off", "off: lift client rate limits and the sandbox budget; plan: keep them")
	f.Float64Var(&o.changed, "changed", 0.01, "share of configurations edited before the second run")
	f.DurationVar(&o.lookback, "lookback", time.Second, "changed-since lookback (the sandboxes share this machine's clock)")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the first sync to `FILE`")
	f.StringVar(&o.rerunProfile, "cpuprofile-rerun", "", "write a CPU profile of the changed rerun to `FILE`")
	f.StringVar(&o.memProfile, "memprofile", "", "write a heap profile of this process, taken at the first sync's largest heap, to `FILE`")
	f.IntVar(&o.duckdbThreads, "duckdb-threads", 0, "DuckDB threads of the worker's run databases (0: one per core)")
	f.BoolVar(&o.firstOnly, "first-only", false, "time the first sync only (e.g. under --budget)")
	f.StringVar(&o.duckdbMemory, "duckdb-memory", "", "DuckDB memory_limit of the worker's run databases, e.g. 1GB (default: the worker's, "+workflows.DefaultMemoryLimit+")")
	f.StringVar(&o.budget, "budget", "", "with --rate-limits plan: the documentation system's request budget as N/DURATION (default: the mapping's)")
	f.IntVar(&o.tuning.ApplyBatch, "apply-batch", 0, "ops per Apply activity (0 = the default)")
	f.IntVar(&o.tuning.ApplyParallel, "apply-parallel", 0, "Apply activities in flight (0 = the default)")
	return cmd
}

type benchRow struct {
	step      string
	took      time.Duration
	extracted int64
	writes    int64
	errors    int64
	requests  int
	minimum   int
	rate      budgetUse
}

func runBench(ctx context.Context, o benchOptions, cmd *cobra.Command) error {
	out := cmd.OutOrStdout()
	p, err := compileForRun(cmd, o.mappings)
	if err != nil {
		return err
	}
	name, err := syncOfPSA(p, local.DefaultPSA)
	if err != nil {
		return err
	}
	if o.rateLimits == "off" {
		if p, err = unthrottled(p); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
	}
	if n, window, _, _ := parseBudget(o.budget); n > 0 {
		if p, err = withBudget(p, n, window); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
	}
	dir, err := os.MkdirTemp("", "mapsync-bench-")
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError}))

	fmt.Fprintf(out, "seeding %d companies, %d configurations ...\n", o.orgs, o.configs)
	seedStart := time.Now()
	procs, err := startBenchProcs(ctx, o, dir)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer procs.stop()
	sb := procs.sb
	fmt.Fprintf(out, "seeded in %s (sandboxes and Temporal server in processes of their own)\n", time.Since(seedStart).Round(time.Millisecond))

	c, stop, err := startBenchWorkerOn(ctx, procs.hostPort, procs.namespace, dir, p, sb.LookupEnv(os.LookupEnv), o.lookback, duckdbSettings{o.duckdbMemory, o.duckdbThreads}, logger)
	if err != nil {
		return err
	}
	defer stop()
	allowed := docAllowedRate(p)

	var rows []benchRow
	step := func(label, mode string, edits ...benchEdit) error {
		minimum, err := benchMinimumBefore(p, name, sb, dir, mode, edits)
		if err != nil {
			return err
		}
		sb.ResetLogs()
		start := time.Now()
		var quiet bytes.Buffer
		res, err := runSync(ctx, c, workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: mode, Tuning: o.tuning}, &quiet, io.Discard)
		took := time.Since(start)
		fmt.Fprintf(out, "%-13s %s\n", label, stageTimes(ctx, c, name, res.RunID))
		if err != nil {
			printSummary(out, res)
			return fmt.Errorf("%s: %w", label, err)
		}
		r := benchRow{step: label, took: took}
		for _, ob := range res.Objects {
			r.extracted += ob.ExtractedPSA + ob.ExtractedDoc
			r.writes += ob.Created + ob.Updated + ob.Adopted
			if ob.Deferred != nil {
				r.writes += ob.Deferred.Updated
			}
			r.errors += ob.Errors
		}
		logs := sb.Logs()
		made, _ := requestCounts(logs...)
		r.requests, r.minimum = made, minimum
		if mode == workflows.ModeFull {
			r.minimum += fullRunSent(p, name, logs...)
		}
		r.rate = measureBudgetUse(logs, took, allowed)
		rows = append(rows, r)
		fmt.Fprintf(out, "%-13s done in %s\n", label, took.Round(time.Millisecond))
		printStepBudget(out, r, allowed)
		return nil
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return &exitError{code: exitInternal, err: err}
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return &exitError{code: exitInternal, err: err}
		}
	}
	stopMem := watchMemory(o.memProfile)
	err = step("first", workflows.ModeFull)
	pprof.StopCPUProfile()
	if o.memProfile != "" {
		if _, merr := stopMem(); merr != nil && err == nil {
			err = merr
		}
		stopMem = watchMemory("")
	}
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if !o.firstOnly {
		if err := reruns(ctx, o, sb, step); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "\nmapsync bench sync: %d configurations, %d companies, rate limits %s\n", o.configs, o.orgs, o.rateLimits)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\ttime\textracted\twrites\terrors\trequests\tminimum\tratio\t")
	for _, r := range rows {
		ratio := "-"
		if r.minimum > 0 {
			ratio = fmt.Sprintf("%.3f", float64(r.requests)/float64(r.minimum))
		}
		fmt.Fprintf(tw, "%s\t%.1fs\t%d\t%d\t%d\t%d\t%d\t%s\t\n", r.step, r.took.Seconds(), r.extracted, r.writes, r.errors, r.requests, r.minimum, ratio)
	}
	tw.Flush()
	printBudgetUse(out, rows, allowed)
	goPeak, _ := stopMem()
	fmt.Fprintf(out, "peak RSS: worker %s (this process: the worker and its Temporal client; Go runtime at most %d MB, the rest is DuckDB's), Temporal server %s, sandboxes %s (processes of their own)\n",
		peakRSS(), goPeak>>20, procs.temporal.peakRSS(), procs.sandboxes.peakRSS())
	return sb.Err()
}

// startProfile starts a CPU profile into path ("" = none); the returned
// func stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, &exitError{code: exitInternal, err: err}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, &exitError{code: exitInternal, err: err}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// unthrottled returns a copy of p without client-side rate limits (the
// window budgets too), re-hashed.
func unthrottled(p *plan.Plan) (*plan.Plan, error) {
	c := *p
	c.Systems = append([]plan.System(nil), p.Systems...)
	for i := range c.Systems {
		c.Systems[i].RateLimit = plan.RateLimit{Concurrency: 8}
	}
	h, err := engine.Hash(&c)
	if err != nil {
		return nil, err
	}
	c.Hash = h
	return &c, nil
}

// requestCounts sums what the sandboxes received: every request, and the
// write requests (a bulk request counts once).
func requestCounts(logs ...core.LogSnapshot) (made, writes int) {
	for _, l := range logs {
		made += l.Total
		for route, n := range l.ByRoute {
			switch strings.SplitN(route, " ", 2)[0] {
			case "POST", "PATCH", "PUT", "DELETE":
				writes += n
			}
		}
	}
	return made, writes
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// peakRSS reads the process's peak resident set size (Linux).
func peakRSS() string { return vmHWM("self") }

// vmHWM reads the peak resident set size of a process ("self" or a pid).
func vmHWM(pid string) string {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// stageTimes sums, per activity type, the time from schedule to close of
// a run's activities (parallel ones overlap).
func stageTimes(ctx context.Context, c client.Client, sync, runID string) string {
	it := c.GetWorkflowHistory(ctx, syncWorkflowID(sync), runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	type sched struct {
		typ string
		at  time.Time
	}
	open := map[int64]sched{}
	total := map[string]time.Duration{}
	var order []string
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return err.Error()
		}
		switch a := e.GetAttributes().(type) {
		case *historypb.HistoryEvent_ActivityTaskScheduledEventAttributes:
			t := a.ActivityTaskScheduledEventAttributes.GetActivityType().GetName()
			open[e.GetEventId()] = sched{t, e.GetEventTime().AsTime()}
			if _, ok := total[t]; !ok {
				order = append(order, t)
				total[t] = 0
			}
		case *historypb.HistoryEvent_ActivityTaskCompletedEventAttributes:
			if s, ok := open[a.ActivityTaskCompletedEventAttributes.GetScheduledEventId()]; ok {
				total[s.typ] += e.GetEventTime().AsTime().Sub(s.at)
			}
		}
	}
	parts := make([]string, len(order))
	for i, t := range order {
		parts[i] = fmt.Sprintf("%s %.1fs", t, total[t].Seconds())
	}
	return strings.Join(parts, ", ")
}

// startBenchWorker starts what a benchmark runs on, in this process: the
// embedded Temporal server (no UI) in dir, a client, the plan in the plan
// store and a worker with env and lookback. stop undoes it all.
func startBenchWorker(ctx context.Context, dir string, p *plan.Plan, env func(string) (string, bool), lookback time.Duration, logger *slog.Logger) (client.Client, func(), error) {
	port, err := freeTCPPort()
	if err != nil {
		return nil, nil, &exitError{code: exitInternal, err: err}
	}
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: dir, Port: port, DisableUI: true,
		SearchAttributes: mapsyncSearchAttributes(), Logger: logger})
	if err != nil {
		return nil, nil, &exitError{code: exitFailure, err: err}
	}
	c, stop, err := startBenchWorkerOn(ctx, srv.HostPort(), srv.Namespace(), dir, p, env, lookback, duckdbSettings{}, logger)
	if err != nil {
		srv.Stop()
		return nil, nil, err
	}
	return c, func() { stop(); srv.Stop() }, nil
}

// startBenchWorkerOn is startBenchWorker on a Temporal server that runs
// elsewhere (hostPort, namespace); db's zero values keep the worker's
// DuckDB settings.
func startBenchWorkerOn(ctx context.Context, hostPort, namespace, dir string, p *plan.Plan, env func(string) (string, bool), lookback time.Duration, db duckdbSettings, logger *slog.Logger) (client.Client, func(), error) {
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: namespace, Logger: sdkLogger(logger)})
	if err != nil {
		return nil, nil, &exitError{code: exitFailure, err: err}
	}
	if _, err := workflows.NewPlanStore(workflows.PlanDir(dir)).Save(p); err != nil {
		c.Close()
		return nil, nil, &exitError{code: exitInternal, err: err}
	}
	w := workflows.NewWorker(c, workflows.NewActivities(workflows.Config{DataDir: dir, Env: env, Logger: zerolog.Nop(), Lookback: lookback, MemoryLimit: db.memory, Threads: db.threads}))
	if err := w.Start(); err != nil {
		c.Close()
		return nil, nil, &exitError{code: exitFailure, err: err}
	}
	return c, func() { w.Stop(); c.Close() }, nil
}

// duckdbSettings override the worker's DuckDB memory_limit and threads.
type duckdbSettings struct {
	memory  string
	threads int
}
