package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"mapsync/engine/plan"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

func init() { commands = append(commands, newWatchCmd) }

func newWatchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Start, stop or show a sync's watcher (prompt pushes of documentation-side changes)",
		Long: `watch manages a sync's watcher: a long-running workflow (mapsync-watch-<sync>,
search attribute MapsyncWatcher = "true") that polls the documentation system
for records changed since its last poll, for the objects whose values flow to
the PSA, and runs a record run for them at once (workflow id
mapsync-sync-<sync>, so it never overlaps another run of the sync: while one
runs, the changed records wait for the next poll). mapsync dev starts it by
default; use these commands on a cluster of your own. A worker must be
running. The watcher runs the mapping version it was started with: start it
again after changing the mappings.`,
	}
	cmd.AddCommand(newWatchStartCmd(), newWatchStopCmd(), newWatchStatusCmd())
	return cmd
}

func newWatchStartCmd() *cobra.Command {
	var o temporalOptions
	var mappings, sync string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start (or restart) a sync's watcher",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("interval") && interval < 100*time.Millisecond {
				return usageErr("--interval must be at least 100ms")
			}
			p, err := compileForRun(cmd, mappings)
			if err != nil {
				return err
			}
			name, err := chooseSync(p, sync)
			if err != nil {
				return err
			}
			sess, err := openTemporal(cmd.Context(), o, quietLogger(cmd.ErrOrStderr()), sessionNeeds{})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			if _, err := workflows.NewPlanStore(workflows.PlanDir(o.dataDir)).Save(p); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			in, err := watchInput(p, name, interval)
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			if in == nil {
				return &exitError{code: exitFailure, err: fmt.Errorf("sync %s has no object whose documentation-side changes flow to the PSA: nothing to watch", name)}
			}
			if err := startWatcher(cmd.Context(), sess.client, *in); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "watcher %s: polls every %s (plan %s)\n", workflows.WatchWorkflowID(name), in.Interval, p.Hash[:12])
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringVar(&mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.DurationVar(&interval, "interval", 0, "pause between polls (default: what keeps a quiet watcher within 20% of the documentation system's request budget, at least 1s)")
	return cmd
}

func newWatchStopCmd() *cobra.Command {
	var o temporalOptions
	var mappings, sync string
	cmd := &cobra.Command{
		Use:   "stop",
		Short: "Stop a sync's watcher (a record run it started finishes)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := syncName(cmd, mappings, sync)
			if err != nil {
				return err
			}
			sess, err := openTemporal(cmd.Context(), o, quietLogger(cmd.ErrOrStderr()), sessionNeeds{})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			if err := sess.client.TerminateWorkflow(cmd.Context(), workflows.WatchWorkflowID(name), "", "mapsync watch stop"); err != nil {
				var nf *serviceerror.NotFound
				if errors.As(err, &nf) {
					return &exitError{code: exitFailure, err: fmt.Errorf("no watcher of sync %s is running", name)}
				}
				return &exitError{code: exitFailure, err: fmt.Errorf("stopping %s: %w", workflows.WatchWorkflowID(name), err)}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stopped watcher %s\n", workflows.WatchWorkflowID(name))
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringVar(&sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.StringVar(&mappings, "mappings", "mappings", "directory of the mapping files")
	return cmd
}

func newWatchStatusCmd() *cobra.Command {
	var o temporalOptions
	var mappings, sync string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a sync's watcher: polls, requests, record runs, pending records",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, err := syncName(cmd, mappings, sync)
			if err != nil {
				return err
			}
			sess, err := openTemporal(cmd.Context(), o, quietLogger(cmd.ErrOrStderr()), sessionNeeds{})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			st, err := watcherStatus(cmd.Context(), sess.client, name)
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			printWatchStatus(cmd.OutOrStdout(), name, st)
			return nil
		},
	}
	f := cmd.Flags()
	o.addFlags(f)
	f.StringVar(&sync, "sync", "", "the sync (default: the only sync of the mapping set)")
	f.StringVar(&mappings, "mappings", "mappings", "directory of the mapping files")
	return cmd
}

// syncName is --sync, else the only sync of the mapping files.
func syncName(cmd *cobra.Command, mappings, sync string) (string, error) {
	if sync != "" {
		return sync, nil
	}
	p, err := compileForRun(cmd, mappings)
	if err != nil {
		return "", err
	}
	return chooseSync(p, "")
}

func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// watchInput is the watcher of sync, nil when no object's changes flow
// to the PSA. interval 0 takes the default of the request budget.
func watchInput(p *plan.Plan, sync string, interval time.Duration) (*workflows.WatchInput, error) {
	def, objects, err := steps.WatchInterval(p, sync, steps.DefaultWatchShare)
	if err != nil {
		return nil, fmt.Errorf("watcher of %s: %w", sync, err)
	}
	if objects == 0 {
		return nil, nil
	}
	if interval <= 0 {
		interval = def
	}
	return &workflows.WatchInput{Sync: sync, PlanHash: p.Hash, Interval: interval}, nil
}

// startWatcher starts a sync's watcher, replacing one that runs.
func startWatcher(ctx context.Context, c client.Client, in workflows.WatchInput) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.WatchWorkflowID(in.Sync),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    workflows.WatchAttributes(in),
	}, workflows.WatchName, in)
	if err != nil {
		return fmt.Errorf("starting the watcher of %s: %w", in.Sync, err)
	}
	return nil
}

