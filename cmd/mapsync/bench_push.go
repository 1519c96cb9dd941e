package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"mapsync/connectors/sandbox/local"
	"mapsync/connectors/sandbox/msp"
	"mapsync/engine/match"
	"mapsync/engine/plan"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

type benchPushOptions struct {
	edits    int
	orgs     int
	gap      time.Duration
	interval time.Duration
	lookback time.Duration
	mappings string
	seed     uint64
}

func newBenchPushCmd() *cobra.Command {
	var o benchPushOptions
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Measure how long a documentation-side edit takes to reach the PSA through the watcher",
		Long: `bench push runs, in this process, the embedded Temporal server, a worker and
the sandboxes with the mappings' rate limits and the documentation sandbox's
request budget on. After a first full sync it starts the sync's watcher and
edits --edits linked configurations on the documentation side (their asset
tag) at random times (gaps uniform in [0, 2 x --gap]). For each edit it
measures the time from the edit to the PSA sandbox holding the new value, and
prints p50, p95 and max, and the share of the documentation system's request
budget (window_requests per window_seconds) the watcher's polls used, and
all requests to it (polls and record runs).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.edits <= 0 || o.orgs <= 0 {
				return usageErr("--edits and --orgs must be positive")
			}
			return runBenchPush(cmd.Context(), o, cmd)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.edits, "edits", 50, "documentation-side edits to measure")
	f.IntVar(&o.orgs, "orgs", 20, "companies in the PSA (6 configurations each)")
	f.DurationVar(&o.gap, "gap", 2*time.Second, "mean pause between two edits")
	f.DurationVar(&o.interval, "interval", 0, "the watcher's poll interval (default: from the request budget, as mapsync dev)")
	f.DurationVar(&o.lookback, "lookback", 2*time.Second, "changed-since lookback of runs and polls (the sandboxes share this machine's clock)")
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the edit times and records")
	return cmd
}

func runBenchPush(ctx context.Context, o benchPushOptions, cmd *cobra.Command) error {
	out := cmd.OutOrStdout()
	p, err := compileForRun(cmd, o.mappings)
	if err != nil {
		return err
	}
	name, err := syncOfPSA(p, local.DefaultPSA)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mapsync-bench-push-")
	if err != nil {
		return &exitError{code: exitInternal, err: err}
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelError}))
	sb, err := local.Start(local.Options{Data: msp.Options{Seed: int64(o.seed), Companies: o.orgs, ConfigsPerCo: 6, ContactsPerCo: 2, SitesPerCo: 1, TicketsPerCo: -1}})
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer sb.Close()
	c, stop, err := startBenchWorker(ctx, dir, p, sb.LookupEnv(os.LookupEnv), o.lookback, logger)
	if err != nil {
		return err
	}
	defer stop()

	fmt.Fprintln(out, "first full sync ...")
	if _, err := runSync(ctx, c, workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: workflows.ModeFull}, io.Discard, io.Discard); err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("first sync: %w", err)}
	}
	pairs, err := linkedConfigurations(ctx, workflows.SyncDir(dir, name))
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if len(pairs) == 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("no linked configurations after the first sync")}
	}
	win, err := watchInput(p, name, o.interval)
	if err != nil || win == nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("no watcher for %s: %v", name, err)}
	}
	time.Sleep(o.lookback) // the first sync's own writes fall out of the first poll's window
	if err := startWatcher(ctx, c, *win); err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	defer func() {
		_ = c.TerminateWorkflow(context.WithoutCancel(ctx), workflows.WatchWorkflowID(name), "", "bench done")
	}()
	sb.ResetLogs()
	began := time.Now()
	fmt.Fprintf(out, "watcher polls every %s; %d edits, mean gap %s ...\n", win.Interval, o.edits, o.gap)

	rng := rand.New(rand.NewPCG(o.seed, 2))
	lat := make([]time.Duration, o.edits)
	var wg sync.WaitGroup
	errs := make(chan error, o.edits)
	for i := range o.edits {
		time.Sleep(time.Duration(rng.Int64N(int64(2*o.gap) + 1)))
		pr := pairs[i%len(pairs)]
		val := fmt.Sprintf("PUSH-%d", i)
		edited := time.Now()
		if err := sb.EditRecord(ctx, local.SideDoc, "configuration", pr[1], map[string]any{"asset_tag": val}); err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("edit %d: %w", i, err)}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := waitPSA(ctx, sb, pr[0], val, edited)
			if err != nil {
				errs <- fmt.Errorf("edit %d (%s): %w", i, val, err)
			}
			lat[i] = d
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	close(errs)
	for err := range errs {
		return &exitError{code: exitFailure, err: err}
	}
	st, err := watcherStatus(ctx, c, name)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	docRL := docRateLimit(p, name)
	docAll := sb.Logs()[1].Total
	slices.Sort(lat)
	q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
	fmt.Fprintf(out, "\nmapsync bench push: %d edits over %s, watcher interval %s, lookback %s\n", o.edits, elapsed.Round(time.Second), win.Interval, o.lookback)
	fmt.Fprintf(out, "edit -> PSA write   p50 %.2fs   p95 %.2fs   max %.2fs\n", q(0.5).Seconds(), q(0.95).Seconds(), lat[len(lat)-1].Seconds())
	fmt.Fprintf(out, "watcher: %d polls, %d requests = %.1f%% of the documentation budget (%d per %ds); record runs %d, waited busy %d\n",
		st.Polls, st.Requests, 100*steps.BudgetShare(docRL, st.Requests, elapsed), docRL.WindowRequests, docRL.WindowSeconds, st.Runs, st.Busy)
	fmt.Fprintf(out, "all requests to the documentation system (polls, record runs, the bench's edits): %d = %.1f%% of its budget\n",
		docAll, 100*steps.BudgetShare(docRL, int64(docAll), elapsed))
	if st.LastRun != "" {
		fmt.Fprintf(out, "last record run: %s; activities: %s\n", runSpan(ctx, c, name, st.LastRun), stageTimes(ctx, c, name, st.LastRun))
	}
	return nil
}

// runSpan is the time from a run's start to its close.
func runSpan(ctx context.Context, c client.Client, sync, runID string) string {
	d, err := c.DescribeWorkflowExecution(ctx, syncWorkflowID(sync), runID)
	if err != nil {
		return err.Error()
	}
	i := d.GetWorkflowExecutionInfo()
	return fmt.Sprintf("%.2fs", i.GetCloseTime().AsTime().Sub(i.GetStartTime().AsTime()).Seconds())
}

// waitPSA polls the PSA sandbox until its configuration psaID has asset
// tag want and returns the time since edited.
func waitPSA(ctx context.Context, sb *local.Systems, psaID, want string, edited time.Time) (time.Duration, error) {
	deadline := edited.Add(2 * time.Minute)
	for {
		var rec map[string]any
		if err := sb.PSARequest(ctx, "GET", "/company/configurations/"+psaID, nil, &rec); err != nil {
			return 0, err
		}
		if rec["tagNumber"] == want {
			return time.Since(edited), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the PSA still has %v after 2m", rec["tagNumber"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// linkedConfigurations returns [psa id, doc id] of the syncing
// configuration links.
func linkedConfigurations(ctx context.Context, syncDir string) ([][2]string, error) {
	db, err := match.OpenResults(ctx, syncDir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT psa_id, doc_id FROM links WHERE object = 'configuration' AND state = 'syncing'
		AND psa_id IS NOT NULL AND doc_id IS NOT NULL ORDER BY doc_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return nil, err
		}
		out = append(out, [2]string{a, b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][1] < out[j][1] })
	return out, rows.Err()
}

func docRateLimit(p *plan.Plan, sync string) plan.RateLimit {
	for _, s := range p.Syncs {
		if s.Name != sync {
			continue
		}
		for _, sys := range p.Systems {
			if sys.Name == s.Doc {
				return sys.RateLimit
			}
		}
	}
	return plan.RateLimit{}
}
