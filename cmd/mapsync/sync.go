package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"mapsync/connectors"
	"mapsync/engine/plan"
	"mapsync/engine/steps"
	"mapsync/workflows"
)

func init() { commands = append(commands, newSyncCmd) }

type syncOptions struct {
	temporal temporalOptions
	mappings string
	sync     string
	full     bool
	dryRun   bool
	guard    steps.GuardOptions // --max-change, --allow-mass-change
	detach   bool
	records  []string // --record OBJECT (the IDs are the arguments)
}

func newSyncCmd() *cobra.Command {
	var o syncOptions
	cmd := &cobra.Command{
		Use:   "sync [--record OBJECT ID]...",
		Short: "Run a sync now, durably, on Temporal",
		Long: `sync compiles the mapping files, stores the plan under the data directory
(by content hash, so the run keeps its mapping version whatever happens to
the files) and starts a run of the sync on Temporal: extract both systems,
match, diff, apply the writes in batches, publish the results.

Runs are incremental (records changed since the last successful run) unless
--full is given; only a full run finds records deleted from the PSA (their
links become orphaned; nothing is ever deleted on the documentation side).
--dry-run plans without writing anything.

--record OBJECT ID (repeatable; ID is [psa:|doc:]ID, a bare id is looked up
in the published links) runs a record run: only those records and their
linked counterparts on the other side are listed (by id where the system's
filter allows), the value rules decide as in any run, nothing is orphaned
and the changed-since cursors stay where they are.

The mass-change guard stops a run, before anything of an object type is
written, that would orphan, disconnect or rewrite more than the mapping's
guard { max_change } (default 20%) of that type's links; the message says
what it would have done. --allow-mass-change lets such a run through;
--max-change 0.5 sets the share for this run.

Temporal: --temporal HOST:PORT uses that cluster; by default the embedded
server on 127.0.0.1:7233 (mapsync dev, mapsync demo) is used if it runs, and
one is started in this process otherwise. A worker is started in this process
unless one already serves the queue.

On a terminal it shows a live progress bar per object (its stage: extract,
match, apply with the writes applied of those planned; then the records and
pages extracted from each side), per deferred-reference pass and for the
commit; when stdout is not a terminal, JSON log lines on stderr instead. Then
a summary per object. Exit status 1 if the run failed.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(o.records) == 0 && len(args) > 0 {
				return usageErr("unexpected arguments %v (IDs go with --record OBJECT)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// Ctrl+C ends the setup; once the run is started it is a
			// question about the run (waitRunWith, sync_watch.go).
			sig := make(chan os.Signal, 1)
			signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sig)
			ctx, cancelSetup := context.WithCancel(cmd.Context())
			defer cancelSetup()
			setupDone := make(chan struct{})
			go func() {
				select {
				case s := <-sig:
					select {
					case <-setupDone:
						sig <- s // the run is going: a question for waitRunWith
					default:
						cancelSetup()
					}
				case <-setupDone:
				}
			}()
			p, err := compileForRun(cmd, o.mappings)
			if err != nil {
				return err
			}
			name, err := chooseSync(p, o.sync)
			if err != nil {
				return err
			}
			mode := workflows.ModeIncremental
			if o.full {
				mode = workflows.ModeFull
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			sess, err := openTemporal(ctx, o.temporal, logger, sessionNeeds{worker: true})
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			defer sess.Close()
			if _, err := workflows.NewPlanStore(workflows.PlanDir(o.temporal.dataDir)).Save(p); err != nil {
				return &exitError{code: exitInternal, err: err}
			}
			if g := o.guard.MaxChange; cmd.Flags().Changed("max-change") && !(g > 0 && g <= 1) {
				return usageErr("--max-change is a share of an object type's links: greater than 0, at most 1")
			}
			if sess.worker == nil {
				workerEnvWarning(cmd.ErrOrStderr(), p, os.LookupEnv)
			}
			in := workflows.SyncInput{Sync: name, PlanHash: p.Hash, Mode: mode, DryRun: o.dryRun, Guard: o.guard}
			if len(o.records) > 0 {
				if o.full {
					return usageErr("--record and --full: a record run lists only the records named")
				}
				if in.Records, err = recordRefs(ctx, p, name, o.temporal.dataDir, o.records, args); err != nil {
					return err
				}
			}
			close(setupDone)
			intr := &interrupts{sig: sig, ownWorker: sess.worker != nil, decide: func(runID string) interruptAction {
				return askInterrupt(cmd.InOrStdin(), cmd.ErrOrStderr(), stdinInteractive(), o.detach, runID)
			}}
			res, err := runSyncWith(ctx, sess.client, in, cmd.OutOrStdout(), cmd.ErrOrStderr(), intr)
			if errors.Is(err, errDetached) {
				return nil
			}
			printSummary(cmd.OutOrStdout(), res)
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "mapsync: the run failed: %v\n", runFailure(err))
				return failed()
			}
			return nil
		},
	}
	f := cmd.Flags()
	o.temporal.addFlags(f)
	f.StringVar(&o.mappings, "mappings", "mappings", "directory of the mapping files")
	f.StringVar(&o.sync, "sync", "", "the sync to run (default: the only sync of the mapping set)")
	f.BoolVar(&o.full, "full", false, "list everything instead of what changed since the last run (finds deletions)")
	f.BoolVar(&o.dryRun, "dry-run", false, "plan the writes without sending them")
	f.BoolVar(&o.guard.Allow, "allow-mass-change", false, "let the run orphan, disconnect or rewrite more than the mass-change guard's share of an object type's links")
	f.Float64Var(&o.guard.MaxChange, "max-change", 0, "the mass-change guard's share for this run, in (0, 1] (default: the mapping's guard { max_change }, else 0.2)")
	f.StringArrayVar(&o.records, "record", nil, "a record run: sync only the record ID (an argument, [psa:|doc:]ID; a bare id is looked up in the links) of OBJECT and its linked counterpart; repeatable")
	f.BoolVar(&o.detach, "detach", false, "on Ctrl+C, leave the run going (and say how to follow it) instead of asking whether to cancel it")
	f.DurationVar(&o.temporal.unreachableFor, "unreachable-for", connectors.DefaultUnreachableFor, "how long the worker started here retries a host it cannot reach (refused, not resolved, connect timeout) before the run stops")
	return cmd
}

// compileForRun loads and compiles the mapping files, printing any
// diagnostics; errors stop the command.
func compileForRun(cmd *cobra.Command, dir string) (*plan.Plan, error) {
	_, p, diags, err := loadPlan(dir)
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		writeDiagnostics(cmd.ErrOrStderr(), diags, dir)
		return nil, failed()
	}
	return p, nil
}

// chooseSync returns the sync to run: the named one, or the only one.
func chooseSync(p *plan.Plan, name string) (string, error) {
	var names []string
	for _, s := range p.Syncs {
		if s.Name == name {
			return name, nil
		}
		names = append(names, s.Name)
	}
	switch {
	case name != "":
		return "", usageErr("no sync %q in the mapping set (have %v)", name, names)
	case len(names) == 1:
		return names[0], nil
	case len(names) == 0:
		return "", usageErr("the mapping set declares no sync")
	}
	ready := configuredSyncs(p, os.LookupEnv)
	if len(ready) == 1 {
		return ready[0], nil
	}
	if len(ready) > 1 {
		return "", usageErr("the mapping set has several syncs %v and the variables of %v are all set: choose one with --sync", names, ready)
	}
	return "", usageErr("the mapping set has several syncs %v and none has all its systems' variables set: choose one with --sync", names)
}

// configuredSyncs lists the syncs of p whose two systems' variables all
// resolve through lookup (the environment of a command): with several
// syncs in a mapping set, the one a user has configured is the one meant.
func configuredSyncs(p *plan.Plan, lookup func(string) (string, bool)) []string {
	vars := connectors.NewResolver(p.Variables, lookup)
	var out []string
	for _, s := range p.Syncs {
		if checkVariables(p, s.Name, vars) == nil {
			out = append(out, s.Name)
		}
	}
	return out
}

// syncWorkflowID is the workflow id of a sync's runs: one run of a sync at
// a time.
func syncWorkflowID(sync string) string { return "mapsync-sync-" + sync }

// runSync starts a run, shows its progress and waits for its result.
func runSync(ctx context.Context, c client.Client, in workflows.SyncInput, stdout, stderr io.Writer) (workflows.SyncResult, error) {
	return runSyncWith(ctx, c, in, stdout, stderr, nil)
}

// errRunInProgress is wrapped by runSyncWith's error when a run of the
// sync already holds its workflow id (runs of a sync never overlap).
var errRunInProgress = errors.New("a run of the sync is in progress")

// runSyncWith is runSync that handles Ctrl+C as intr says (nil: not at all).
func runSyncWith(ctx context.Context, c client.Client, in workflows.SyncInput, stdout, stderr io.Writer, intr *interrupts) (workflows.SyncResult, error) {
	run, err := startRun(ctx, c, in)
	if err != nil {
		return workflows.SyncResult{Sync: in.Sync}, err
	}
	return waitRunWith(ctx, c, run, stdout, stderr, intr)
}

// startRun starts a run of in.Sync under the sync's own workflow id; it
// fails with errRunInProgress while another run of the sync is open.
func startRun(ctx context.Context, c client.Client, in workflows.SyncInput) (client.WorkflowRun, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       syncWorkflowID(in.Sync),
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    workflows.StartAttributes(in),
		// Without it the SDK answers a conflict with the running run, as
		// if this call had started it.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, workflows.SyncRunName, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return nil, fmt.Errorf("a run of sync %s is already running (workflow %s): %w", in.Sync, syncWorkflowID(in.Sync), errRunInProgress)
		}
		return nil, fmt.Errorf("starting the run: %w", err)
	}
	return run, nil
}

// waitRun shows a run's progress until it ends and returns its result.
func waitRun(ctx context.Context, c client.Client, run client.WorkflowRun, stdout, stderr io.Writer) (workflows.SyncResult, error) {
	return waitRunWith(ctx, c, run, stdout, stderr, nil)
}

// interrupts is how waitRunWith handles Ctrl+C: sig delivers the signals,
// decide says what to do (askInterrupt); ownWorker: the run's worker is
// this process's.
type interrupts struct {
	sig       <-chan os.Signal
	decide    func(runID string) interruptAction
	ownWorker bool
}

// errDetached: the run was left running on Ctrl+C.
var errDetached = errors.New("detached from the run")

// waitRunWith is waitRun that handles Ctrl+C as intr says and shows the
// retries of the run's steps (attempt and last failure).
func waitRunWith(ctx context.Context, c client.Client, run client.WorkflowRun, stdout, stderr io.Writer, intr *interrupts) (workflows.SyncResult, error) {
	pr := newProgressView(stdout, stderr, run.GetID(), run.GetRunID())
	defer pr.stop() // the bars end before what follows is printed
	done := make(chan error, 1)
	var res workflows.SyncResult
	go func() { done <- run.Get(ctx, &res) }()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var sig <-chan os.Signal
	if intr != nil {
		sig = intr.sig
	}
	ticks := 0
	for {
		select {
		case err := <-done:
			pr.finish(err)
			return res, err
		case <-sig:
			pr.stop() // the terminal is the question's
			switch intr.decide(run.GetRunID()) {
			case actDetach:
				followHint(stderr, run.GetID(), run.GetRunID(), intr.ownWorker)
				return res, errDetached
			case actCancel:
				fmt.Fprintf(stderr, "cancelling run %s...\n", run.GetRunID())
				if err := c.CancelWorkflow(ctx, run.GetID(), run.GetRunID()); err != nil {
					return res, fmt.Errorf("cancel the run: %w", err)
				}
				sig = nil // wait for the run to end
			}
		case <-tick.C:
			if ticks++; ticks%4 == 0 {
				qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				pr.retrying(retryNote(qctx, c, run.GetID(), run.GetRunID()))
				cancel()
			}
			qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			v, err := c.QueryWorkflow(qctx, run.GetID(), run.GetRunID(), workflows.ProgressQuery)
			cancel()
			if err != nil {
				continue // not started yet, or finished between two ticks
			}
			var p workflows.Progress
			if v.Get(&p) == nil {
				pr.update(p)
			}
		}
	}
}