// watcherStatus queries a running watcher.
func watcherStatus(ctx context.Context, c client.Client, sync string) (workflows.WatchStatus, error) {
	var st workflows.WatchStatus
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := c.QueryWorkflow(qctx, workflows.WatchWorkflowID(sync), "", workflows.WatchStatusQuery)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, fmt.Errorf("no watcher of sync %s (start one with mapsync watch start)", sync)
		}
		return st, fmt.Errorf("querying %s: %w", workflows.WatchWorkflowID(sync), err)
	}
	if err := v.Get(&st); err != nil {
		return st, fmt.Errorf("watcher status: %w", err)
	}
	return st, nil
}

func printWatchStatus(w io.Writer, sync string, st workflows.WatchStatus) {
	fmt.Fprintf(w, "watcher %s\n", workflows.WatchWorkflowID(sync))
	fmt.Fprintf(w, "  polls:        %d (%d requests)\n", st.Polls, st.Requests)
	fmt.Fprintf(w, "  record runs:  %d (%d records), last %s\n", st.Runs, st.Synced, orDash(st.LastRun))
	fmt.Fprintf(w, "  waited:       %d ticks while another run held the sync\n", st.Busy)
	fmt.Fprintf(w, "  failed:       %d\n", st.Failed)
	fmt.Fprintf(w, "  pending:      %d records\n", len(st.Pending))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printWatchers lists the running watchers (search attribute
// MapsyncWatcher) with what their status query answers.
func printWatchers(ctx context.Context, out io.Writer, c client.Client, namespace, sync string) {
	q := `MapsyncWatcher = 'true' AND ExecutionStatus = 'Running'`
	if sync != "" {
		q += fmt.Sprintf(" AND MapsyncSync = '%s'", strings.ReplaceAll(sync, "'", ""))
	}
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: q, PageSize: 20})
	if err != nil {
		fmt.Fprintf(out, "watchers: %v\n", err)
		return
	}
	if len(resp.GetExecutions()) == 0 {
		fmt.Fprintln(out, "watchers: none running (mapsync watch start, or mapsync dev)")
		return
	}
	fmt.Fprintln(out, "watchers:")
	for _, e := range resp.GetExecutions() {
		id := e.GetExecution().GetWorkflowId()
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		v, err := c.QueryWorkflow(qctx, id, "", workflows.WatchStatusQuery)
		cancel()
		var st workflows.WatchStatus
		if err != nil || v.Get(&st) != nil {
			fmt.Fprintf(out, "  %s: running (no worker answered its status)\n", id)
			continue
		}
		fmt.Fprintf(out, "  %s: %d polls (%d requests), %d record runs (%d records), %d pending, %d failed\n",
			id, st.Polls, st.Requests, st.Runs, st.Synced, len(st.Pending), st.Failed)
	}
}
