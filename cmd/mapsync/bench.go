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
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine"
	"mapsync/engine/plan"
	"mapsync/workflows"
)

func init() { commands = append(commands, newBenchCmd) }

func newBenchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Benchmarks on the sandboxes"}
	cmd.AddCommand(newBenchSyncCmd(), newBenchPushCmd())
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
}

func newBenchSyncCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Time a first sync, a rerun after changes and an unchanged rerun, end to end",
		Long: `bench sync runs, in this process, the embedded Temporal server (a fresh
SQLite file in a temporary directory), a worker and the sandboxes seeded with
--orgs companies holding --configs configurations (one contact and one site
each, no tickets), then times:

  first     a first full sync
  settle    an incremental sync that reads back the first sync's own writes
  changed   an incremental sync after --changed of the configurations were
            edited in the PSA
  unchanged an incremental sync with nothing changed (must write nothing)

For each it prints records extracted, writes, the HTTP requests the sandboxes
received, the true minimum for the change and their ratio; then the process's
peak RSS (server, worker and sandboxes together).

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
throttles; plan keeps them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.orgs <= 0 || o.configs < o.orgs {
				return usageErr("--orgs must be positive and --configs at least --orgs")
			}
			if o.rateLimits != "off" && o.rateLimits != "plan" {
				return usageErr("--rate-limits is off or plan")
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
}

func runBench(ctx context.Context, o benchOptions, cmd *cobra.Command) error {
	out := cmd.OutOrStdout()
	p, err := compileForRun(cmd, o.mappings)
	if err != nil {
		return err
	}
	name, err := chooseSync(p, "")
	if err != nil {
		return err
	}
	if o.rateLimits == "off" {
		if p, err = unthrottled(p); err != nil {
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
	sb, err := local.Start(local.Options{NoBudget: o.rateLimits == "off", Data: msp.Options{
		Companies: o.orgs, ConfigsPerCo: o.configs / o.orgs, ContactsPerCo: 1, SitesPerCo: 1, TicketsPerCo: -1}})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer sb.Close()
	fmt.Fprintf(out, "seeded in %s\n", time.Since(seedStart).Round(time.Millisecond))

	c, stop, err := startBenchWorker(ctx, dir, p, sb.LookupEnv(os.LookupEnv), o.lookback, logger)
	if err != nil {
		return err
	}
	defer stop()

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
		made, _ := requestCounts(sb.Logs()...)
		r.requests, r.minimum = made, minimum
		if mode == workflows.ModeFull {
			r.minimum += fullRunSent(p, name, sb.Logs()...)
		}
		rows = append(rows, r)
		fmt.Fprintf(out, "%-13s done in %s\n", label, took.Round(time.Millisecond))
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
	err = step("first", workflows.ModeFull)
	pprof.StopCPUProfile()
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	// Reads back the first run's own writes (they changed after its
	// cursor), as the next scheduled run would.
	if err := step("settle", workflows.ModeIncremental); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	n := int(float64(o.configs) * o.changed)
	if err := sb.ChangeConfigurations(ctx, n, "BENCH"); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if err := step(fmt.Sprintf("changed (%d)", n), workflows.ModeIncremental, benchEdit{"configuration", workflows.SidePSA, n}); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if err := step("unchanged", workflows.ModeIncremental); err != nil {
		return &exitError{code: exitFailure, err: err}
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
	fmt.Fprintf(out, "peak RSS: %s (server, worker and sandboxes in one process)\n", peakRSS())
	return nil
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
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
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
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace(), Logger: sdkLogger(logger)})
	if err != nil {
		srv.Stop()
		return nil, nil, &exitError{code: exitFailure, err: err}
	}
	if _, err := workflows.NewPlanStore(workflows.PlanDir(dir)).Save(p); err != nil {
		c.Close()
		srv.Stop()
		return nil, nil, &exitError{code: exitInternal, err: err}
	}
	w := workflows.NewWorker(c, workflows.NewActivities(workflows.Config{DataDir: dir, Env: env, Logger: zerolog.Nop(), Lookback: lookback}))
	if err := w.Start(); err != nil {
		c.Close()
		srv.Stop()
		return nil, nil, &exitError{code: exitFailure, err: err}
	}
	return c, func() { w.Stop(); c.Close(); srv.Stop() }, nil
}
